/**
 * Options of the {@link HttpClient} and of its requests.
 * @module
 */
import type { HttpEventListener } from './events.js';
import type { Auth } from './auth.js';
import type { RetryOptions } from './retry.js';

/** A fetch implementation: the global one by default, or your own. */
export type FetchLike = (input: URL | Request | string, init?: RequestInit) => Promise<Response>;

/** Query parameters; arrays repeat the key, `undefined` and `null` are left out. */
export type QueryParams = Record<string, string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>>;

/** Options of an {@link HttpClient}. */
export interface HttpClientOptions {
  /**
   * The server's base URL; request paths are joined below it. User info in
   * it (`https://user:password@host/`) is sent as basic auth when `auth` is
   * not given, and never kept in the URL.
   */
  baseUrl: string | URL;
  /** How requests authenticate. @default { type: 'none' } */
  auth?: Auth;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** A fetch to use instead of `globalThis.fetch` (which is looked up per call, so test interceptors apply). */
  fetch?: FetchLike;
  /** Time limit of one attempt, in milliseconds. @default 30000 */
  timeout?: number;
  /** Time limit of a request across all its attempts and backoff delays, in milliseconds. @default 300000 */
  totalTimeout?: number;
  /** Retry policy; a number sets the retries, `false` disables retrying. */
  retry?: RetryOptions | number | false;
  /** Most requests in flight at once to this server. @default Infinity */
  maxConcurrency?: number;
  /** Receives an event for every attempt, response, retry and failure. */
  onEvent?: HttpEventListener;
  /**
   * Largest answer read whole (`json()`, `text()`, the `fetchAdapter`), in
   * bytes; a larger one is a {@link ResponseTooLargeError}. Streamed
   * downloads are not concerned.
   * @default 32 MiB
   */
  maxResponseBytes?: number;
}

/** Options of {@link HttpClient.json}: a request, and how much of its answer is read. */
export interface JsonRequestOptions<T = unknown> extends Omit<RequestOptions<T>, 'read'> {
  /** Largest answer read, in bytes (with `keepTails`: largest kept). @default the client's `maxResponseBytes` */
  maxBytes?: number;
  /**
   * Keep of each string at most its last this many bytes (for answers that
   * carry logs): the body streams through and memory stays bounded however
   * long the strings are.
   */
  keepTails?: number;
}

/** One request. */
export interface RequestOptions<T = Response> {
  /** @default 'GET' */
  method?: string;
  /** Path below the base URL (already percent-encoded where needed). */
  path?: string;
  /**
   * An absolute URL, used instead of `path`. The client's credentials are
   * sent only when it has the base URL's origin (scheme, host and port).
   */
  url?: string | URL;
  /** Query parameters added to the URL. */
  query?: QueryParams;
  /** Headers of this request; they win over the client's headers. */
  headers?: HeadersInit;
  /** A body; pass a function to make a streamed body replayable across retries. */
  body?: BodyInit | null | (() => BodyInit | Promise<BodyInit>);
  /** A value sent as JSON (sets `content-type`). */
  json?: unknown;
  /**
   * Whether sending the request twice is harmless. GET, HEAD, PUT, DELETE and
   * OPTIONS are idempotent by default; POST and PATCH are retried only when this
   * is true, or when the connection was refused so nothing was sent.
   */
  idempotent?: boolean;
  /** Aborts the request, also while it waits for a slot or a retry. */
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout. */
  timeout?: number;
  /** Overrides the client's total timeout. */
  totalTimeout?: number;
  /** Overrides the client's retry policy. */
  retry?: RetryOptions | number | false;
  /** Overrides only the number of retries of the client's (or `retry`'s) policy; 0 sends once. */
  retries?: number;
  /** Statuses returned as responses instead of thrown as errors. */
  acceptStatus?: readonly number[];
  /**
   * Reads the response inside the attempt: the concurrency slot is held and
   * read failures are retried like request failures.
   */
  read?: (response: Response, signal: AbortSignal) => Promise<T>;
  /**
   * For large bodies read by `read`: the per-attempt timeout stops applying
   * once the headers have arrived (the reader enforces its own idle limit).
   * @default false
   */
  streaming?: boolean;
}

/**
 * Options every call of an API client takes (`TesClient`, `PulsarClient`):
 * they apply to each HTTP request the call makes.
 *
 * @example
 * ```ts
 * const info = await tes.serviceInfo({ timeout: 5_000, retries: 0, headers: { 'x-request-id': 'run-42' } });
 * ```
 */
export interface CallOptions {
  /** Aborts the call (an {@link AbortError} is thrown). */
  signal?: AbortSignal;
  /** Time limit of each request of the call, across its attempts and backoff delays, in milliseconds (a {@link TimeoutError} of scope `total`). @default the client's `totalTimeout` */
  timeout?: number;
  /** Retries of each request of the call; 0 sends once. @default the client's retry policy */
  retries?: number;
  /** Headers sent with each request of the call; they win over the client's. Credential-carrying ones are redacted from errors like the client's own. */
  headers?: Record<string, string>;
}

/** The request options a call's options stand for (only those given). */
export function callRequest(call: CallOptions): Pick<RequestOptions, 'signal' | 'totalTimeout' | 'retries' | 'headers'> {
  const request: Pick<RequestOptions, 'signal' | 'totalTimeout' | 'retries' | 'headers'> = {};
  if (call.signal) request.signal = call.signal;
  if (call.timeout !== undefined) request.totalTimeout = call.timeout;
  if (call.retries !== undefined) request.retries = call.retries;
  if (call.headers !== undefined) request.headers = call.headers;
  return request;
}
