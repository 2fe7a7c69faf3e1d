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
import { ProtocolError, TimeoutError, ValidationError } from '../errors.js';
import { HttpClient, type FetchLike, type HttpEventListener, type RetryOptions } from '../http/index.js';
import { sleep } from '../util/abort.js';
import { prepareUploadBody, type PulsarUploadBody } from './body.js';
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
  /** Retry policy of every request. @default 4 retries with backoff */
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
  signal?: AbortSignal;
}

/** Per-call options. */
export interface PulsarCallOptions {
  signal?: AbortSignal;
}

const LISTED_BY: Record<PulsarDownloadType, keyof PulsarListings> = {
  output: 'outputs',
  output_workdir: 'working',
  output_metadata: 'metadata',
};
const KEEP_LISTINGS = 500;

/**
 * A client of one Pulsar server's REST API.
 *
 * @example
 * ```ts
 * const pulsar = new PulsarClient({ url: 'http://127.0.0.1:8913/', token: process.env.PULSAR_TOKEN });
 * const job = await pulsar.setup('job-1');
 * await pulsar.upload(job.jobId, 'in.txt', 'input', 'hello\n');
 * const input = `${job.directories.inputs}${job.separator}in.txt`;
 * await pulsar.submit(job.jobId, { commandLine: `wc -c ${input} > ../outputs/count.txt` });
 * const done = await pulsar.wait(job.jobId);
 * const count = await new Response(await pulsar.download(job.jobId, 'count.txt')).text();
 * await pulsar.clean(job.jobId);
 * ```
 */
export class PulsarClient {
  /** The HTTP layer (auth, retries, concurrency cap, redaction). */
  readonly http: HttpClient;
  readonly #transferTimeout: number;
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
  async healthz(options: PulsarCallOptions = {}): Promise<{ version: string }> {
    const body = await this.http.json<unknown>({ path: 'healthz', ...signal(options) });
    const version = body && typeof body === 'object' ? (body as { version?: unknown }).version : undefined;
    if (typeof version !== 'string') {
      throw new ProtocolError({ where: 'GET /healthz', problem: 'no version string in the answer', excerpt: this.http.scrub(JSON.stringify(body) ?? '').slice(0, 120) });
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
   * console.log(job.jobId, job.directories.working, job.separator);
   * ```
   */
  async setup(jobId: string, options: { toolId?: string; toolVersion?: string } & PulsarCallOptions = {}): Promise<PulsarJobConfig> {
    checkSegment(jobId, 'jobId', 'setup');
    const where = 'POST /jobs';
    const body = await this.http.json<unknown>({
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
   * A stream factory is called once per attempt and needs `size`.
   *
   * @example
   * ```ts
   * const path = await pulsar.upload(job.jobId, 'reads.fq', 'input', () => openStream(), 1_048_576);
   * await pulsar.upload(job.jobId, 'subdir/helper.R', 'tool', 'print(1)\n');
   * ```
   */
  async upload(
    jobId: string,
    name: string,
    type: PulsarUploadType,
    body: PulsarUploadBody,
    size?: number,
    options: PulsarCallOptions = {},
  ): Promise<string> {
    checkSegment(jobId, 'jobId', 'upload');
    checkName(name, 'upload');
    if (!PULSAR_UPLOAD_TYPES.includes(type)) throw badType(type, PULSAR_UPLOAD_TYPES, 'upload');
    const prepared = prepareUploadBody(body, size, name);
    const answer = await this.http.json<unknown>({
      method: 'POST',
      path: `jobs/${encodeURIComponent(jobId)}/files`,
      query: { name, type },
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(prepared.size) },
      body: prepared.body,
      // The server replaces the file at the same path: a replay leaves the same bytes.
      idempotent: true,
      timeout: this.#transferTimeout,
      totalTimeout: this.#transferTimeout,
      ...signal(options),
    });
    return parsePulsarPath(answer, 'POST /jobs/{job_id}/files');
  }

  /**
   * The server path of a job file, without transferring it (`GET /jobs/{id}/files/path`).
   *
   * @example
   * ```ts
   * const path = await pulsar.filePath(job.jobId, 'in.txt', 'input');
   * ```
   */
  async filePath(jobId: string, name: string, type: PulsarUploadType | PulsarDownloadType, options: PulsarCallOptions = {}): Promise<string> {
    checkSegment(jobId, 'jobId', 'filePath');
    checkName(name, 'filePath');
    if (!PULSAR_UPLOAD_TYPES.includes(type)) throw badType(type, PULSAR_UPLOAD_TYPES, 'filePath');
    const answer = await this.http.json<unknown>({
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
   * await pulsar.submit(job.jobId, {
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
   * const s = await pulsar.status(job.jobId);
   * if (s.terminal) console.log(s.status, s.returnCode, s.listings?.outputs);
   * ```
   */
  async status(
    jobId: string,
    options: PulsarCallOptions & { retry?: RetryOptions | number | false; totalTimeout?: number } = {},
  ): Promise<PulsarJobStatus> {
    checkSegment(jobId, 'jobId', 'status');
    const body = await this.http.json<unknown>({
      path: `jobs/${encodeURIComponent(jobId)}/status`,
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
   * const final = await pulsar.wait(job.jobId, { interval: 1000, timeout: 600_000 });
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
        retry: { retries: Number.MAX_SAFE_INTEGER, maxDelay: Math.max(interval, 2000), maxRetryTime: remaining },
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
   * answers 500 for anything else); the status is fetched if needed.
   *
   * @example
   * ```ts
   * const stream = await pulsar.download(job.jobId, 'out.txt');
   * const text = await new Response(stream).text();
   * const log = await pulsar.download(job.jobId, 'job_stderr', 'output_metadata');
   * ```
   */
  async download(jobId: string, name: string, type: PulsarDownloadType = 'output', options: PulsarCallOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return this.downloadWith(jobId, name, type, async (body) => body, options);
  }

  /**
   * Downloads one output file and hands its stream to `consume` inside the
   * request attempt: when the stream breaks, the download starts again from the
   * first byte (Pulsar has no ranges) and `consume` is called anew.
   *
   * @example
   * ```ts
   * const bytes = await pulsar.downloadWith(job.jobId, 'out.txt', 'output', async (body) =>
   *   new Uint8Array(await new Response(body).arrayBuffer()),
   * );
   * ```
   */
  async downloadWith<T>(
    jobId: string,
    name: string,
    type: PulsarDownloadType,
    consume: (body: ReadableStream<Uint8Array>, signal: AbortSignal) => Promise<T>,
    options: PulsarCallOptions = {},
  ): Promise<T> {
    checkSegment(jobId, 'jobId', 'download');
    checkName(name, 'download');
    if (!PULSAR_DOWNLOAD_TYPES.includes(type)) throw badType(type, PULSAR_DOWNLOAD_TYPES, 'download');
    await this.#checkListed(jobId, name, type, options);
    return this.http.request<T>({
      path: `jobs/${encodeURIComponent(jobId)}/files`,
      query: { name, type },
      streaming: true,
      timeout: this.#transferTimeout,
      totalTimeout: this.#transferTimeout,
      read: (response, readSignal) => consume(response.body ?? new Blob([]).stream(), readSignal),
      ...signal(options),
    });
  }

  /**
   * Cancels a queued or running job (`PUT /jobs/{id}/cancel`); its status
   * becomes `cancelled`. A finished or unknown job is left as it is.
   *
   * @example
   * ```ts
   * await pulsar.cancel(job.jobId);
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
   * await pulsar.clean(job.jobId);
   * ```
   */
  async clean(jobId: string, options: PulsarCallOptions = {}): Promise<void> {
    checkSegment(jobId, 'jobId', 'clean');
    await this.#ok({ method: 'DELETE', path: `jobs/${encodeURIComponent(jobId)}`, ...signal(options) }, 'DELETE /jobs/{job_id}');
    this.#listings.delete(jobId);
  }

  async #ok(request: Parameters<HttpClient['text']>[0], where: string): Promise<void> {
    const text = (await this.http.text(request)).trim();
    if (text !== 'OK') {
      throw new ProtocolError({ where, problem: 'expected the answer OK', excerpt: this.http.scrub(text.slice(0, 120)) });
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

  #remember(jobId: string, listings: PulsarListings): void {
    this.#listings.delete(jobId);
    this.#listings.set(jobId, listings);
    if (this.#listings.size > KEEP_LISTINGS) {
      const oldest = this.#listings.keys().next().value;
      if (oldest !== undefined) this.#listings.delete(oldest);
    }
  }
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
