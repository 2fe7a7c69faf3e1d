/**
 * `PulsarClient`: Pulsar's REST job-staging routes as typed methods
 * (spec/pulsar.openapi.yaml). Portable: no Node modules.
 *
 * Which routes are retried, and why: see `requests.ts`.
 * @module
 */
import { ProtocolError } from '../errors.js';
import { type HttpClient, type JsonRequestOptions, type RetryOptions } from '../http/index.js';
import { streamSink } from '../transfer/sinks.js';
import type { TransferResult } from '../transfer/transfer.js';
import type { TransferSink, TransferSource } from '../transfer/types.js';
import { urlSource } from '../transfer/url-source.js';
import { excerptOf } from '../redact.js';
import { uploadSource, type PulsarUploadBody } from './body.js';
import {
  pulsarHttpClient,
  transferDefaultsOf,
  type PulsarCallOptions,
  type PulsarClientOptions,
  type PulsarDownloadOptions,
  type PulsarSubmitOptions,
  type PulsarTransferDefaults,
  type PulsarTransferOptions,
  type PulsarUploadResult,
} from './client-options.js';
import { pulsarTransfer, uploadTo, waitForPulsarJob, type PulsarWaitOptions } from './client-transfer.js';
import { consumerSink } from './consumer-sink.js';
import { ListingBook } from './listings.js';
import { badType, checkName, checkSegment, pulsarJson, pulsarOk, submitQuery } from './requests.js';
import { callRequest } from '../http/options.js';
import { parsePulsarJobConfig, parsePulsarPath, parsePulsarStatus, type PulsarJobConfig, type PulsarJobStatus, type PulsarListings } from './status.js';
import { PULSAR_DOWNLOAD_TYPES, PULSAR_UPLOAD_TYPES, type PulsarDownloadType, type PulsarUploadType } from './wire.js';

export type { PulsarWaitOptions } from './client-transfer.js';
export type { PulsarCallOptions, PulsarClientOptions, PulsarDownloadOptions, PulsarSubmitOptions, PulsarTransferOptions, PulsarUploadResult } from './client-options.js';

/** Longest string of a status kept whole (the job's stdout and stderr keep their tail), in bytes. */
const STATUS_TAIL_BYTES = 64 * 1024;

/**
 * A client of one Pulsar server's REST API.
 *
 * @example
 * ```ts
 * const pulsar = new PulsarClient({ baseUrl: 'http://127.0.0.1:8913/', auth: { type: 'query', name: 'private_token', value: process.env.PULSAR_TOKEN! } });
 * const job = await pulsar.setup('job-1');
 * await pulsar.upload(jobId, 'in.txt', 'input', 'hello\n');
 * const input = `${job.directories.inputs}${job.separator}in.txt`;
 * await pulsar.submit(jobId, { commandLine: `wc -c ${input} > ../outputs/count.txt` });
 * const done = await pulsar.wait(jobId);
 * const count = await new Response(await pulsar.download(jobId, 'count.txt')).text();
 * await pulsar.clean(jobId);
 * ```
 */
export class PulsarClient {
  /** The HTTP layer (auth, retries, concurrency cap, redaction). */
  readonly http: HttpClient;
  readonly #transferTimeout: number;
  readonly #transferDefaults: PulsarTransferDefaults;
  /** The last full-status listings of each job, for download checks. */
  readonly #listings = new ListingBook();

  constructor(options: PulsarClientOptions) {
    this.http = pulsarHttpClient(options);
    this.#transferTimeout = options.transferTimeout ?? Number.POSITIVE_INFINITY;
    this.#transferDefaults = transferDefaultsOf(options);
  }

  /**
   * Checks the server answers and returns its version (`GET /healthz`).
   *
   * @example
   * ```ts
   * const { version } = await pulsar.healthz();
   * ```
   */
  async healthz(options: PulsarCallOptions = {}): Promise<{
    /** The server's version string, e.g. `0.15.15`. */
    version: string;
  }> {
    const body = await this.#json({ path: 'healthz', ...callRequest(options) });
    const version = body && typeof body === 'object' ? (body as { version?: unknown }).version : undefined;
    if (typeof version !== 'string') {
      throw new ProtocolError({ where: 'GET /healthz', problem: 'no version string in the answer', excerpt: excerptOf(body, this.http.secrets, 120) });
    }
    return { version };
  }

  /**
   * Sets up a job directory (`POST /jobs`). Use the returned `jobId` from then
   * on (the server may assign another) and join server paths with `separator`.
   *
   * @example
   * ```ts
   * const job = await pulsar.setup('galaxy-42', { toolId: 'cat1', toolVersion: '1.0' });
   * console.log(jobId, job.directories.working, job.separator);
   * ```
   */
  async setup(jobId: string, options: { toolId?: string; toolVersion?: string } & PulsarCallOptions = {}): Promise<PulsarJobConfig> {
    checkSegment(jobId, 'jobId', 'setup');
    const where = 'POST /jobs';
    const body = await this.#json({
      method: 'POST',
      path: 'jobs',
      query: { job_id: jobId, tool_id: options.toolId, tool_version: options.toolVersion },
      // Creates the directory or reuses it: repeating returns the same config.
      idempotent: true,
      ...callRequest(options),
    });
    return parsePulsarJobConfig(body, where);
  }

  /**
   * Uploads one file into the job directory (`POST /jobs/{id}/files`), as a raw
   * body with `Content-Length`, and returns the server path it was written to.
   * A stream factory is called once per attempt and needs `size`. The bytes go
   * through the transfer engine: see {@link PulsarClient.uploadFrom}.
   *
   * @example
   * ```ts
   * import { createReadStream } from 'node:fs';
   * import { Readable } from 'node:stream';
   * const path = await pulsar.upload(jobId, 'reads.fq', 'input', () => Readable.toWeb(createReadStream('/data/reads.fq')) as ReadableStream<Uint8Array>, 1_048_576);
   * await pulsar.upload(jobId, 'subdir/helper.R', 'tool', 'print(1)\n');
   * ```
   */
  async upload(
    jobId: string,
    name: string,
    type: PulsarUploadType,
    body: PulsarUploadBody,
    size?: number,
    options: PulsarTransferOptions = {},
  ): Promise<string> {
    checkSegment(jobId, 'jobId', 'upload');
    checkName(name, 'upload');
    if (!PULSAR_UPLOAD_TYPES.includes(type)) throw badType(type, PULSAR_UPLOAD_TYPES, 'upload');
    return (await this.uploadFrom(jobId, name, type, uploadSource(body, size, name), options)).path;
  }

  /**
   * Uploads one file from a transfer source (`fileSource`, `blobSource`, …)
   * and returns the server path with the size and sha256 of the bytes sent.
   *
   * Pulsar has no resume: every retry sends the file again from its first
   * byte, with `Content-Length`, and the server replaces what an earlier
   * attempt wrote. A file whose upload finally failed or was aborted may lie
   * half-written on the server under its name: do not submit the job. Pulsar
   * has no route that removes one file (and a second upload under the name
   * could race the server still writing the first): {@link PulsarClient.clean}
   * removes it with the job, as staging and `PulsarRestSite` do. A permanent
   * HTTP error (a wrong token) is thrown as it is; other failures as
   * `TransferError`; an abort as `AbortError`.
   *
   * @example
   * ```ts
   * import { fileSource } from 'pulsar-network/node';
   * const sent = await pulsar.uploadFrom(jobId, 'reads.fq', 'input', await fileSource('/data/reads.fq'), {
   *   onProgress: (p) => console.log(p.file, p.bytesDone, p.bytesTotal),
   * });
   * console.log(sent.path, sent.sha256);
   * ```
   */
  async uploadFrom(jobId: string, name: string, type: PulsarUploadType, source: TransferSource, options: PulsarTransferOptions = {}): Promise<PulsarUploadResult> {
    checkSegment(jobId, 'jobId', 'upload');
    checkName(name, 'upload');
    if (!PULSAR_UPLOAD_TYPES.includes(type)) throw badType(type, PULSAR_UPLOAD_TYPES, 'upload');
    const upload = uploadTo(this.http, jobId, name, type);
    const result = await this.#transfer(source, upload.sink, 'up', name, options);
    return { ...result, path: upload.path() };
  }
  /**
   * The server path of a job file, without transferring it (`GET /jobs/{id}/files/path`).
   *
   * @example
   * ```ts
   * const path = await pulsar.filePath(jobId, 'in.txt', 'input');
   * ```
   */
  async filePath(jobId: string, name: string, type: PulsarUploadType | PulsarDownloadType, options: PulsarCallOptions = {}): Promise<string> {
    checkSegment(jobId, 'jobId', 'filePath');
    checkName(name, 'filePath');
    if (!PULSAR_UPLOAD_TYPES.includes(type)) throw badType(type, PULSAR_UPLOAD_TYPES, 'filePath');
    const answer = await this.#json({
      path: `jobs/${encodeURIComponent(jobId)}/files/path`,
      query: { name, type },
      ...callRequest(options),
    });
    return parsePulsarPath(answer, 'GET /jobs/{job_id}/files/path');
  }

  /**
   * Launches the job (`POST /jobs/{id}/submit`). `OK` does not mean it started:
   * a launch that fails shows up later as status `failed`.
   *
   * @example
   * ```ts
   * await pulsar.submit(jobId, {
   *   commandLine: 'python ../tool_files/script.py > ../outputs/out.txt',
   *   env: [{ name: 'LC_ALL', value: 'C' }],
   *   touchOutputs: ['out.txt'],
   * });
   * ```
   */
  async submit(jobId: string, options: PulsarSubmitOptions): Promise<void> {
    checkSegment(jobId, 'jobId', 'submit');
    await this.#ok({
      method: 'POST',
      path: `jobs/${encodeURIComponent(jobId)}/submit`,
      query: submitQuery(options),
      // Not idempotent: see requests.ts.
      idempotent: false,
      ...callRequest(options),
    }, 'POST /jobs/{job_id}/submit');
  }

  /**
   * The job's status (`GET /jobs/{id}/status`), short and full forms parsed
   * into one result. An unknown or cleaned job reports `lost`.
   *
   * @example
   * ```ts
   * const s = await pulsar.status(jobId);
   * if (s.terminal) console.log(s.status, s.returnCode, s.listings?.outputs);
   * ```
   */
  async status(
    jobId: string,
    options: PulsarCallOptions & { retry?: RetryOptions | number | false; totalTimeout?: number } = {},
  ): Promise<PulsarJobStatus> {
    checkSegment(jobId, 'jobId', 'status');
    const body = await this.#json({
      path: `jobs/${encodeURIComponent(jobId)}/status`,
      // a finished job's status carries its stdout and stderr: kept as tails, whatever their size
      keepTails: STATUS_TAIL_BYTES,
      ...callRequest(options),
      ...(options.retry !== undefined && { retry: options.retry }),
      ...(options.totalTimeout !== undefined && Number.isFinite(options.totalTimeout) && { totalTimeout: options.totalTimeout }),
    });
    const status = parsePulsarStatus(body, 'GET /jobs/{job_id}/status');
    if (status.listings) this.#listings.remember(jobId, status.listings);
    return status;
  }

  /**
   * Polls the status until the job is terminal and returns the final status.
   * Connection errors and 5xx during the wait are retried by the HTTP layer;
   * a poll that still fails is retried after the next interval until `timeout`.
   *
   * @example
   * ```ts
   * const final = await pulsar.wait(jobId, { interval: 1000, timeout: 600_000 });
   * ```
   */
  async wait(jobId: string, options: PulsarWaitOptions = {}): Promise<PulsarJobStatus> {
    return waitForPulsarJob((opts) => this.status(jobId, opts), jobId, options);
  }

  /**
   * Downloads one output file as a stream read to its end (`GET /jobs/{id}/files`).
   * Only names listed by the job's final status can be downloaded (the server
   * answers 500 for anything else); the status is fetched if needed. The
   * promise settles once the server answered; a failure after bytes were
   * handed out errors the stream. Prefer {@link PulsarClient.downloadTo}.
   *
   * @example
   * ```ts
   * const stream = await pulsar.download(jobId, 'out.txt');
   * const text = await new Response(stream).text();
   * const log = await pulsar.download(jobId, 'job_stderr', 'output_metadata');
   * ```
   */
  async download(jobId: string, name: string, type: PulsarDownloadType = 'output', options: PulsarTransferOptions = {}): Promise<ReadableStream<Uint8Array>> {
    const pipe = new TransformStream<Uint8Array, Uint8Array>();
    const sink = streamSink(pipe.writable, name);
    let started!: () => void;
    const answered = new Promise<void>((resolve) => (started = resolve));
    const done = this.downloadTo(jobId, name, type, { ...sink, open: (open) => (started(), sink.open(open)) }, options);
    // Once bytes flow, a failure reaches the reader through the stream.
    done.catch(() => undefined);
    await Promise.race([answered, done]);
    return pipe.readable;
  }

  /**
   * Downloads one output file into a transfer sink (`fileSink`, `streamSink`,
   * …), reading the body to its end, and returns its size and sha256. Only
   * names the job's final status lists are fetched. Pulsar sends no
   * `Content-Length` and has no ranges: give `expected` (from the job's output
   * manifest) so a body cut short is caught and fetched again; every retry
   * starts from the first byte. A file sink keeps the bytes under a
   * temporary name until they are verified.
   *
   * @example
   * ```ts
   * import { fileSink } from 'pulsar-network/node';
   * const got = await pulsar.downloadTo(jobId, 'out.bam', 'output', fileSink('/results/out.bam'), {
   *   expected: { size: 1_234_567, sha256: 'ab12…' },
   * });
   * ```
   */
  async downloadTo(jobId: string, name: string, type: PulsarDownloadType, sink: TransferSink, options: PulsarDownloadOptions = {}): Promise<TransferResult> {
    checkSegment(jobId, 'jobId', 'download');
    checkName(name, 'download');
    if (!PULSAR_DOWNLOAD_TYPES.includes(type)) throw badType(type, PULSAR_DOWNLOAD_TYPES, 'download');
    if (options.unlisted !== true) await this.#listings.check(jobId, name, type, () => this.status(jobId, options));
    const source = urlSource(this.http, { path: `jobs/${encodeURIComponent(jobId)}/files`, query: { name, type }, name, resume: false });
    return this.#transfer(source, sink, 'down', name, options);
  }

  /**
   * Downloads one output file and hands its stream to `consume` inside the
   * transfer attempt: when the stream breaks, the download starts again from
   * the first byte (Pulsar has no ranges) and `consume` is called anew. An
   * error `consume` throws is thrown as it is, without a retry.
   *
   * @example
   * ```ts
   * const bytes = await pulsar.downloadWith(jobId, 'out.txt', 'output', async (body) =>
   *   new Uint8Array(await new Response(body).arrayBuffer()),
   * );
   * ```
   */
  async downloadWith<T>(
    jobId: string,
    name: string,
    type: PulsarDownloadType,
    consume: (body: ReadableStream<Uint8Array>, signal: AbortSignal) => Promise<T>,
    options: PulsarDownloadOptions = {},
  ): Promise<T> {
    const sink = consumerSink(name, consume);
    try {
      await this.downloadTo(jobId, name, type, sink, options);
    } catch (error) {
      throw sink.consumerError() ?? error;
    }
    return sink.value();
  }

  /** One upload or download through the transfer engine, with this client's limits. */
  async #transfer(source: TransferSource, sink: TransferSink, direction: 'up' | 'down', name: string, options: PulsarDownloadOptions): Promise<TransferResult> {
    return pulsarTransfer({ timeout: this.#transferTimeout, defaults: this.#transferDefaults }, { from: source, to: sink, direction, name }, options);
  }

  /**
   * Cancels a queued or running job (`PUT /jobs/{id}/cancel`); its status
   * becomes `cancelled`. A finished or unknown job is left as it is.
   *
   * @example
   * ```ts
   * await pulsar.cancel(jobId);
   * ```
   */
  async cancel(jobId: string, options: PulsarCallOptions = {}): Promise<void> {
    checkSegment(jobId, 'jobId', 'cancel');
    await this.#ok({ method: 'PUT', path: `jobs/${encodeURIComponent(jobId)}/cancel`, ...callRequest(options) }, 'PUT /jobs/{job_id}/cancel');
  }

  /**
   * Removes the job directory on the server (`DELETE /jobs/{id}`); the job then reports `lost`.
   *
   * @example
   * ```ts
   * await pulsar.clean(jobId);
   * ```
   */
  async clean(jobId: string, options: PulsarCallOptions = {}): Promise<void> {
    checkSegment(jobId, 'jobId', 'clean');
    await this.#ok({ method: 'DELETE', path: `jobs/${encodeURIComponent(jobId)}`, ...callRequest(options) }, 'DELETE /jobs/{job_id}');
    this.#listings.forget(jobId);
  }

  #json(request: JsonRequestOptions<unknown>): Promise<unknown> {
    return pulsarJson(this.http, request);
  }

  #ok(request: Parameters<HttpClient['text']>[0], where: string): Promise<void> {
    return pulsarOk(this.http, request, where);
  }

  /**
   * Records the files a job has when its status cannot list them (a job whose
   * own completion marker says it ended while a restarted Pulsar still
   * reports it `running`): downloads of those names are then allowed, as if
   * the final status had listed them.
   *
   * @example
   * ```ts
   * pulsar.assumeListings(jobId, { working: ['out.txt'], outputs: [], metadata: [], job: [] });
   * const text = await new Response(await pulsar.download(jobId, 'out.txt', 'output_workdir')).text();
   * ```
   */
  assumeListings(jobId: string, listings: PulsarListings): void {
    checkSegment(jobId, 'jobId', 'assumeListings');
    this.#listings.remember(jobId, listings);
  }

}

