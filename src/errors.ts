/**
 * The error hierarchy. Every error this library throws extends
 * {@link PulsarNetworkError}, carries `cause`, and never contains a secret.
 *
 * `instanceof` works across duplicated copies of the library (ESM and CJS
 * loaded side by side) because classes are matched by a registered brand,
 * not by identity.
 * @module
 */

const KINDS = Symbol.for('pulsar-network.error-kinds');

/** Options shared by every error constructor. */
export interface PulsarNetworkErrorOptions {
  /** The underlying error. */
  cause?: unknown;
}

/**
 * Base class of every error thrown by pulsar-network.
 *
 * @example
 * ```ts
 * try {
 *   await tes.getTask('nope');
 * } catch (error) {
 *   if (error instanceof NotFoundError) console.log('no such task');
 *   else if (error instanceof PulsarNetworkError) console.log(error.toJSON());
 *   else throw error;
 * }
 * ```
 */
export class PulsarNetworkError extends Error {
  /** Brand used by `instanceof`; each subclass sets its own. */
  static readonly kind: string = 'PulsarNetworkError';

  constructor(message: string, options: PulsarNetworkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, 'kind')) kinds.push((c as unknown as { kind: string }).kind);
    }
    Object.defineProperty(this, KINDS, { value: kinds, enumerable: false });
    Object.defineProperty(this, 'name', { value: new.target.kind, enumerable: false, writable: true, configurable: true });
  }

  /** Matches by brand, so errors from another copy of the library match too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const kinds = (value as { [KINDS]?: unknown })[KINDS];
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }

  /** A plain, secret-free description for logs and provenance records. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) json[key] = value;
    const cause = (this as { cause?: unknown }).cause;
    if (cause !== undefined) {
      json.cause =
        cause instanceof PulsarNetworkError
          ? cause.toJSON()
          : cause instanceof Error
            ? { name: cause.name, message: cause.message }
            : cause;
    }
    return json;
  }
}

/** Fields of an {@link HttpError}. */
export interface HttpErrorFields {
  /** The HTTP status code. */
  status: number;
  /** The request method, upper case. */
  method: string;
  /** The request URL with secrets redacted. */
  url: string;
  /** The start of the response body, redacted (at most about 500 characters). */
  bodyExcerpt?: string;
  /** Milliseconds the server asked us to wait (from `Retry-After`), if any. */
  retryAfterMs?: number;
}

/**
 * The server answered with a non-success HTTP status.
 *
 * @example
 * ```ts
 * try {
 *   await http.json({ path: 'service-info' });
 * } catch (error) {
 *   if (error instanceof HttpError) console.error(error.status, error.method, error.url, error.bodyExcerpt);
 * }
 * ```
 */
export class HttpError extends PulsarNetworkError {
  static override readonly kind: string = 'HttpError';
  /** The HTTP status code. */
  readonly status: number;
  /** The request method, upper case. */
  readonly method: string;
  /** The request URL with secrets redacted. */
  readonly url: string;
  /** The start of the response body, redacted. */
  readonly bodyExcerpt?: string;
  /** Milliseconds the server asked us to wait (from `Retry-After`), if any. */
  readonly retryAfterMs?: number;

  constructor(fields: HttpErrorFields, options: PulsarNetworkErrorOptions = {}) {
    const excerpt = fields.bodyExcerpt ? `: ${fields.bodyExcerpt}` : '';
    super(`${fields.method} ${fields.url} failed with HTTP ${fields.status}${excerpt}`, options);
    this.status = fields.status;
    this.method = fields.method;
    this.url = fields.url;
    if (fields.bodyExcerpt !== undefined) this.bodyExcerpt = fields.bodyExcerpt;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
  }

  /** Builds the most specific subclass for a status code. */
  static from(fields: HttpErrorFields, options: PulsarNetworkErrorOptions = {}): HttpError {
    const Class =
      fields.status === 400
        ? BadRequestError
        : fields.status === 401
          ? AuthenticationError
          : fields.status === 403
            ? PermissionDeniedError
            : fields.status === 404
              ? NotFoundError
              : fields.status === 409
                ? ConflictError
                : fields.status === 413
                  ? PayloadTooLargeError
                  : fields.status === 429
                    ? RateLimitError
                    : fields.status >= 500
                      ? ServerError
                      : HttpError;
    return new Class(fields, options);
  }
}

/**
 * HTTP 400.
 *
 * @example
 * ```ts
 * await tes.createTask(task).catch((error) => {
 *   if (error instanceof BadRequestError) console.error('the server refused the task:', error.bodyExcerpt);
 *   throw error;
 * });
 * ```
 */
export class BadRequestError extends HttpError {
  static override readonly kind: string = 'BadRequestError';
}
/**
 * HTTP 401: missing or wrong credentials.
 *
 * @example
 * ```ts
 * await tes.serviceInfo().catch((error) => {
 *   if (error instanceof AuthenticationError) console.error(`check the token for ${error.url}`);
 *   throw error;
 * });
 * ```
 */
export class AuthenticationError extends HttpError {
  static override readonly kind: string = 'AuthenticationError';
}
/**
 * HTTP 403.
 *
 * @example
 * ```ts
 * await tes.cancelTask(id).catch((error) => {
 *   if (error instanceof PermissionDeniedError) console.error('not allowed to cancel', id);
 *   throw error;
 * });
 * ```
 */
export class PermissionDeniedError extends HttpError {
  static override readonly kind: string = 'PermissionDeniedError';
}
/**
 * HTTP 404.
 *
 * @example
 * ```ts
 * const task = await tes.getTask(id).catch((error) => (error instanceof NotFoundError ? undefined : Promise.reject(error)));
 * ```
 */
export class NotFoundError extends HttpError {
  static override readonly kind: string = 'NotFoundError';
}
/**
 * HTTP 409.
 *
 * @example
 * ```ts
 * await http.json({ method: 'POST', path: 'jobs' }).catch((error) => {
 *   if (error instanceof ConflictError) console.error('the server holds a conflicting resource');
 *   throw error;
 * });
 * ```
 */
export class ConflictError extends HttpError {
  static override readonly kind: string = 'ConflictError';
}
/**
 * HTTP 413.
 *
 * @example
 * ```ts
 * await tes.createTask(task).catch((error) => {
 *   if (error instanceof PayloadTooLargeError) console.error('task too large: move input content to a URL');
 *   throw error;
 * });
 * ```
 */
export class PayloadTooLargeError extends HttpError {
  static override readonly kind: string = 'PayloadTooLargeError';
}
/**
 * HTTP 429.
 *
 * @example
 * ```ts
 * await tes.serviceInfo().catch((error) => {
 *   if (error instanceof RateLimitError) console.error(`rate limited; the server asks to wait ${error.retryAfterMs ?? '?'} ms`);
 *   throw error;
 * });
 * ```
 */
export class RateLimitError extends HttpError {
  static override readonly kind: string = 'RateLimitError';
}
/**
 * HTTP 5xx.
 *
 * @example
 * ```ts
 * await tes.getTask(id).catch((error) => {
 *   if (error instanceof ServerError) console.error(`server failure ${error.status}`);
 *   throw error;
 * });
 * ```
 */
export class ServerError extends HttpError {
  static override readonly kind: string = 'ServerError';
}

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

/** One problem found in an input, with the JSON path where it is. */
export interface ValidationIssue {
  /** JSON path of the offending value, e.g. `$.executors[0].image`. */
  path: string;
  /** What is wrong there. */
  message: string;
}

/**
 * The input (a task, a job, a config) is malformed. Nothing was sent.
 *
 * @example
 * ```ts
 * try {
 *   validateNetworkConfig({ sites: [] });
 * } catch (error) {
 *   if (error instanceof ValidationError) for (const issue of error.issues) console.error(issue.path, issue.message);
 * }
 * ```
 */
export class ValidationError extends PulsarNetworkError {
  static override readonly kind: string = 'ValidationError';
  /** Every problem found, each with its JSON path. */
  readonly issues: readonly ValidationIssue[];

  constructor(what: string, issues: readonly ValidationIssue[], options: PulsarNetworkErrorOptions = {}) {
    const list = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
    super(`invalid ${what} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${list}`, options);
    this.issues = issues;
  }
}

/**
 * The server answered something its protocol does not allow.
 *
 * @example
 * ```ts
 * await pulsar.status(jobId).catch((error) => {
 *   if (error instanceof ProtocolError) console.error(error.where, error.excerpt);
 *   throw error;
 * });
 * ```
 */
export class ProtocolError extends PulsarNetworkError {
  static override readonly kind: string = 'ProtocolError';
  /** Where the answer came from, e.g. `GET /tasks/{id}`. */
  readonly where: string;
  /** A short, redacted excerpt of the offending answer. */
  readonly excerpt?: string;

  constructor(fields: { where: string; problem: string; excerpt?: string }, options: PulsarNetworkErrorOptions = {}) {
    super(`${fields.where}: ${fields.problem}${fields.excerpt ? ` (got: ${fields.excerpt})` : ''}`, options);
    this.where = fields.where;
    if (fields.excerpt !== undefined) this.excerpt = fields.excerpt;
  }
}

/**
 * An answer was larger than the cap set for it (a JSON document, a status,
 * a file read whole); the rest was not read.
 *
 * @example
 * ```ts
 * await http.json({ path: 'tasks', maxBytes: 1 << 20 }).catch((error) => {
 *   if (error instanceof ResponseTooLargeError) console.error(error.where, error.limitBytes);
 *   throw error;
 * });
 * ```
 */
export class ResponseTooLargeError extends ProtocolError {
  static override readonly kind: string = 'ResponseTooLargeError';
  /** The cap that was passed, in bytes. */
  readonly limitBytes: number;

  constructor(fields: { where: string; limitBytes: number }, options: PulsarNetworkErrorOptions = {}) {
    super({ where: fields.where, problem: `the answer is larger than ${fields.limitBytes} bytes, the most read from it` }, options);
    this.limitBytes = fields.limitBytes;
  }
}

/**
 * A connection was not made because the address it led to is refused by
 * the URL policy (a loopback, private, link-local or metadata address, at
 * the first request or after a redirect). Nothing was sent.
 *
 * @example
 * ```ts
 * const guarded = guardedFetch({});
 * await transfer({ from: urlSourceFor(url, { http: { fetch: guarded } }), to }).catch((error) => {
 *   if (error.cause instanceof BlockedAddressError) console.error(error.cause.rule, error.cause.host);
 *   throw error;
 * });
 * ```
 */
export class BlockedAddressError extends PulsarNetworkError {
  static override readonly kind: string = 'BlockedAddressError';
  /** The URL policy rule that refused it. */
  readonly rule: 'private-address' | 'scheme';
  /** The host name or address asked for. */
  readonly host: string;

  constructor(fields: { host: string; rule: 'private-address' | 'scheme'; reason: string }, options: PulsarNetworkErrorOptions = {}) {
    super(`refused by rule ${fields.rule}: ${fields.reason}`, options);
    this.host = fields.host;
    this.rule = fields.rule;
  }
}

/**
 * Moving a file failed after every allowed attempt.
 *
 * @example
 * ```ts
 * await transfer({ from, to }).catch((error) => {
 *   if (error instanceof TransferError) console.error(error.file, error.attempts, error.bytesDone, error.cause);
 *   throw error;
 * });
 * ```
 */
export class TransferError extends PulsarNetworkError {
  static override readonly kind: string = 'TransferError';
  /** The file (a name or redacted URL) that failed to move. */
  readonly file: string;
  /** Bytes moved before the last failure. */
  readonly bytesDone: number;
  /** Attempts made, the first included. */
  readonly attempts: number;

  constructor(
    fields: { file: string; bytesDone: number; attempts: number; reason: string },
    options: PulsarNetworkErrorOptions = {},
  ) {
    super(`transfer of ${fields.file} failed after ${fields.attempts} attempt(s) at byte ${fields.bytesDone}: ${fields.reason}`, options);
    this.file = fields.file;
    this.bytesDone = fields.bytesDone;
    this.attempts = fields.attempts;
  }
}

/**
 * Bytes arrived whole but are not the expected ones: their size or sha256 differs.
 *
 * @example
 * ```ts
 * await transfer({ from, to, expected: { sha256 } }).catch((error) => {
 *   // after the last attempt, the mismatch is the cause of the TransferError
 *   if (error instanceof TransferError && error.cause instanceof IntegrityError) console.error(error.cause.check, error.cause.expected, error.cause.actual);
 *   throw error;
 * });
 * ```
 */
export class IntegrityError extends PulsarNetworkError {
  static override readonly kind: string = 'IntegrityError';
  /** The file checked (its name or destination; never a URL with secrets). */
  readonly file: string;
  /** Which check failed. */
  readonly check: 'size' | 'sha256';
  /** The expected value: a size in bytes or a hex sha256, as text. */
  readonly expected: string;
  /** The value the bytes have, in the same form. */
  readonly actual: string;

  constructor(
    fields: { file: string; check: 'size' | 'sha256'; expected: string | number; actual: string | number },
    options: PulsarNetworkErrorOptions = {},
  ) {
    super(`${fields.file}: ${fields.check} is ${fields.actual}, expected ${fields.expected}`, options);
    this.file = fields.file;
    this.check = fields.check;
    this.expected = String(fields.expected);
    this.actual = String(fields.actual);
  }
}

/**
 * No site of the network may run the job. `decision` explains why.
 *
 * @example
 * ```ts
 * const result = await network.submit(spec).wait();
 * if (result.error instanceof NoEligibleSiteError) console.error(result.error.message, result.error.decision);
 * ```
 */
export class NoEligibleSiteError extends PulsarNetworkError {
  static override readonly kind: string = 'NoEligibleSiteError';
  /** The site selection's decision record: why each site was ruled out. */
  readonly decision: unknown;

  constructor(decision: unknown, message = 'no eligible site for this job', options: PulsarNetworkErrorOptions = {}) {
    super(message, options);
    this.decision = decision;
  }
}

/**
 * True when the value is any pulsar-network error.
 *
 * @example
 * ```ts
 * try {
 *   await tes.getTask(id);
 * } catch (error) {
 *   if (isPulsarNetworkError(error)) console.error(error.toJSON());
 *   else throw error;
 * }
 * ```
 */
export function isPulsarNetworkError(value: unknown): value is PulsarNetworkError {
  return value instanceof PulsarNetworkError;
}
