/**
 * Stage-in: uploads a staged job's files in Pulsar's order (tool files,
 * inputs, working directory, metadata directory, unstructured data, then the
 * rewritten config files) and rewrites the command line. Node only.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { TransferProgress } from '../../transfer/progress.js';
import { bytesSource } from '../../transfer/sources.js';
import { fileSource } from '../../transfer/node/file-source.js';
import type { PulsarClient, PulsarUploadResult } from '../client.js';
import { sendFiles } from '../pipeline.js';
import type { PulsarJobConfig } from '../status.js';
import type { PulsarUploadType } from '../wire.js';
import type { PulsarStagedJob } from './description.js';
import { listFiles, topLevelFiles } from './local-files.js';
import { PathRewriter, remoteJoin } from './rewrite.js';

/** One file sent to the server. */
export interface PulsarStagedUpload {
  /** Local path (for config files: the original, before rewriting). */
  local: string;
  /** Name sent to the server, relative to the directory of `type`. */
  name: string;
  /** The upload type (the server directory it went to). */
  type: PulsarUploadType;
  /** Where the server wrote it. */
  remote: string;
  /** Bytes sent. */
  size: number;
  /** Lowercase hex sha256 of the bytes sent. */
  sha256: string;
}

/** The result of stage-in. */
export interface PulsarStageInResult {
  /** The command line with local paths replaced by server paths. */
  commandLine: string;
  /** Every file uploaded, in order. */
  uploads: PulsarStagedUpload[];
  /** The local → server path mapping used, for rewriting more text. */
  rewriter: PathRewriter;
}

interface Planned {
  local: string;
  name: string;
  type: PulsarUploadType;
  /** Text to send instead of the file (rewritten config files). */
  text?: string;
}

/**
 * The directory name of unstructured data on the server: a hash of its local base path.
 *
 * @example
 * ```ts
 * const setup = await pulsar.setup(jobId);
 * const remote = `${setup.directories.unstructured}/${unstructuredPrefix('/refs/idx')}/bwa/human.fa`;
 * ```
 */
export function unstructuredPrefix(localBase: string): string {
  return createHash('sha256').update(localBase).digest('hex').slice(0, 32);
}

/**
 * Uploads everything the job needs and rewrites its paths.
 *
 * @example
 * ```ts
 * const setup = await pulsar.setup(jobId);
 * const { commandLine, uploads } = await stageIn(pulsar, setup, stagedJob);
 * await pulsar.submit(jobId, { commandLine });
 * ```
 */
export async function stageIn(
  client: PulsarClient,
  config: PulsarJobConfig,
  job: PulsarStagedJob,
  options: StageInOptions = {},
): Promise<PulsarStageInResult> {
  const sep = config.separator;
  const dirs = config.directories;
  const rewriter = new PathRewriter(sep);
  const uploads: PulsarStagedUpload[] = [];

  const { configTexts, referenced } = await renameFixed(job, config, rewriter);

  const send = uploader(client, config.jobId, uploads, options);

  // 1. Tool files, sub-directories kept.
  if (job.tool) {
    const tool = job.tool;
    rewriter.addDirectory(tool.directory, dirs.tools);
    await send(tool.files.map((name) => ({ local: `${tool.directory}/${name}`, name, type: 'tool' })));
  }

  // 2. Inputs the command line or a config file names, each under a name no other input has.
  const inputs: Planned[] = [];
  const seen = new Set<string>();
  const inputNames = new UploadNames();
  for (const input of job.inputs ?? []) {
    if (seen.has(input.path) || !rewriter.mentions(referenced, input.path)) continue;
    seen.add(input.path);
    const kind = input.kind ?? 'dataset';
    if (kind === 'extra_files') {
      const top = inputNames.claim(basename(input.path), dirname(input.path));
      rewriter.addDirectory(input.path, remoteJoin(dirs.inputs, top, sep));
      for (const rel of await listFiles(input.path)) inputs.push({ local: `${input.path}/${rel}`, name: `${top}/${rel}`, type: 'input' });
    } else {
      const name = inputNames.claim(kind === 'metadata' ? `metadata_${basename(input.path)}` : basename(input.path), dirname(input.path));
      rewriter.add(input.path, remoteJoin(dirs.inputs, name, sep));
      inputs.push({ local: input.path, name, type: 'input' });
    }
  }
  await send(inputs);

  // 3. Files already in the local working directory (top level only, as Pulsar keeps basenames there).
  if (job.workingDirectory) {
    const wd = job.workingDirectory;
    rewriter.addDirectory(wd, dirs.working);
    await send((await topLevelFiles(wd)).map((name) => ({ local: `${wd}/${name}`, name, type: 'workdir' })));
  }

  // 4. The local metadata directory, nested names kept.
  if (job.metadataDirectory) {
    const md = job.metadataDirectory;
    rewriter.addDirectory(md, dirs.metadata);
    const files = await listFiles(md).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
    await send(files.map((name) => ({ local: `${md}/${name}`, name, type: 'metadata' })));
  }

  // 5. Unstructured data: the tree `depth` levels above each path, under a hash of its base.
  await send(await plannedUnstructured(job, config, rewriter, seen));

  // 6. Rewrite, then 7. the config files with their rewritten text.
  const commandLine = rewriter.rewrite(job.commandLine);
  await send([...configTexts].map(([local, { name, text }]) => ({ local, name, type: 'config', text: rewriter.rewrite(text) })));
  return { commandLine, uploads, rewriter };
}

/** Renames known before any transfer: outputs, the version file, config files (read here). */
async function renameFixed(job: PulsarStagedJob, config: PulsarJobConfig, rewriter: PathRewriter): Promise<{ configTexts: Map<string, { name: string; text: string }>; referenced: string }> {
  const sep = config.separator;
  const dirs = config.directories;
  for (const output of job.outputs ?? []) {
    const name = basename(output);
    rewriter.add(output, remoteJoin(dirs.outputs, name, sep));
    rewriter.addDirectory(extrasDirOf(output), remoteJoin(dirs.outputs, basename(extrasDirOf(output)), sep));
  }
  if (job.versionFile) rewriter.add(job.versionFile, remoteJoin(dirs.outputs, 'COMMAND_VERSION', sep));
  // Config files keep only a base name on the server (no sub-directories): same-named ones get a prefix.
  const configTexts = new Map<string, { name: string; text: string }>();
  const configNames = new UploadNames('_');
  for (const file of new Set(job.configFiles ?? [])) {
    const name = configNames.claim(basename(file), dirname(file));
    configTexts.set(file, { name, text: await readFile(file, 'utf8') });
    rewriter.add(file, remoteJoin(dirs.configs, name, sep));
  }
  const referenced = [job.commandLine, ...[...configTexts.values()].map((c) => c.text)].join('\n');
  return { configTexts, referenced };
}

type StageInOptions = { signal?: AbortSignal; onUpload?: (upload: PulsarStagedUpload) => void; onProgress?: (progress: TransferProgress) => void };

/** Uploads a group of planned files through the pipeline, recording each upload in plan order. */
function uploader(client: PulsarClient, jobId: string, uploads: PulsarStagedUpload[], options: StageInOptions): (group: Planned[]) => Promise<void> {
  return async (group) => {
    const files = group.map((item) => ({
      name: item.name,
      type: item.type,
      source: () => (item.text !== undefined ? bytesSource(new TextEncoder().encode(item.text), item.name) : fileSource(item.local, item.name)),
    }));
    const sent = await sendFiles(client, jobId, files, {
      signal: options.signal,
      onProgress: options.onProgress,
      onSent: (result, k) => options.onUpload?.(recorded(group[k] as Planned, result)),
    });
    uploads.push(...group.map((item, k) => recorded(item, sent[k] as PulsarUploadResult)));
  };
}

function recorded(item: Planned, sent: PulsarUploadResult): PulsarStagedUpload {
  return { local: item.local, name: item.name, type: item.type, remote: sent.path, size: sent.size, sha256: sent.sha256 };
}

/** Unstructured data: a path alone (depth 0), or the tree `depth` levels above it, under a hash of its base. */
async function plannedUnstructured(job: PulsarStagedJob, config: PulsarJobConfig, rewriter: PathRewriter, seen: Set<string>): Promise<Planned[]> {
  const sep = config.separator;
  const dirs = config.directories;
  const unstructured: Planned[] = [];
  for (const entry of job.unstructured ?? []) {
    const depth = entry.depth ?? 0;
    if (depth === 0) {
      const name = `${unstructuredPrefix(dirname(entry.path))}/${basename(entry.path)}`;
      rewriter.add(entry.path, remoteJoin(dirs.unstructured, name, sep));
      unstructured.push({ local: entry.path, name, type: 'unstructured' });
      continue;
    }
    let base = entry.path;
    for (let i = 0; i < depth; i++) base = dirname(base);
    if (seen.has(base)) continue;
    seen.add(base);
    const prefix = unstructuredPrefix(base);
    rewriter.addDirectory(base, remoteJoin(dirs.unstructured, prefix, sep));
    for (const rel of await listFiles(base)) unstructured.push({ local: `${base}/${rel}`, name: `${prefix}/${rel}`, type: 'unstructured' });
  }
  return unstructured;
}

/**
 * Upload names within one server directory, each given once: two local files
 * with the same base name (`data/a`, `other dir/a`) would overwrite each
 * other there. A name already given (as a file, or as the top directory of
 * one) is placed under a hash of its local directory instead, which keeps its
 * base name: `<hash>/a` (or `<hash>_a` where the server keeps base names only).
 */
class UploadNames {
  readonly #taken = new Set<string>();

  /** @param joiner `/` to place a repeated name in a directory of its own; another string to prefix it. */
  constructor(readonly joiner = '/') {}

  /** A name for `wanted` (a file, or a directory's top) from local directory `from`, distinct from every name given before. */
  claim(wanted: string, from: string): string {
    let name = wanted;
    for (let n = 1; this.#taken.has(name); n++) {
      const prefix = unstructuredPrefix(n === 1 ? from : `${from}\n${n}`).slice(0, 16);
      name = `${prefix}${this.joiner}${wanted}`;
    }
    this.#taken.add(name);
    // A name below a directory also blocks a file of the directory's name, and the other way round.
    if (this.joiner === '/') this.#taken.add(name.split('/')[0] as string);
    return name;
  }
}

/** `/x/dataset_1.dat` → `/x/dataset_1_files`: where Galaxy keeps a dataset's extra files. */
export function extrasDirOf(output: string): string {
  return `${output.replace(/\.dat$/, '')}_files`;
}
