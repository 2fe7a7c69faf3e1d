export { HttpClient, parseJson } from './client.js';
export type { FetchLike, HttpClientOptions, QueryParams, RequestOptions } from './client.js';
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
