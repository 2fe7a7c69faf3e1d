/**
 * A Pulsar job's outputs: which files of its working directory an output
 * names, their download to their local destinations, and the executors'
 * logs. Portable.
 * @module
 */
import type { JobOutput, JobSpec } from '../../contracts/job-spec.js';
import type { PulsarClient } from '../../pulsar/client.js';
import { parseManifest, type ManifestEntry } from '../../transfer/manifest.js';
import { absolutePath, localRef, staysBelow, type LocalFileDigest, type LocalFiles } from '../../contracts/local-files.js';
import { hasWildcard } from '../../executor/paths.js';
import { SCRIPT_FILES } from '../../executor/script.js';
import { fetchFiles } from '../../pulsar/pipeline.js';
import type { CollectedOutput, ExecutorLog, SiteCallOptions } from '../site.js';
import { MANIFEST_FILE, workdirName } from './command.js';

/** One file to download for an output: its working-directory name, container path, and path below the destination. */
export interface OutputMatch {
  /** The file's name in the working directory, as Pulsar lists it. */
  name: string;
  /** Its container path. */
  path: string;
  /** Its path below the output's destination (empty for a file output). */
  relative: string;
}

/** The working-directory files an output names: the file itself, a directory's files, or a last-segment pattern's matches. */
export function matchOutput(output: JobOutput, working: readonly string[]): OutputMatch[] {
  const base = workdirName(output.path);
  if (hasWildcard(output.path)) {
    const slash = base.lastIndexOf('/');
    const dir = base.slice(0, slash + 1);
    const pattern = globToRegExp(base.slice(slash + 1));
    const prefix = workdirName(output.path_prefix ?? '/').replace(/\/+$/, '');
    return working
      .filter((name) => name.startsWith(dir) && pattern.test(name.slice(dir.length)))
      .sort()
      .map((name) => ({ name, path: `/${name.slice(workdirName('/').length)}`, relative: name.slice(prefix.length + 1) }));
  }
  if (working.includes(base)) return [{ name: base, path: output.path, relative: '' }];
  const dir = `${base.replace(/\/+$/, '')}/`;
  return working
    .filter((name) => name.startsWith(dir))
    .sort()
    .map((name) => ({ name, path: `${output.path.replace(/\/+$/, '')}/${name.slice(dir.length)}`, relative: name.slice(dir.length) }));
}

function globToRegExp(segment: string): RegExp {
  let source = '';
  for (const char of segment) {
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** What downloading a job's outputs needs of its site. */
export interface OutputDownload {
  /** The server. */
  client: PulsarClient;
  /** Local file access (outputs cannot be delivered without it). */
  files: LocalFiles | undefined;
  /** A listed file of the job's working directory, as text. */
  text(name: string, signal: AbortSignal | undefined): Promise<string>;
}

/** One file to bring back: its working-directory name, container path, destination, and what the manifest says of it. */
interface PlannedDownload {
  name: string;
  path: string;
  to: string;
  expected?: { sha256: string; size: number };
}

/**
 * Downloads each output's files (a file, a directory's files, a pattern's
 * matches) from the working directory through the pipeline
 * ({@link fetchFiles}), each checked against the job's manifest and fetched
 * once more on a mismatch. Problems are gathered in `problems`; an abort
 * throws, after removing what this call delivered.
 */
export async function downloadOutputs(site: OutputDownload, remoteId: string, outputs: readonly JobOutput[], working: Set<string>, problems: string[], options: SiteCallOptions): Promise<CollectedOutput[]> {
  const files = site.files;
  const manifest = working.has(MANIFEST_FILE) ? new Map(parseManifest(await site.text(MANIFEST_FILE, options.signal), `${MANIFEST_FILE} of Pulsar job ${remoteId}`).map((e) => [e.name, e])) : new Map<string, ManifestEntry>();
  const planned: PlannedDownload[] = [];
  for (const output of outputs) {
    const destination = absolutePath(localRef(output.url) ?? { kind: 'path', value: '' }, files);
    if (!files || destination === undefined) {
      problems.push(`output ${output.path}: cannot write ${output.url} without local file access`);
      continue;
    }
    const matches = matchOutput(output, [...working]);
    if (matches.length === 0 && !hasWildcard(output.path)) problems.push(`output ${output.path} was not produced by the executors`);
    for (const { name, path, relative } of matches) {
      if (!staysBelow(relative)) {
        problems.push(`output ${output.path}: Pulsar lists ${JSON.stringify(name.slice(0, 200))}, which would be written outside ${destination}; not downloaded`);
        continue;
      }
      const entry = manifest.get(name);
      // Checked against what the job wrote while it streams: a download cut short looks whole
      // (Pulsar sends no Content-Length), and is fetched again with the transfer's retries.
      const expected = entry?.sha256 !== undefined && entry.size !== undefined ? { sha256: entry.sha256, size: entry.size } : undefined;
      planned.push({ name, path, to: relative === '' ? destination : `${destination.replace(/\/+$/, '')}/${relative}`, ...(expected && { expected }) });
    }
  }
  if (!files || planned.length === 0) return [];
  const outcomes = await fetchFiles(site.client, planned, (item, signal) => downloadOne(site.client, files, remoteId, item, { ...options, signal }), {
    signal: options.signal,
    undo: (item) => files.remove(item.to),
  });
  const collected: CollectedOutput[] = [];
  outcomes.forEach((outcome, k) => {
    if (outcome.status === 'fulfilled') collected.push(outcome.value);
    else problems.push(downloadProblem(planned[k] as PlannedDownload, outcome.reason));
  });
  return collected;
}

/** Downloads one file to its destination. A failed attempt that reached the destination (its bytes did not match) is removed before the error is thrown. */
async function downloadOne(client: PulsarClient, files: LocalFiles, remoteId: string, item: PlannedDownload, options: SiteCallOptions & { signal: AbortSignal }): Promise<CollectedOutput> {
  const { name, path, to, expected } = item;
  const report = (bytesDone: number, done: boolean): void => options.onTransfer?.({ direction: 'down', file: to, bytesDone, done });
  let written = false;
  const write = async (body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<LocalFileDigest> => {
    const digest = await files.write(to, body, signal, (n) => report(n, false));
    // Written whole: a later attempt may still find it did not match.
    written = true;
    return digest;
  };
  try {
    report(0, false);
    const digest = await client.downloadWith(remoteId, name, 'output_workdir', write, { signal: options.signal, ...(expected && { expected }) });
    report(digest.sizeBytes, true);
    return { path, url: to, ...digest };
  } catch (error) {
    if (written) await files.remove(to).catch(() => undefined);
    throw error;
  }
}

/** Why a file could not be brought back, in words. */
function downloadProblem({ path, to, expected }: PlannedDownload, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  if (!expected) return `output ${path} could not be written to ${to}: ${reason}`;
  return `output ${path}: the job wrote ${expected.size} bytes (sha256 ${expected.sha256}), no download matched (${reason}); nothing was left at ${to}`;
}

/**
 * Each executor's logs, for the executors that ran (one exit code each): the
 * tails of its stdout and stderr files, where the working directory has them.
 */
export async function executorLogs(
  tail: (name: string, signal: AbortSignal | undefined) => Promise<string>,
  spec: JobSpec,
  exitCodes: number[],
  working: Set<string>,
  signal: AbortSignal | undefined,
): Promise<ExecutorLog[]> {
  const read = async (name: string): Promise<string | undefined> => (working.has(name) ? await tail(name, signal) : undefined);
  const logs: ExecutorLog[] = [];
  for (const [i, exitCode] of exitCodes.entries()) {
    const executor = spec.executors[i];
    const log: ExecutorLog = { exitCode };
    const [stdout, stderr] = await Promise.all([
      read(executor?.stdout ? workdirName(executor.stdout) : SCRIPT_FILES.stdout(i)),
      read(executor?.stderr ? workdirName(executor.stderr) : SCRIPT_FILES.stderr(i)),
    ]);
    if (stdout !== undefined) log.stdout = stdout;
    if (stderr !== undefined) log.stderr = stderr;
    logs.push(log);
  }
  return logs;
}
