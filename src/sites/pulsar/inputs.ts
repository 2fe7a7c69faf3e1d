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
import type { PulsarClient, PulsarUploadResult } from '../../pulsar/client.js';
import { uploadSource } from '../../pulsar/body.js';
import { sendFiles, type OutgoingFile } from '../../pulsar/pipeline.js';
import { bytesSource } from '../../transfer/sources.js';
import type { TransferSource } from '../../transfer/types.js';
import { urlSourceFor } from '../../transfer/url-source.js';
import { throwIfAborted } from '../../util/abort.js';
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

/**
 * Uploads every input of `spec` through the pipeline (`sendFiles`): each
 * whole input, or each file of a DIRECTORY input, under a flat name of its
 * own. Returns the server path each container path was written to. Progress
 * reports name the container path.
 */
export async function uploadInputs(site: InputStaging, jobId: string, spec: JobSpec, options: SubmitOptions): Promise<Map<string, string>> {
  const planned: Array<OutgoingFile & { containerPath: string }> = [];
  for (const [i, input] of (spec.inputs ?? []).entries()) {
    throwIfAborted(options.signal, `staging inputs for Pulsar site ${site.siteId}`);
    if (input.type === 'DIRECTORY') planned.push(...(await directoryFiles(site, inputName(i), input)));
    else planned.push({ name: inputName(i), type: 'input', containerPath: input.path, source: () => inputSource(site, input) });
  }
  const sent = await sendFiles(site.client, jobId, planned, { signal: options.signal, onProgress: options.onTransfer });
  return new Map(planned.map((item, k) => [item.containerPath, (sent[k] as PulsarUploadResult).path]));
}

/**
 * The files of a local DIRECTORY input, each uploaded under a flat name
 * (`<name>-<k>`) and moved to its container path by the command line.
 */
async function directoryFiles(site: InputStaging, name: string, input: JobInput): Promise<Array<OutgoingFile & { containerPath: string }>> {
  const files = site.files as LocalFiles & { list: NonNullable<LocalFiles['list']> };
  const root = files.resolve(input.url as string);
  const listed = await files.list(root);
  if (listed === undefined) throw new ValidationError(`job spec for Pulsar site ${site.siteId}`, [{ path: `$.inputs[path=${input.path}].url`, message: `${root} is not a directory` }]);
  const base = input.path.replace(/\/+$/, '');
  return listed.map((relative, k) => {
    const containerPath = `${base}/${relative}`;
    return { name: `${name}-${k}`, type: 'input', containerPath, source: () => localSource(files, `${root}/${relative}`, containerPath) };
  });
}

/** Where an input's bytes come from: its inline content, its http(s) URL (relayed), or its local file. */
function inputSource(site: InputStaging, input: JobInput): TransferSource | Promise<TransferSource> {
  if (typeof input.content === 'string') return bytesSource(new TextEncoder().encode(input.content), input.path);
  const url = input.url as string;
  if (!localRef(url)) return urlSourceFor(url, { name: input.path, ...(site.inputHttp ? { http: site.inputHttp } : {}) });
  const files = site.files as LocalFiles;
  return localSource(files, files.resolve(url), input.path);
}

/** A local file as a source named by its container path (read again from its start when an upload is retried). */
async function localSource(files: LocalFiles, path: string, containerPath: string): Promise<TransferSource> {
  return uploadSource(() => files.stream(path), await files.size(path), containerPath);
}
