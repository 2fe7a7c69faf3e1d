/**
 * The inputs of a job on a Pulsar site: what the site can stage (checked
 * before anything is sent), and the uploads themselves, each input under a
 * flat name of its own (`inputName`), later moved to its container path by
 * the command line. Portable (local files through {@link LocalFiles}).
 * @module
 */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { HttpClientOptions } from '../../http/client.js';
import type { JobInput, JobSpec } from '../../contracts/job-spec.js';
import type { PulsarClient } from '../../pulsar/client.js';
import { urlSourceFor } from '../../transfer/url-source.js';
import { throwIfAborted } from '../../util/abort.js';
import { eachAtMost } from '../../util/pool.js';
import { absolutePath, localRef, type LocalFiles } from '../../contracts/local-files.js';
import type { LocalLocation } from '../../executor/validate.js';
import type { SubmitOptions } from '../site.js';
import { inputName } from './command.js';

/** What staging needs of the site. */
export interface InputStaging {
  /** The site's id, for messages. */
  siteId: string;
  /** The server. */
  client: PulsarClient;
  /** Local file access, when the site has it. */
  files?: LocalFiles;
  /** HTTP options of inputs at http(s) URLs. */
  inputHttp?: Omit<HttpClientOptions, 'baseUrl'>;
}

/** What this site cannot stage, beyond the checks every site makes. */
export function stagingIssues(spec: JobSpec, site: Pick<InputStaging, 'siteId' | 'files'>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const needFiles = 'needs local file access (pass `files: nodeLocalFiles()` from pulsar-network/node)';
  (spec.inputs ?? []).forEach((input, i) => {
    if (typeof input.content === 'string' || !input.url) return;
    if (input.type === 'DIRECTORY' && !localRef(input.url)) issues.push({ path: `$.inputs[${i}].url`, message: `Pulsar site ${site.siteId} uploads a DIRECTORY input file by file: it must be a local directory` });
    else if (localRef(input.url) && !site.files) issues.push({ path: `$.inputs[${i}].url`, message: `a local file ${needFiles}` });
    else if (input.type === 'DIRECTORY' && !site.files?.list) issues.push({ path: `$.inputs[${i}].type`, message: `a DIRECTORY input needs a LocalFiles with list() (nodeLocalFiles() has it)` });
  });
  if ((spec.outputs ?? []).length > 0 && !site.files) issues.push({ path: '$.outputs', message: `delivering outputs to local files ${needFiles}` });
  return issues;
}

/** The spec with local output destinations made absolute: a later collect may run in another working directory. */
export function absoluteOutputs(spec: JobSpec, files: LocalFiles | undefined): JobSpec {
  if (!spec.outputs) return spec;
  return {
    ...spec,
    outputs: spec.outputs.map((output) => {
      const ref = localRef(output.url);
      const path = ref ? absolutePath(ref, files) : undefined;
      return path === undefined ? output : { ...output, url: path };
    }),
  };
}

/** Where an input URL points, for the checks every site makes. */
export function locateInput(url: string, files: LocalFiles | undefined): LocalLocation | undefined {
  const ref = localRef(url);
  if (!ref) return /^https?:/i.test(url) ? { kind: 'http', url } : undefined;
  const path = absolutePath(ref, files);
  return { kind: 'file', path: path ?? url };
}

/** One upload of a job's inputs: a whole input, or one file of a DIRECTORY input. */
interface PlannedUpload {
  /** The upload's flat name. */
  name: string;
  /** Its container path. */
  containerPath: string;
  input: JobInput;
  /** For a file of a DIRECTORY input: its local path. */
  local?: string;
}

/**
 * Uploads every input of `spec`, as many at once as the client's
 * concurrency cap allows (a small file's upload is mostly waiting on round
 * trips): their container paths and the server paths they were written to.
 * The first failure stops the others and is thrown once they have settled.
 */
export async function uploadInputs(site: InputStaging, jobId: string, spec: JobSpec, options: SubmitOptions): Promise<Map<string, string>> {
  const planned: PlannedUpload[] = [];
  for (const [i, input] of (spec.inputs ?? []).entries()) {
    throwIfAborted(options.signal, `staging inputs for Pulsar site ${site.siteId}`);
    if (input.type === 'DIRECTORY') planned.push(...(await directoryFiles(site, inputName(i), input)));
    else planned.push({ name: inputName(i), containerPath: input.path, input });
  }
  const serverPaths: string[] = [];
  await eachAtMost(planned, transferConcurrency(site.client), options.signal, async (item, k, signal) => {
    const call = { ...options, signal };
    serverPaths[k] = item.local !== undefined ? await uploadFile(site, jobId, item.name, item.local, item.containerPath, call) : await uploadInput(site, jobId, item.name, item.input, call);
  });
  return new Map(planned.map((item, k) => [item.containerPath, serverPaths[k] as string]));
}

/** Transfers of one job at once: the client's cap (Pulsar serves a few threads), at most 8. */
export function transferConcurrency(client: PulsarClient): number {
  const cap = client.http.maxConcurrency;
  return Number.isFinite(cap) ? Math.max(1, Math.min(8, cap)) : 8;
}

/**
 * The files of a local DIRECTORY input, each uploaded under a flat name
 * (`<name>-<k>`) and moved to its container path by the command line.
 */
async function directoryFiles(site: InputStaging, name: string, input: JobInput): Promise<PlannedUpload[]> {
  const files = site.files as LocalFiles & { list: NonNullable<LocalFiles['list']> };
  const root = files.resolve(input.url as string);
  const listed = await files.list(root);
  if (listed === undefined) throw new ValidationError(`job spec for Pulsar site ${site.siteId}`, [{ path: `$.inputs[path=${input.path}].url`, message: `${root} is not a directory` }]);
  const base = input.path.replace(/\/+$/, '');
  return listed.map((relative, k) => ({ name: `${name}-${k}`, containerPath: `${base}/${relative}`, input, local: `${root}/${relative}` }));
}

/** Uploads one local file of a DIRECTORY input; its server path. */
async function uploadFile(site: InputStaging, jobId: string, name: string, path: string, file: string, options: SubmitOptions): Promise<string> {
  const files = site.files as LocalFiles;
  const size = (await files.size(path)) ?? 0;
  options.onTransfer?.({ direction: 'up', file, bytesDone: 0, bytesTotal: size, done: false });
  const serverPath = await site.client.upload(jobId, name, 'input', () => files.stream(path), size, signalOf(options));
  options.onTransfer?.({ direction: 'up', file, bytesDone: size, bytesTotal: size, done: true });
  return serverPath;
}

/** Uploads one input under a flat name; its server path. */
async function uploadInput(site: InputStaging, jobId: string, name: string, input: JobInput, options: SubmitOptions): Promise<string> {
  const report = (bytesDone: number, bytesTotal: number, done: boolean): void => options.onTransfer?.({ direction: 'up', file: input.path, bytesDone, bytesTotal, done });
  if (typeof input.content === 'string') {
    const size = new TextEncoder().encode(input.content).length;
    report(0, size, false);
    const path = await site.client.upload(jobId, name, 'input', input.content, undefined, signalOf(options));
    report(size, size, true);
    return path;
  }
  const url = input.url as string;
  if (!localRef(url)) {
    const source = urlSourceFor(url, { name: input.path, ...(site.inputHttp ? { http: site.inputHttp } : {}) });
    const sent = await site.client.uploadFrom(jobId, name, 'input', source, { ...signalOf(options), ...(options.onTransfer ? { onProgress: options.onTransfer } : {}) });
    return sent.path;
  }
  const files = site.files as LocalFiles;
  const path = files.resolve(url);
  const size = (await files.size(path)) as number;
  report(0, size, false);
  const serverPath = await site.client.upload(jobId, name, 'input', () => files.stream(path), size, signalOf(options));
  report(size, size, true);
  return serverPath;
}

function signalOf(options: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
