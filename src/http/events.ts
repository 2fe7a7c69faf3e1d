/**
 * Events the HTTP layer reports for every attempt. URLs in them are redacted.
 * @module
 */

/** One observation of the HTTP layer; feed it to logs, metrics or passive health. */
export type HttpEvent = HttpRequestEvent | HttpResponseEvent | HttpRetryEvent | HttpFailureEvent;

/** Fields every {@link HttpEvent} has. */
export interface HttpEventBase {
  /** The request method, upper case. */
  method: string;
  /** The request URL with secrets redacted. */
  url: string;
  /** The attempt number, from 1. */
  attempt: number;
}

/** An attempt is about to be sent. */
export interface HttpRequestEvent extends HttpEventBase {
  /** The event kind. */
  type: 'request';
}

/** An attempt got an answer (any status). */
export interface HttpResponseEvent extends HttpEventBase {
  /** The event kind. */
  type: 'response';
  /** The HTTP status. */
  status: number;
  /** Milliseconds from sending to the answer's headers. */
  durationMs: number;
}

/** A failed attempt will be retried after `delayMs`. */
export interface HttpRetryEvent extends HttpEventBase {
  /** The event kind. */
  type: 'retry';
  /** The backoff (or `Retry-After`) wait before the next attempt, in milliseconds. */
  delayMs: number;
  /** Why the attempt failed, redacted. */
  reason: string;
}

/** An attempt failed (it may still be retried). */
export interface HttpFailureEvent extends HttpEventBase {
  /** The event kind. */
  type: 'failure';
  /** Milliseconds the attempt took. */
  durationMs: number;
  /** Why it failed, redacted. */
  reason: string;
}

/** Receives {@link HttpEvent}s. It must not throw; errors it throws are ignored. */
export type HttpEventListener = (event: HttpEvent) => void;
