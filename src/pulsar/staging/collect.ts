/**
 * Output collection after a job completed: every file the final status lists
 * that the job description asks for is downloaded to its local destination.
 * Failures are gathered, not thrown, so one missing output never loses the
 * others. Node only.
 * @module
 */
import { rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { ProtocolError } from '../../errors.js';
import type { PulsarClient } from '../client.js';
import { fetchFiles } from '../pipeline.js';
import type { PulsarJobStatus } from '../status.js';
import type { PulsarDownloadType } from '../wire.js';
import { DEFAULT_DYNAMIC_OUTPUTS, type PulsarStagedJob } from './description.js';
import { fetchOutputManifest, manifestKey, OUTPUT_MANIFEST_NAME } from './output-manifest.js';
import type { TransferProgress } from '../../transfer/progress.js';
import { fileSink } from '../../transfer/node/file-sink.js';
import { extrasDirOf } from './stage-in.js';

/** One file brought back. */
export interface PulsarCollectedFile {
  /** Name on the server, as listed, relative to the directory of `type`. */
  name: string;
  /** The download type (the server directory it came from). */
  type: PulsarDownloadType;
  /** The local path it was written to. */
  destination: string;
  /** Bytes delivered. */
  size: number;
  /** Lowercase hex sha256 of the delivered bytes. */
  sha256: string;
  /** True when the job's output manifest listed this file and its size and sha256 matched. */
  verified: boolean;
  /** Downloads it took (more than 1 when a body broke or did not match the manifest). */
  attempts: number;
}

/** An output that could not be brought back. */
export interface PulsarCollectionFailure {
  /** Name on the server (`*` when the job left no listing at all). */
  name: string;
  /** The download type. */
  type: PulsarDownloadType;
  /** The local path it was meant for; absent for the output manifest and for a job with no listing. */
  destination?: string;
  /** False for opportunistic files (dynamic outputs): their absence does not fail the job. */
  required: boolean;
  /** What was thrown; undefined when the file was simply not there. */
  error: unknown;
  /** What went wrong, in words. */
  message: string;
}

/** What collection did. */
export interface PulsarCollectResult {
  /** Files brought back. */
  collected: PulsarCollectedFile[];
  /** Files that could not be brought back; empty when all went well. */
  failures: PulsarCollectionFailure[];
}

interface Wanted {
  name: string;
  type: PulsarDownloadType;
  destination: string;
  required: boolean;
}

/**
 * Downloads the outputs of a completed job through the pipeline (as many at
 * once as the client's cap allows). One output's failure is recorded and
 * does not stop the others; an abort removes what this call delivered and
 * rejects with AbortError.
 *
 * @example
 * ```ts
 * const final = await pulsar.wait(jobId);
 * const { collected, failures } = await collectOutputs(pulsar, final, stagedJob);
 * ```
 */
export async function collectOutputs(
  client: PulsarClient,
  status: PulsarJobStatus,
  job: PulsarStagedJob,
  options: CollectOptions = {},
): Promise<PulsarCollectResult> {
  const failures: PulsarCollectionFailure[] = [];
  const listings = status.listings;
  if (!listings) {
    return { collected: [], failures: [{ name: '*', type: 'output', required: true, error: undefined, message: `job ${status.jobId} is ${status.status}: no outputs to collect` }] };
  }
  const sep = status.separator ?? '/';
  // Listed names use the server's separator; match on `/` and download with the listed form.
  const index = (names: string[]) => new Map(names.map((n) => [n.split(sep).join('/'), n]));
  const [working, outputs, metadata] = [listings.working, listings.outputs, listings.metadata].map(index) as [Map<string, string>, Map<string, string>, Map<string, string>];
  const wanted = new Map<string, Wanted>();
  /** Queues a download; one whose destination comes from a server-listed name must stay inside `within`. */
  const want = (w: Wanted, within?: string) => {
    if (within !== undefined && !isInside(w.destination, within)) {
      const error = new ProtocolError({ where: 'GET /jobs/{job_id}/status', problem: `lists ${JSON.stringify(w.name)}, which would be written outside ${within}` });
      failures.push({ ...w, error, message: error.message });
      return;
    }
    if (!wanted.has(w.destination)) wanted.set(w.destination, w);
  };
  const missing = (name: string, type: PulsarDownloadType, destination: string, why: string) => failures.push({ name, type, destination, required: true, error: undefined, message: why });

  // 1. Outputs from the working directory (files, directories, globs).
  for (const output of job.workDirOutputs ?? []) {
    const wd = job.workingDirectory ?? '';
    const name = output.source.startsWith('/') ? output.source.slice(wd.length + 1) : output.source;
    const below = [...working.keys()].filter((n) => n.startsWith(`${name}/`));
    if (below.length > 0) {
      for (const n of below) {
        want({ name: working.get(n) as string, type: 'output_workdir', destination: join(output.destination, n.slice(name.length + 1)), required: true }, output.destination);
      }
      continue;
    }
    const match = working.has(name) ? name : [...working.keys()].find((n) => glob(name).test(n));
    if (match === undefined) missing(name, 'output_workdir', output.destination, `the working directory has no ${name}`);
    else want({ name: working.get(match) as string, type: 'output_workdir', destination: output.destination, required: true });
  }

  // 2. Named outputs and their `<name>_files/` extra files (those a working-directory output fills are done).
  const fromWorkDir = new Set((job.workDirOutputs ?? []).map((o) => o.destination));
  for (const output of (job.outputs ?? []).filter((o) => !fromWorkDir.has(o))) {
    const name = basename(output);
    const listed = outputs.get(name);
    if (listed === undefined) missing(name, 'output', output, `outputs/ has no ${name}`);
    else want({ name: listed, type: 'output', destination: output, required: true });
    const extras = basename(extrasDirOf(output));
    for (const [n, original] of outputs) {
      if (n.startsWith(`${extras}/`)) want({ name: original, type: 'output', destination: join(dirname(output), n), required: true }, extrasDirOf(output));
    }
  }

  // 3. The version file, when the tool wrote one.
  const version = outputs.get('COMMAND_VERSION');
  if (job.versionFile && version !== undefined) want({ name: version, type: 'output', destination: job.versionFile, required: true });

  // 4. Other working-directory files: dynamic outputs and files galaxy.json names.
  const patterns = job.dynamicOutputs ?? DEFAULT_DYNAMIC_OUTPUTS;
  if (job.workingDirectory) {
    const named = namedByDynamicSources(status, failures);
    for (const [n, original] of working) {
      const listed = named.files.has(n) || named.prefixes.some((p) => n.startsWith(p)) || patterns.some((p) => p.test(n));
      if (listed) want({ name: original, type: 'output_workdir', destination: join(job.workingDirectory, n), required: false }, job.workingDirectory);
    }
  }

  // 5. Metadata-directory files matching the dynamic patterns.
  if (job.metadataDirectory) {
    for (const [n, original] of metadata) {
      if (patterns.some((p) => p.test(n))) want({ name: original, type: 'output_metadata', destination: join(job.metadataDirectory, n), required: false }, job.metadataDirectory);
    }
  }

  const collected = await downloadWanted(client, status, [...wanted.values()], [...outputs.keys()], failures, options);
  return { collected, failures };
}

type CollectOptions = { signal?: AbortSignal; onDownload?: (file: PulsarCollectedFile) => void; onProgress?: (progress: TransferProgress) => void };

/** Downloads the wanted files, each checked against the job's output manifest when it lists it; failures are recorded, not thrown (but an abort is). */
async function downloadWanted(
  client: PulsarClient,
  status: PulsarJobStatus,
  wanted: Wanted[],
  outputNames: string[],
  failures: PulsarCollectionFailure[],
  options: CollectOptions,
): Promise<PulsarCollectedFile[]> {
  const sep = status.separator ?? '/';
  // The job's output manifest, when it wrote one: every output it lists is checked against it.
  const manifest = await fetchOutputManifest(client, status.jobId, outputNames, options).catch((error: unknown) => {
    failures.push({ name: OUTPUT_MANIFEST_NAME, type: 'output', required: true, error, message: `output manifest: ${error instanceof Error ? error.message : String(error)}` });
    return undefined;
  });
  // Verified against the manifest while it streams (a mismatch is fetched again); the bytes
  // stay under a temporary name beside the destination until they are complete and verified.
  const fetch = async (w: Wanted, signal: AbortSignal): Promise<PulsarCollectedFile> => {
    const entry = manifest?.get(manifestKey(w.type, w.name.split(sep).join('/')));
    const expected = entry?.sha256 !== undefined && entry.size !== undefined ? { sha256: entry.sha256, size: entry.size } : undefined;
    const got = await client.downloadTo(status.jobId, w.name, w.type, fileSink(w.destination), { signal, ...(options.onProgress && { onProgress: options.onProgress }), ...(expected && { expected }) });
    const file = { name: w.name, type: w.type, destination: w.destination, size: got.size, sha256: got.sha256, verified: expected !== undefined, attempts: got.attempts };
    options.onDownload?.(file);
    return file;
  };
  const outcomes = await fetchFiles(client, wanted, fetch, { signal: options.signal, undo: (w) => rm(w.destination, { force: true }) });
  const collected: PulsarCollectedFile[] = [];
  outcomes.forEach((outcome, k) => {
    if (outcome.status === 'fulfilled') collected.push(outcome.value);
    else failures.push({ ...(wanted[k] as Wanted), error: outcome.reason, message: outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason) });
  });
  return collected;
}

/** Files and extra-file prefixes named by realized galaxy.json documents (`filename`, `extra_files`). */
function namedByDynamicSources(status: PulsarJobStatus, failures: PulsarCollectionFailure[]): { files: Set<string>; prefixes: string[] } {
  const files = new Set<string>();
  const prefixes: string[] = [];
  for (const source of status.dynamicFileSources ?? []) {
    let entries: unknown[];
    try {
      entries =
        source.type === 'legacy_galaxy'
          ? source.contents.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as unknown)
          : ([] as unknown[]).concat(JSON.parse(source.contents) as unknown);
    } catch (error) {
      failures.push({ name: source.path, type: 'output_workdir', required: false, error, message: `${source.path} is not valid JSON` });
      continue;
    }
    for (const entry of entries) {
      if (!entry || typeof entry !== 'object') continue;
      const { filename, extra_files: extra } = entry as { filename?: unknown; extra_files?: unknown };
      if (typeof filename === 'string') files.add(filename);
      if (typeof extra === 'string') prefixes.push(extra.endsWith('/') ? extra : `${extra}/`);
    }
  }
  return { files, prefixes };
}

/** True when `path` lies strictly below `directory`. */
function isInside(path: string, directory: string): boolean {
  const rel = relative(directory, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** A glob of one working-directory name (`*`, `?`) as an anchored pattern. */
function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}
