/**
 * HTTP status errors: {@link HttpError} and one subclass per status family.
 * @module
 */
import { PulsarNetworkError, type PulsarNetworkErrorOptions } from './base.js';

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
  /** The answer's headers (names in lower case), credential-carrying values redacted. */
  headers?: Record<string, string>;
  /** The server's id of the request (`x-request-id` and the like), to quote to its operators. */
  requestId?: string;
}

/**
 * The server answered with a non-success HTTP status.
 *
 * @example
 * ```ts
 * try {
 *   await http.json({ path: 'service-info' });
 * } catch (error) {
 *   if (error instanceof HttpError) console.error(error.status, error.method, error.url, error.requestId, error.headers?.['content-type'], error.bodyExcerpt);
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
  /** The answer's headers (names in lower case); cookies, tokens and auth challenges read `[REDACTED]`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The server's id of the request (`x-request-id`, `x-amzn-requestid`, `x-correlation-id`...), to quote to its operators. */
  readonly requestId?: string;

  constructor(fields: HttpErrorFields, options: PulsarNetworkErrorOptions = {}) {
    const excerpt = fields.bodyExcerpt ? `: ${fields.bodyExcerpt}` : '';
    const id = fields.requestId === undefined ? '' : ` (request id ${fields.requestId})`;
    super(`${fields.method} ${fields.url} failed with HTTP ${fields.status}${id}${excerpt}`, options);
    this.status = fields.status;
    this.method = fields.method;
    this.url = fields.url;
    if (fields.bodyExcerpt !== undefined) this.bodyExcerpt = fields.bodyExcerpt;
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs;
    if (fields.headers !== undefined) this.headers = fields.headers;
    if (fields.requestId !== undefined) this.requestId = fields.requestId;
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
