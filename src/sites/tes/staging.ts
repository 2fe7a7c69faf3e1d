/**
 * Turning a job spec into the task a TES server is sent: local input files
 * passed as `file://` URLs when the server reads them, inlined as `content`
 * when small, refused otherwise; local output destinations as `file://` URLs.
 * Portable: local files are reached only through an injected {@link LocalFiles}.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { JobInput, JobOutput, JobSpec, TesTask } from '../../contracts/job-spec.js';
import { throwIfAborted } from '../../util/abort.js';
import type { TransferProgress } from '../../transfer/progress.js';
import { absolutePath, fileUrlOf, localRef, type LocalFiles } from '../../contracts/local-files.js';

/** Why a relative path or a `file://` URL naming another host cannot be staged. */
const NEEDS_FILES = 'a relative path or a file:// URL naming another host needs local file access (pass `files: nodeLocalFiles()` from pulsar-network/node)';

/** What staging needs to know of the site and the caller. */
export interface TesStagingContext {
  /** The site's name, for error messages. */
  siteId: string;
  /** URL prefixes the server reads and writes (the site's own and its service-info `storage`). */
  storages: readonly string[];
  /** Local file access; without it only absolute paths and `file://` URLs are understood and nothing is inlined. */
  files?: LocalFiles;
  /** Largest local input inlined as `content`, in bytes. */
  inlineLimitBytes: number;
  /** Tags added to the task (the watch group). */
  tags: Record<string, string>;
  signal?: AbortSignal;
  onTransfer?: (progress: TransferProgress) => void;
}

/**
 * True when one of the server's storage prefixes covers `url` (`file:///`
 * covers every local file, `file:///data` covers `file:///data/x` but not
 * `file:///database`).
 *
 * @example
 * ```ts
 * storageCovers(['file:///'], 'file:///tmp/a.txt'); // true
 * storageCovers(['s3://bucket'], 'file:///tmp/a.txt'); // false
 * ```
 */
export function storageCovers(storages: readonly string[], url: string): boolean {
  return storages.some((prefix) => {
    if (/^file:(\/\/)?\/?$/i.test(prefix)) return /^file:/i.test(url);
    const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
    return url === prefix || url.startsWith(base);
  });
}

/**
 * The task to send for `spec`: every local input and output rewritten, the
 * tags added. Throws one {@link ValidationError} listing every input or
 * output the server could not reach; nothing is sent then.
 */
export async function tesTaskFor(spec: JobSpec, ctx: TesStagingContext): Promise<TesTask> {
  const issues: ValidationIssue[] = [];
  const inputs: JobInput[] = [];
  for (const [i, input] of (spec.inputs ?? []).entries()) {
    throwIfAborted(ctx.signal, `staging inputs for ${ctx.siteId}`);
    inputs.push(await stagedInput(input, `$.inputs[${i}]`, ctx, issues));
  }
  const outputs = (spec.outputs ?? []).map((output, i) => deliveredOutput(output, `$.outputs[${i}]`, ctx, issues));
  if (issues.length > 0) throw new ValidationError(`job spec for TES site ${ctx.siteId}`, issues);
  const task: TesTask = { ...spec, tags: { ...spec.tags, ...ctx.tags } };
  if (spec.inputs) task.inputs = inputs;
  if (spec.outputs) task.outputs = outputs;
  return task;
}

async function stagedInput(input: JobInput, at: string, ctx: TesStagingContext, issues: ValidationIssue[]): Promise<JobInput> {
  const ref = input.url ? localRef(input.url) : undefined;
  if (!ref || typeof input.url !== 'string') return input;
  const path = absolutePath(ref, ctx.files);
  if (path === undefined) {
    issues.push({ path: `${at}.url`, message: NEEDS_FILES });
    return input;
  }
  const url = fileUrlOf(path);
  if (storageCovers(ctx.storages, url)) return { ...input, url };
  const why = `the server reads none of it (its storage is ${storageList(ctx.storages)})`;
  if (!ctx.files) {
    issues.push({ path: `${at}.url`, message: notInlined(ctx.storages) });
    return input;
  }
  const size = await ctx.files.size(path);
  if (size === undefined) {
    issues.push({ path: `${at}.url`, message: `${path} is not a readable regular file (directories cannot be inlined)` });
    return input;
  }
  if (size === 0 || size > ctx.inlineLimitBytes) {
    issues.push({ path: `${at}.url`, message: `a local file ${why}; it is inlined only when 1 to ${ctx.inlineLimitBytes} bytes, and is ${size}` });
    return input;
  }
  const bytes = await ctx.files.read(path, ctx.signal);
  let content: string;
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    issues.push({ path: `${at}.url`, message: `a local file ${why}, and it is not UTF-8 text, so it cannot be inlined as content` });
    return input;
  }
  ctx.onTransfer?.({ direction: 'up', file: input.path, bytesDone: bytes.length, bytesTotal: bytes.length, done: true });
  const { url: _url, ...rest } = input;
  return { ...rest, content };
}

function deliveredOutput(output: JobOutput, at: string, ctx: TesStagingContext, issues: ValidationIssue[]): JobOutput {
  const ref = typeof output.url === 'string' ? localRef(output.url) : undefined;
  if (!ref) return output;
  const path = absolutePath(ref, ctx.files);
  if (path === undefined) {
    issues.push({ path: `${at}.url`, message: NEEDS_FILES });
    return output;
  }
  const url = fileUrlOf(path);
  if (!storageCovers(ctx.storages, url)) {
    issues.push({ path: `${at}.url`, message: `the server cannot write local files here (its storage is ${storageList(ctx.storages)}); give a URL it can write, or configure the site's storages` });
    return output;
  }
  return { ...output, url };
}

function storageList(storages: readonly string[]): string {
  return storages.length > 0 ? storages.join(', ') : 'empty';
}

function notInlined(storages: readonly string[]): string {
  return `a local file the server reads none of it (its storage is ${storageList(storages)}), and without local file access it cannot be inlined`;
}

/**
 * The problems {@link tesTaskFor} would find, without reading any file:
 * local paths it cannot resolve, and (when `storages` is known) local
 * outputs the server cannot write and local inputs it can neither read nor
 * receive inline. `storages` undefined: not known yet, only the certain
 * problems are listed.
 *
 * @example
 * ```ts
 * tesStagingIssues(spec, { siteId: 'tes', storages: ['s3://bucket/'] });
 * // [{ path: '$.outputs[0].url', message: 'the server cannot write local files here (its storage is s3://bucket/); ...' }]
 * ```
 */
export function tesStagingIssues(spec: JobSpec, ctx: { siteId: string; storages: readonly string[] | undefined; files?: LocalFiles }): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const known = ctx.storages;
  (spec.inputs ?? []).forEach((input, i) => {
    const ref = typeof input.url === 'string' ? localRef(input.url) : undefined;
    if (!ref) return;
    const path = absolutePath(ref, ctx.files);
    if (path === undefined) issues.push({ path: `$.inputs[${i}].url`, message: NEEDS_FILES });
    else if (known && !ctx.files && !storageCovers(known, fileUrlOf(path))) issues.push({ path: `$.inputs[${i}].url`, message: notInlined(known) });
  });
  (spec.outputs ?? []).forEach((output, i) => {
    const ref = typeof output.url === 'string' ? localRef(output.url) : undefined;
    if (known) deliveredOutput(output, `$.outputs[${i}]`, { ...ctx, storages: known, inlineLimitBytes: 0, tags: {} }, issues);
    else if (ref && absolutePath(ref, ctx.files) === undefined) issues.push({ path: `$.outputs[${i}].url`, message: NEEDS_FILES });
  });
  return issues;
}
