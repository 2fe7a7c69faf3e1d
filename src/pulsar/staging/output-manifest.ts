/**
 * The output manifest of a staged job: the submitted command ends with
 * `manifestScript`, which writes the name, size and sha256 of every output the
 * job description names into `outputs/` (keeping the command's exit code).
 * Collection fetches it and checks each download against it, because Pulsar
 * sends no `Content-Length`: a body cut short looks whole on the wire.
 * Node only.
 * @module
 */
import { basename } from 'node:path';
import { ProtocolError } from '../../errors.js';
import { type ManifestEntry, type ManifestOutput, manifestScript, parseManifest } from '../../transfer/manifest.js';
import type { PulsarClient } from '../client.js';
import type { PulsarJobConfig } from '../status.js';
import type { PulsarDownloadType } from '../wire.js';
import type { PulsarStagedJob } from './description.js';
import { remoteJoin } from './rewrite.js';

/** Name of the manifest in the job's `outputs/` directory. */
export const OUTPUT_MANIFEST_NAME = '.pulsar-network-manifest';

/** Times a manifest that arrived cut short (no `end` line) is fetched again. */
const MANIFEST_FETCHES = 5;

/** The key of an output in the manifest: its download type and its `/`-separated listed name. */
export function manifestKey(type: PulsarDownloadType, name: string): string {
  return `${type}:${name}`;
}

/**
 * Appends the manifest step to a rewritten command line. Servers whose paths
 * are not POSIX (a `\` separator: no `sh` to run the script) get the command
 * unchanged, as does a job with `manifest: false`.
 *
 * @example
 * ```ts
 * const setup = await pulsar.setup(jobId);
 * const staged = await stageIn(pulsar, setup, stagedJob);
 * await pulsar.submit(jobId, { commandLine: withOutputManifest(staged.commandLine, stagedJob, setup) });
 * ```
 */
export function withOutputManifest(commandLine: string, job: PulsarStagedJob, config: PulsarJobConfig): string {
  if (job.manifest === false || config.separator !== '/') return commandLine;
  const dirs = config.directories;
  const outputs: ManifestOutput[] = [];
  const add = (type: PulsarDownloadType, directory: string, name: string) => {
    const key = manifestKey(type, name);
    if (!outputs.some((o) => o.name === key)) outputs.push({ name: key, path: remoteJoin(directory, name, '/') });
  };
  for (const output of job.outputs ?? []) add('output', dirs.outputs, basename(output));
  if (job.versionFile) add('output', dirs.outputs, 'COMMAND_VERSION');
  for (const output of job.workDirOutputs ?? []) {
    const wd = job.workingDirectory ?? '';
    const name = output.source.startsWith('/') ? output.source.slice(wd.length + 1) : output.source;
    // Globs and directories are listed only once the job ran: their files are verified by their sha256 alone.
    if (!/[*?[]/.test(name)) add('output_workdir', dirs.working, name);
  }
  if (outputs.length === 0) return commandLine;
  return `${commandLine}\n${manifestScript(outputs, remoteJoin(dirs.outputs, OUTPUT_MANIFEST_NAME, '/'))}`;
}

/**
 * Fetches and parses the manifest of a finished job; `undefined` when the job
 * wrote none (the status does not list it). A copy cut short is fetched again.
 *
 * @example
 * ```ts
 * const final = await pulsar.wait(jobId);
 * const manifest = await fetchOutputManifest(pulsar, jobId, final.listings?.outputs ?? []);
 * for (const [key, entry] of manifest ?? []) console.log(key, entry.size, entry.sha256); // key: '<download type>:<name>'
 * ```
 */
export async function fetchOutputManifest(
  client: PulsarClient,
  jobId: string,
  listed: readonly string[],
  options: { signal?: AbortSignal } = {},
): Promise<Map<string, ManifestEntry> | undefined> {
  if (!listed.includes(OUTPUT_MANIFEST_NAME)) return undefined;
  let last: unknown;
  for (let fetches = 0; fetches < MANIFEST_FETCHES; fetches++) {
    const text = await client.downloadWith(jobId, OUTPUT_MANIFEST_NAME, 'output', (body) => new Response(body).text(), options);
    try {
      return new Map(parseManifest(text, `output manifest of job ${jobId}`).map((entry) => [entry.name, entry]));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      last = error;
    }
  }
  throw last;
}
