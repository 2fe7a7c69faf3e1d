/**
 * Transport failures: no connection, out of time, aborted by the caller.
 * @module
 */
import { PulsarNetworkError, type PulsarNetworkErrorOptions } from './base.js';

/**
 * The request could not reach the server, or the connection broke.
 *
 * @example
 * ```ts
 * await tes.createTask(task).catch((error) => {
 *   if (error instanceof ConnectionError && error.mayHaveBeenSent) console.error('the task may exist: look it up by its idempotency key');
 *   throw error;
 * });
 * ```
 */
export class ConnectionError extends PulsarNetworkError {
  static override readonly kind: string = 'ConnectionError';
  /** The request method, upper case. */
  readonly method: string;
  /** The request URL with secrets redacted. */
  readonly url: string;
  /** False only when the request certainly never left (for example, connection refused). */
  readonly mayHaveBeenSent: boolean;
  /** The server as `host:port` (default ports written out), when the failure concerns one. */
  readonly host?: string;
  /** The system's error code, when it gave one: `ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ... */
  readonly code?: string;
  /** The cause in a few words (the message after the operation). */
  readonly reason: string;

  constructor(
    fields: { method: string; url: string; mayHaveBeenSent: boolean; reason?: string; host?: string; code?: string },
    options: PulsarNetworkErrorOptions = {},
  ) {
    super(`${fields.method} ${fields.url} failed: ${fields.reason ?? 'connection error'}`, options);
    this.reason = fields.reason ?? 'connection error';
    this.method = fields.method;
    this.url = fields.url;
    this.mayHaveBeenSent = fields.mayHaveBeenSent;
    if (fields.host !== undefined) this.host = fields.host;
    if (fields.code !== undefined) this.code = fields.code;
  }
}

/** What ran out of time. */
export type TimeoutScope = 'attempt' | 'total' | 'wait' | 'transfer';

/**
 * An operation took longer than its time limit.
 *
 * @example
 * ```ts
 * const http = new HttpClient({ baseUrl: 'https://tes.example.org/ga4gh/tes/v1', timeout: 10_000 });
 * await http.json({ path: 'service-info' }).catch((error) => {
 *   if (error instanceof TimeoutError) console.error(`${error.scope} limit of ${error.timeoutMs} ms`);
 *   throw error;
 * });
 * ```
 */
export class TimeoutError extends PulsarNetworkError {
  static override readonly kind: string = 'TimeoutError';
  /** Which limit ran out: one attempt, the whole request, a wait or a transfer. */
  readonly scope: TimeoutScope;
  /** The limit, in milliseconds. */
  readonly timeoutMs: number;
  /** The server that did not answer in time, as `host:port`, for a request that timed out. */
  readonly host?: string;
  /** `ETIMEDOUT` for a request that timed out (as {@link ConnectionError.code} names system errors). */
  readonly code?: string;

  constructor(fields: { scope: TimeoutScope; timeoutMs: number; what: string; host?: string }, options: PulsarNetworkErrorOptions = {}) {
    const host = fields.host === undefined ? '' : `: no answer from ${fields.host} (ETIMEDOUT)`;
    super(`${fields.what} timed out after ${fields.timeoutMs} ms (${fields.scope} limit)${host}`, options);
    this.scope = fields.scope;
    this.timeoutMs = fields.timeoutMs;
    if (fields.host !== undefined) {
      this.host = fields.host;
      this.code = 'ETIMEDOUT';
    }
  }
}

/**
 * The caller aborted the operation through its `AbortSignal`.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(), 5_000);
 * await tes.getTask(id, { signal: controller.signal }).catch((error) => {
 *   if (error instanceof AbortError) console.log('gave up waiting');
 *   else throw error;
 * });
 * ```
 */
export class AbortError extends PulsarNetworkError {
  static override readonly kind: string = 'AbortError';
  constructor(what = 'operation', options: PulsarNetworkErrorOptions = {}) {
    super(`${what} was aborted`, options);
  }
}
