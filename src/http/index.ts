export { HttpClient, parseJson } from './client.js';
export type { FetchLike, HttpClientOptions, JsonRequestOptions, QueryParams, RequestOptions } from './client.js';
export { DEFAULT_MAX_RESPONSE_BYTES, eachChunk, readCapped, readTail, TailBuffer, type BodyTail } from './bounded-body.js';
export { readJsonKeepingTails, type JsonTailOptions } from './json-tails.js';
export type { Auth, TokenProvider } from './auth.js';
export type {
  HttpEvent,
  HttpEventBase,
  HttpEventListener,
  HttpFailureEvent,
  HttpRequestEvent,
  HttpResponseEvent,
  HttpRetryEvent,
} from './events.js';
export { backoffDelay, parseRetryAfter, resolveRetryPolicy, retry, RETRYABLE_STATUSES } from './retry.js';
export type { RetryHooks, RetryOptions, RetryPolicy } from './retry.js';
