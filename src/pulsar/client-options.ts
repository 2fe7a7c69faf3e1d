/**
 * The options of a {@link PulsarClient} and of its calls, and how they make
 * the client's HTTP layer. Portable.
 * @module
 */
import { ValidationError } from '../errors.js';
import { HttpClient, type Auth, type FetchLike, type HttpEventListener, type RetryOptions } from '../http/index.js';
import type { CallOptions } from '../http/options.js';
import type { HostLimiter } from '../transfer/host-limit.js';
import type { TransferProgress } from '../transfer/progress.js';
import type { ExpectedContent, TransferResult } from '../transfer/transfer.js';
import { checkSegment } from './requests.js';
import type {
  PulsarDependenciesDescription,
  PulsarDynamicFileSource,
  PulsarEnvEntry,
  PulsarRemoteStaging,
  PulsarSetupParams,
  PulsarSubmitExtras,
} from './wire.js';

/** Options of a {@link PulsarClient}. */
export interface PulsarClientOptions {
  /**
   * The server's URL, e.g. `https://pulsar.example.org:8913/` (or give `http`).
   * A token in the user-info part (`https://TOKEN@host/`, as Galaxy writes
   * it) is taken as the `private_token` when `auth` is not given.
   */
  baseUrl?: string | URL;
  /**
   * How requests authenticate. Pulsar takes its `private_token` as a query
   * parameter (it has no header form): `{ type: 'query', name: 'private_token',
   * value }`, where `value` may be a token provider (asked again after a 401).
   * The secret is redacted everywhere. @default none, or the URL's user info
   */
  auth?: Auth;
  /**
   * The HTTP client to send every request through, instead of one made from
   * these options: its base URL is the server's (with the manager's path),
   * and its auth, timeouts, retries and cap apply. The options it would have
   * been made from (`auth`, `token`, `manager`, `maxConcurrency`, `timeout`,
   * `totalTimeout`, `fetch`, `onEvent`) are refused next to it.
   */
  http?: HttpClient;
  /** @deprecated The same as `baseUrl`. */
  url?: string | URL;
  /** @deprecated Use `auth: { type: 'query', name: 'private_token', value: token }`. */
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

/**
 * Per-call options of the small requests (status, setup, submit, cancel,
 * clean, healthz, file paths), as `TesClient` takes them: `signal`,
 * `timeout` (across the request's attempts), `retries` and `headers`.
 */
export interface PulsarCallOptions extends CallOptions {}

/**
 * Options of one upload or download. Their limits are the client's
 * `transferTimeout`, `idleTimeout` and `retry` (and a download's own `retry`).
 */
export interface PulsarTransferOptions {
  /** Aborts the transfer; it then rejects with AbortError. */
  signal?: AbortSignal;
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

/** The transfer engine's settings a client gives every upload and download. */
export interface PulsarTransferDefaults {
  idleTimeout?: number;
  limiter?: HostLimiter | false;
  retry?: RetryOptions | number | false;
}

/** The transfer settings of a client's options. */
export function transferDefaultsOf(options: PulsarClientOptions): PulsarTransferDefaults {
  return {
    ...(options.idleTimeout !== undefined && { idleTimeout: options.idleTimeout }),
    ...(options.transferLimiter !== undefined && { limiter: options.transferLimiter }),
    ...(options.retry !== undefined && { retry: options.retry }),
  };
}

/** Options an HttpClient takes when the PulsarClient makes it: refused next to a given `http`. */
const HTTP_CLIENT_KEYS = ['manager', 'auth', 'token', 'maxConcurrency', 'timeout', 'totalTimeout', 'fetch', 'onEvent'] as const;

/**
 * The HTTP client a {@link PulsarClient} sends through: the one given, or
 * one for the server's URL (the manager's path appended, a user-info token
 * taken as the `private_token`).
 */
export function pulsarHttpClient(options: PulsarClientOptions): HttpClient {
  const given = [options.baseUrl !== undefined && 'baseUrl', options.url !== undefined && 'url', options.http !== undefined && 'http'].filter(Boolean);
  if (given.length !== 1) {
    throw new ValidationError('PulsarClient options', [{ path: '$.baseUrl', message: given.length === 0 ? 'give the server as baseUrl (or http)' : `give one of ${given.join(', ')}` }]);
  }
  if (options.auth !== undefined && options.token !== undefined) throw new ValidationError('PulsarClient options', [{ path: '$.token', message: 'give auth or token, not both' }]);
  if (options.http) {
    // The given client already has these: taking one silently would leave it unused.
    const ignored = HTTP_CLIENT_KEYS.filter((key) => options[key] !== undefined);
    if (ignored.length > 0) {
      throw new ValidationError(
        'PulsarClient options',
        ignored.map((key) => ({ path: `$.${key}`, message: key === 'manager' ? "with http, the manager's path is part of its base URL" : 'with http, set it on the HttpClient given' })),
      );
    }
    return options.http;
  }
  const url = new URL(String(options.baseUrl ?? options.url));
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
  const auth: Auth = options.auth ?? (token === undefined ? { type: 'none' } : { type: 'query', name: 'private_token', value: token });
  return new HttpClient({
    baseUrl: url,
    auth,
    maxConcurrency: options.maxConcurrency ?? 3,
    ...(options.timeout !== undefined && { timeout: options.timeout }),
    ...(options.totalTimeout !== undefined && { totalTimeout: options.totalTimeout }),
    ...(options.retry !== undefined && { retry: options.retry }),
    ...(options.fetch !== undefined && { fetch: options.fetch }),
    ...(options.onEvent !== undefined && { onEvent: options.onEvent }),
  });
}
