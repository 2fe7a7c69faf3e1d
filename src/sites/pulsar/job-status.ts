/**
 * A Pulsar job's status as a site reports it: Pulsar's answer mapped onto
 * the unified states, the exit codes read once at the end, and the end of a
 * job that a restarted Pulsar goes on reporting `running`, read from the
 * manifest its command line writes last. Portable.
 * @module
 */
import { AbortError } from '../../errors.js';
import type { JobSpec } from '../../contracts/job-spec.js';
import { fromPulsarStatus, stateFromExitCodes } from '../../jobs/state-map.js';
import type { PulsarClient } from '../../pulsar/client.js';
import { readJobText } from '../../pulsar/job-files.js';
import type { PulsarJobStatus } from '../../pulsar/status.js';
import { parseManifest } from '../../transfer/manifest.js';
import { throwIfAborted } from '../../util/abort.js';
import { eachAtMost } from '../../util/pool.js';
import { parseExitCodes, SCRIPT_FILES } from '../../executor/script.js';
import type { SiteJobStatus } from '../site.js';
import { MANIFEST_FILE, SPEC_FILE } from './command.js';
import type { BookedStatus, JobBook } from './job-book.js';

/** What reading a status needs of the site. */
export interface StatusReading {
  /** The server. */
  client: PulsarClient;
  /** What earlier polls learned. */
  book: JobBook;
  /** See `PulsarRestSiteOptions.staleRunningMs`. */
  staleMs: number;
  /** The job's spec (known, or read back from its working directory). */
  spec(remoteId: string, raw: PulsarJobStatus, signal: AbortSignal | undefined): Promise<JobSpec>;
  /** A listed file of the job's working directory, as text. */
  text(remoteId: string, name: string, signal: AbortSignal | undefined): Promise<string>;
}

/** The site state of a job that ended by its own manifest while Pulsar still says `running`. */
export const ENDED_BY_MARKER = 'running (ended: its manifest is written)';
/** Largest manifest or exit-codes file read while Pulsar still says `running`, in bytes. */
const MARKER_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The unified status. A job that has ended is answered from the book (its
 * exit codes were read once, when a poll first saw the end). A Pulsar
 * `complete` becomes `executor_error` when an exit code says so. A job
 * Pulsar has said `running` of for a while (or since a poll failed to reach
 * it) has its own completion marker looked for.
 */
export async function readStatus(site: StatusReading, remoteId: string, signal: AbortSignal | undefined, totalTimeout?: number): Promise<BookedStatus> {
  const booked = site.book.ended(remoteId);
  if (booked) return booked;
  let raw: PulsarJobStatus;
  try {
    raw = await site.client.status(remoteId, { ...(signal && { signal }), ...(totalTimeout !== undefined && { totalTimeout }) });
  } catch (error) {
    if (!(error instanceof AbortError)) site.book.unreached(remoteId);
    throw error;
  }
  if (raw.terminal) {
    const ended = await ending(site, remoteId, raw, signal);
    site.book.end(remoteId, ended);
    return ended;
  }
  if (raw.status !== 'running') {
    site.book.notRunning(remoteId);
    return { status: { remoteId, state: fromPulsarStatus(raw.status), siteState: raw.status }, raw };
  }
  const now = Date.now();
  site.book.running(remoteId, now);
  if (site.book.markerDue(remoteId, now, site.staleMs)) {
    const ended = await endedByMarker(site, remoteId, raw, signal).catch((error: unknown) => {
      if (error instanceof AbortError) throw error;
      return undefined; // not readable now: looked for again later
    });
    site.book.markerChecked(remoteId, now);
    if (ended) {
      site.book.end(remoteId, ended);
      return ended;
    }
  }
  return { status: { remoteId, state: 'running', siteState: raw.status }, raw };
}

/** The end of a job Pulsar reports terminal; for `complete`, the exit codes (read here, once) decide. */
async function ending(site: StatusReading, remoteId: string, raw: PulsarJobStatus, signal: AbortSignal | undefined): Promise<BookedStatus> {
  if (raw.status !== 'complete') return { status: { remoteId, state: fromPulsarStatus(raw.status), siteState: raw.status }, raw };
  const working = raw.listings?.working ?? [];
  const exitCodes = working.includes(SCRIPT_FILES.exitCodes) ? parseExitCodes(await site.text(remoteId, SCRIPT_FILES.exitCodes, signal)) : [];
  if (!working.includes(SCRIPT_FILES.finished)) return { status: { remoteId, state: 'system_error', siteState: 'complete (script did not finish)', exitCodes }, raw };
  const state = stateFromExitCodes(exitCodes, (await site.spec(remoteId, raw, signal)).executors);
  return { status: { remoteId, state, siteState: raw.status, exitCodes }, raw };
}

/**
 * The end of a job Pulsar still reports `running`, from the manifest its
 * command line writes as its last step (which lists every file collect
 * reads) and its exit codes; `undefined` while there is no manifest. The
 * client is told which files the job has, as Pulsar will never list them.
 */
async function endedByMarker(site: StatusReading, remoteId: string, raw: PulsarJobStatus, signal: AbortSignal | undefined): Promise<BookedStatus | undefined> {
  const read = (name: string): Promise<string | undefined> => readJobText(site.client, remoteId, name, { maxBytes: MARKER_MAX_BYTES, ...(signal && { signal }) });
  const manifest = await read(MANIFEST_FILE);
  if (manifest === undefined) return undefined;
  const entries = parseManifest(manifest, `${MANIFEST_FILE} of Pulsar job ${remoteId}`);
  const exitCodes = parseExitCodes((await read(SCRIPT_FILES.exitCodes)) ?? '');
  const produced = entries.filter((entry) => entry.size !== undefined).map((entry) => entry.name);
  const working = [...new Set([...produced, SPEC_FILE, MANIFEST_FILE, SCRIPT_FILES.exitCodes, SCRIPT_FILES.finished])];
  const listings = { working, outputs: [], metadata: [], job: [] };
  site.client.assumeListings(remoteId, listings);
  const ended: PulsarJobStatus = { ...raw, listings };
  const state = stateFromExitCodes(exitCodes, (await site.spec(remoteId, ended, signal)).executors);
  return { status: { remoteId, state, siteState: ENDED_BY_MARKER, exitCodes }, raw: ended };
}

/**
 * The statuses of `remoteIds`, at most `concurrency` read at once. A job
 * whose read failed is left out (no news this time); when every read failed,
 * the first error is thrown, and an abort at once.
 */
export async function pollStatuses(remoteIds: readonly string[], concurrency: number, read: (id: string) => Promise<SiteJobStatus>, signal: AbortSignal | undefined): Promise<Map<string, SiteJobStatus>> {
  const statuses = new Map<string, SiteJobStatus>();
  // Only the first failure is kept: with the server down, a cycle of thousands of jobs fails thousands of times.
  let failure: { error: unknown } | undefined;
  throwIfAborted(signal, 'polling a Pulsar site');
  // Only an abort stops the pool (and nothing keeps reading behind the caller); other failures are no news.
  await eachAtMost(remoteIds, concurrency, signal, async (id) => {
    try {
      statuses.set(id, await read(id));
    } catch (error) {
      if (error instanceof AbortError) throw error;
      failure ??= { error };
    }
  });
  if (statuses.size === 0 && failure) throw failure.error;
  return statuses;
}
