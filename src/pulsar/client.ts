/**
 * `PulsarClient`: Pulsar's REST job-staging routes as typed methods
 * (spec/pulsar.openapi.yaml). Portable: no Node modules.
 *
 * Retrying, route by route (HttpClient retries 408/425/429/5xx and connection
 * errors only for requests marked idempotent; any request whose connection was
 * refused is retried, as nothing reached the server):
 *
 * - `status`, `healthz`, `files/path`, `download`: reads; safe to repeat.
 * - `cancel` (PUT): killing an already cancelled or finished job is a no-op
 *   that answers `OK`; safe to repeat.
 * - `clean` (DELETE): `rm -rf` of a directory that may already be gone
 *   answers `OK`; safe to repeat.
 * - `setup` (POST /jobs): creates the job directory or reuses an existing one,
 *   so a replay returns the same config. Marked idempotent. (With the server's
 *   `assign_ids: uuid` a replay makes a second, unused directory: harmless.)
 * - `upload` (POST /jobs/{id}/files): writes the body to the same path,
 *   replacing the file, so a replay leaves the same bytes. Marked idempotent;
 *   the body is a factory so each attempt sends it whole.
 * - `submit` (POST /jobs/{id}/submit): NOT marked idempotent. Its 500s are
 *   deterministic (bad JSON parameters), so repeating them is pointless, and a
 *   lost answer is ambiguous. It is retried only when the connection was refused.
 *   (Should it be repeated anyway, pulsar-app 0.16.0 skips a submit for a job
 *   that is already active or terminal and answers `OK`: checked on the real
 *   server, the second command never ran.)
 * @module
 */
import { AbortError, ConnectionError, HttpError, ProtocolError, TimeoutError, TransferError, ValidationError } from '../errors.js';
import { HttpClient, parseJson, readCapped, type FetchLike, type HttpEventListener, type JsonRequestOptions, type RetryOptions } from '../http/index.js';
import { excerptOf } from '../redact.js';
import type { TransferProgress } from '../transfer/progress.js';
import type { HostLimiter } from '../transfer/host-limit.js';
import { streamSink, uploadSink } from '../transfer/sinks.js';
import { transfer, type ExpectedContent, type TransferResult } from '../transfer/transfer.js';
import type { TransferSink, TransferSource } from '../transfer/types.js';
import { urlSource } from '../transfer/url-source.js';
import { anySignal, sleep } from '../util/abort.js';
import { uploadSource, type PulsarUploadBody } from './body.js';
import { consumerSink } from './consumer-sink.js';
import {
  parsePulsarJobConfig,
  parsePulsarPath,
  parsePulsarStatus,
  type PulsarJobConfig,
  type PulsarJobStatus,
  type PulsarListings,
} from './status.js';
import {
  PULSAR_DOWNLOAD_TYPES,
  PULSAR_UPLOAD_TYPES,
  type PulsarDependenciesDescription,
  type PulsarDownloadType,
  type PulsarDynamicFileSource,
  type PulsarEnvEntry,
  type PulsarRemoteStaging,
  type PulsarSetupParams,
  type PulsarSubmitExtras,
  type PulsarUploadType,
} from './wire.js';

/** Options of a {@link PulsarClient}. */
export interface PulsarClientOptions {
  /**
   * The server's URL, e.g. `https://pulsar.example.org:8913/`. A token in the
   * user-info part (`https://TOKEN@host/`, as Galaxy writes it) is taken as `token`.
   */
  url: string | URL;
  /** The server's `private_token`. Sent in the query string (Pulsar has no header form) and redacted everywhere. */
  token?: string;
  /** A named manager: routes go below `/managers/{manager}/`. @default the server's `_default_` manager */
  manager?: string;
  /** Most requests in flight at once (Pulsar serves 4 threads). @default 3 */
  maxConcurrency?: number;
  /** Time limit of one attempt of a small request, in milliseconds. @default 30000 */
  timeout?: number;
  /** Time limit of a small request across its retries, in milliseconds. @default 300000 */
  totalTimeout?: number;
  /** Time limit of one upload or download, in milliseconds. @default Infinity */
  transferTimeout?: number;
  /** An upload or download attempt that moves no byte for this long is abandoned and retried, in milliseconds. @default 60000 */
  idleTimeout?: number;
  /**
   * Per-host cap on uploads and downloads in flight, shared by every client
   * given the same limiter; `false` for none. @default the library's shared limiter (3 per host)
   */
  transferLimiter?: HostLimiter | false;
  /**
   * Retry policy of every request; uploads and downloads merge it over
   * `TRANSFER_RETRY` (an attempt that made progress does not use up a retry). @default 4 retries with backoff
   */
  retry?: RetryOptions | number | false;
  /** A fetch to use instead of the global one. */
  fetch?: FetchLike;
  /** Receives the HTTP layer's events (URLs redacted). */
  onEvent?: HttpEventListener;
}

/** What {@link PulsarClient.submit} launches. */
export interface PulsarSubmitOptions {
  /** The shell command, with local paths already rewritten to server paths. It runs in the job's `working/`. */
  commandLine: string;
  /** Batch-system parameters (`params`), e.g. `{ native_specification: '-q batch' }`. */
  params?: Record<string, unknown>;
  /** Environment statements of the job script. */
  env?: PulsarEnvEntry[];
  /** Tool requirements the server may resolve. */
  dependenciesDescription?: PulsarDependenciesDescription | null;
  /** Server-side staging; omit for client-driven staging. */
  remoteStaging?: PulsarRemoteStaging;
  /** Setup during submit, for a job that was not set up first. */
  setupParams?: PulsarSetupParams;
  /** Extra launch-config keys. */
  submitExtras?: PulsarSubmitExtras;
  /** Output basenames the server creates empty in `outputs/` before launch (merged into `submit_extras`). */
  touchOutputs?: string[];
  /** Working-directory files (e.g. `galaxy.json`) whose text the final status echoes back. */
  dynamicFileSources?: PulsarDynamicFileSource[] | null;
  /** Aborts the submit request (rejects with AbortError; a launch the server already received is not undone). */
  signal?: AbortSignal;
}

/** Per-call options. */
export interface PulsarCallOptions {
  /** Aborts the call; it then rejects with AbortError. */
  signal?: AbortSignal;
}

/** Options of one upload or download. */
export interface PulsarTransferOptions extends PulsarCallOptions {
  /** Throttled progress of this file, with one final report (`done: true`). */
  onProgress?: (progress: TransferProgress) => void;
}

/** Options of {@link PulsarClient.downloadTo}. */
export interface PulsarDownloadOptions extends PulsarTransferOptions {
  /** What the bytes must be (e.g. from the job's output manifest): a mismatch fetches the file again. */
  expected?: ExpectedContent;
  /**
   * Fetch a name the job's final status does not list, or not yet: a file a
   * job still running wrote. Pulsar answers 500 for a name it does not have.
   * @default false
   */
  unlisted?: boolean;
  /** Retry policy of this download, instead of the client's (`false`: one attempt). */
  retry?: RetryOptions | number | false;
}

/** What {@link PulsarClient.uploadFrom} did. */
export interface PulsarUploadResult extends TransferResult {
  /** Where the server wrote the file. */
  path: string;
}

const LISTED_BY: Record<PulsarDownloadType, keyof PulsarListings> = {
  output: 'outputs',
  output_workdir: 'working',
  output_metadata: 'metadata',
};
const KEEP_LISTINGS = 500;
/** Times a JSON answer that comes cut short is asked for, in all. */
const CUT_SHORT_TRIES = 4;
/** Longest string of a status kept whole (the job's stdout and stderr keep their tail), in bytes. */
const STATUS_TAIL_BYTES = 64 * 1024;
/** Largest answer to an upload read (a path in JSON), in bytes. */
const UPLOAD_ANSWER_BYTES = 1024 * 1024;

/**
 * A client of one Pulsar server's REST API.
 *
 * @example
 * ```ts
 * const pulsar = new PulsarClient({ url: 'http://127.0.0.1:8913/', token: process.env.PULSAR_TOKEN });
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
  readonly #transferDefaults: { idleTimeout?: number; limiter?: HostLimiter | false; retry?: RetryOptions | number | false };
  /** The last full-status listings of each job, for download checks. */
  readonly #listings = new Map<string, PulsarListings>();

  constructor(options: PulsarClientOptions) {
    const url = new URL(String(options.url));
    let token = options.token;
    if (url.username && !url.password) {
      token ??= decodeURIComponent(url.username);
      url.username = '';
    }
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    if (options.manager !== undefined) {
      checkSegment(options.manager, 'manager', 'client options');
      url.pathname += `managers/${encodeURIComponent(options.manager)}/`;
    }
    this.#transferTimeout = options.transferTimeout ?? Number.POSITIVE_INFINITY;
    this.#transferDefaults = {
      ...(options.idleTimeout !== undefined && { idleTimeout: options.idleTimeout }),
      ...(options.transferLimiter !== undefined && { limiter: options.transferLimiter }),
      ...(options.retry !== undefined && { retry: options.retry }),
    };
    this.http = new HttpClient({
      baseUrl: url,
      auth: token === undefined ? { type: 'none' } : { type: 'query', name: 'private_token', value: token },
      maxConcurrency: options.maxConcurrency ?? 3,
      ...(options.timeout !== undefined && { timeout: options.timeout }),
      ...(options.totalTimeout !== undefined && { totalTimeout: options.totalTimeout }),
      ...(options.retry !== undefined && { retry: options.retry }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
      ...(options.onEvent !== undefined && { onEvent: options.onEvent }),
    });
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
    const body = await this.#json({ path: 'healthz', ...signal(options) });
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
      ...signal(options),
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
    const where = 'POST /jobs/{job_id}/files';
    let path: string | undefined;
    const sink = uploadSink(this.http, {
      method: 'POST',
      path: `jobs/${encodeURIComponent(jobId)}/files`,
      query: { name, type },
      name,
      // The answer comes once the server wrote the whole body; only then is the path known.
      onResponse: async (response) => {
        // The file is written before the answer is sent, so sending it again is safe: an answer
        // cut short is a broken connection, retried like one.
        const text = new TextDecoder().decode(await readCapped(response.body, UPLOAD_ANSWER_BYTES, where));
        try {
          path = parsePulsarPath(parseJson<unknown>(text, where, this.http.secrets), where);
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          throw new ConnectionError({ method: 'POST', url: where, mayHaveBeenSent: true, reason: `unreadable answer: ${error.message}` }, { cause: error });
        }
      },
    });
    const result = await this.#transfer(source, sink, 'up', name, options);
    if (path === undefined) throw new ProtocolError({ where, problem: 'the upload was answered without a path' });
    return { ...result, path };
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
      ...signal(options),
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
    if (typeof options.commandLine !== 'string' || options.commandLine.trim() === '') {
      throw new ValidationError('submit', [{ path: '$.commandLine', message: 'must be a non-empty command' }]);
    }
    const extras: PulsarSubmitExtras | undefined =
      options.touchOutputs !== undefined
        ? { ...options.submitExtras, touch_outputs: [...(options.submitExtras?.touch_outputs ?? []), ...options.touchOutputs] }
        : options.submitExtras;
    await this.#ok({
      method: 'POST',
      path: `jobs/${encodeURIComponent(jobId)}/submit`,
      query: {
        command_line: options.commandLine,
        params: jsonParam(options.params),
        dependencies_description: jsonParam(options.dependenciesDescription),
        env: jsonParam(options.env),
        remote_staging: jsonParam(options.remoteStaging),
        setup_params: jsonParam(options.setupParams),
        submit_extras: jsonParam(extras),
        dynamic_file_sources: jsonParam(options.dynamicFileSources),
      },
      // Not idempotent: see the module comment.
      idempotent: false,
      ...signal(options),
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
      ...(options.retry !== undefined && { retry: options.retry }),
      ...(options.totalTimeout !== undefined && Number.isFinite(options.totalTimeout) && { totalTimeout: options.totalTimeout }),
      ...signal(options),
    });
    const status = parsePulsarStatus(body, 'GET /jobs/{job_id}/status');
    if (status.listings) this.#remember(jobId, status.listings);
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
  async wait(
    jobId: string,
    options: PulsarCallOptions & { interval?: number; timeout?: number; onStatus?: (status: PulsarJobStatus) => void } = {},
  ): Promise<PulsarJobStatus> {
    const interval = Math.max(50, options.interval ?? 1000);
    const limit = options.timeout ?? Number.POSITIVE_INFINITY;
    const ends = Date.now() + limit;
    for (;;) {
      // Rides over outages: connection errors and 5xx of this read are retried
      // (backoff capped near the interval) until the wait's own time is up.
      const remaining = ends - Date.now();
      const status = await this.status(jobId, {
        ...signal(options),
        retry: { retries: Number.MAX_SAFE_INTEGER, unreachableRetries: Number.MAX_SAFE_INTEGER, maxDelay: Math.max(interval, 2000), maxRetryTime: remaining },
        totalTimeout: remaining,
      });
      options.onStatus?.(status);
      if (status.terminal) return status;
      if (Date.now() + interval > ends) {
        throw new TimeoutError({ scope: 'wait', timeoutMs: limit, what: `waiting for Pulsar job ${jobId} (last status ${status.status})` });
      }
      await sleep(interval, options.signal, `waiting for Pulsar job ${jobId}`);
    }
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
    if (options.unlisted !== true) await this.#checkListed(jobId, name, type, options);
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
    const limit = this.#transferTimeout;
    const deadline = Number.isFinite(limit) ? AbortSignal.timeout(limit) : undefined;
    const signal = deadline ? (anySignal([options.signal, deadline]) as AbortSignal) : options.signal;
    try {
      return await transfer({
        from: source,
        to: sink,
        direction,
        ...this.#transferDefaults,
        ...(options.retry !== undefined && { retry: options.retry }),
        ...(signal && { signal }),
        ...(options.expected && { expected: options.expected }),
        ...(options.onProgress && { onProgress: options.onProgress }),
      });
    } catch (error) {
      if (error instanceof AbortError && deadline?.aborted && !options.signal?.aborted) {
        throw new TimeoutError({ scope: 'transfer', timeoutMs: limit, what: `${direction === 'up' ? 'upload' : 'download'} of ${name}` }, { cause: error });
      }
      // A permanent answer (a wrong token, a refused name) says more than the transfer that met it.
      if (error instanceof TransferError && error.cause instanceof HttpError && isPermanent(error.cause.status)) throw error.cause;
      throw error;
    }
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
    await this.#ok({ method: 'PUT', path: `jobs/${encodeURIComponent(jobId)}/cancel`, ...signal(options) }, 'PUT /jobs/{job_id}/cancel');
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
    await this.#ok({ method: 'DELETE', path: `jobs/${encodeURIComponent(jobId)}`, ...signal(options) }, 'DELETE /jobs/{job_id}');
    this.#listings.delete(jobId);
  }

  /**
   * A JSON answer (setup, status, file path, healthz: all safe to ask again).
   * One cut short on its way is asked for again; if it keeps coming cut short,
   * that is a broken connection, not a bad answer.
   */
  async #json(request: JsonRequestOptions<unknown>): Promise<unknown> {
    for (let tries = 1; ; tries++) {
      try {
        return await this.http.json<unknown>(request);
      } catch (error) {
        if (!cutShort(error) || request.signal?.aborted) throw error;
        if (tries >= CUT_SHORT_TRIES) {
          const method = (request.method ?? 'GET').toUpperCase();
          throw new ConnectionError({ method, url: error.where, mayHaveBeenSent: true, reason: `the answer was cut short ${tries} times` }, { cause: error });
        }
      }
    }
  }

  async #ok(request: Parameters<HttpClient['text']>[0], where: string): Promise<void> {
    const text = (await this.http.text(request)).trim();
    if (text !== 'OK') {
      throw new ProtocolError({ where, problem: 'expected the answer OK', excerpt: excerptOf(text, this.http.secrets, 120) });
    }
  }

  async #checkListed(jobId: string, name: string, type: PulsarDownloadType, options: PulsarCallOptions): Promise<void> {
    let listings = this.#listings.get(jobId);
    if (!listings?.[LISTED_BY[type]].includes(name)) {
      const status = await this.status(jobId, options);
      if (!status.listings) {
        throw new ValidationError(`download of ${name}`, [
          { path: '$.jobId', message: `job ${jobId} is ${status.status}: outputs can be downloaded once it is finished` },
        ]);
      }
      listings = status.listings;
    }
    const listing = LISTED_BY[type];
    if (!listings[listing].includes(name)) {
      throw new ValidationError(`download of ${name}`, [
        { path: '$.name', message: `not among the ${listing} files the final status of job ${jobId} lists (type ${type})` },
      ]);
    }
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
    this.#remember(jobId, listings);
  }

  #remember(jobId: string, listings: PulsarListings): void {
    this.#listings.delete(jobId);
    this.#listings.set(jobId, listings);
    if (this.#listings.size > KEEP_LISTINGS) {
      const oldest = this.#listings.keys().next().value;
      if (oldest !== undefined) this.#listings.delete(oldest);
    }
  }
}

/**
 * A JSON answer that breaks off: Pulsar answers with objects, so one that
 * ends inside a string or does not close (or is empty) was cut short on its way.
 */
function cutShort(error: unknown): error is ProtocolError {
  if (!(error instanceof ProtocolError)) return false;
  if (error.message.includes('the answer ends inside a string')) return true;
  const excerpt = (error.excerpt ?? '').trimStart();
  return error.message.includes('the answer is not valid JSON') && (excerpt === '' || excerpt.startsWith('{'));
}

/** A 4xx other than 408, 425 and 429: asking again cannot help. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && ![408, 425, 429].includes(status);
}

function signal(options: PulsarCallOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/** JSON-encodes a JSON-valued query parameter; `undefined` leaves it out (the server default applies). */
function jsonParam(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/** Job ids and manager names are path segments: the server refuses `/` with an unhelpful 500. */
function checkSegment(value: string, path: string, what: string): void {
  if (typeof value !== 'string' || value === '' || value.includes('/') || value === '.' || value === '..') {
    throw new ValidationError(what, [{ path: `$.${path}`, message: `must be a non-empty name without "/" (got ${JSON.stringify(value)})` }]);
  }
}

function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || name === '' || name.split(/[\\/]/).includes('..') || name.startsWith('/')) {
    throw new ValidationError(what, [{ path: '$.name', message: `must be a relative name inside the job directory (got ${JSON.stringify(name)})` }]);
  }
}

function badType(type: string, allowed: readonly string[], what: string): ValidationError {
  return new ValidationError(what, [{ path: '$.type', message: `unknown path type ${JSON.stringify(type)}; one of ${allowed.join(', ')}` }]);
}
