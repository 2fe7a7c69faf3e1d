/**
 * The one retry mechanism of the library (HTTP requests, transfers, polls):
 * a short loop with explicit limits, exponential backoff with jitter,
 * `Retry-After` honoured and clamped (in {@link backoffDelay}), and
 * abortable sleeps.
 * @module
 */
import { sleep } from '../util/abort.js';

/**
 * How a failed operation is retried.
 *
 * @example
 * ```ts
 * const client = new TesClient({ baseUrl, retry: { retries: 6, maxDelay: 30_000 } });
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt; 0 disables retrying. @default 4 */
  retries?: number;
  /** Delay before the first retry, in milliseconds. @default 250 */
  minDelay?: number;
  /** Largest backoff delay, in milliseconds. @default 15000 */
  maxDelay?: number;
  /** Growth of the delay per retry. @default 2 */
  factor?: number;
  /** Share of each delay that is randomised (0 = none, 1 = full jitter). @default 0.5 */
  jitter?: number;
  /** Largest `Retry-After` honoured, in milliseconds; longer asks are clamped to it. @default 60000 */
  maxRetryAfter?: number;
  /** HTTP statuses that are retried. @default [408, 425, 429, 500, 502, 503, 504] */
  statusCodes?: readonly number[];
  /** Time budget for all attempts and delays together, in milliseconds. @default Infinity */
  maxRetryTime?: number;
  /**
   * Retries, at most, of a request whose server cannot be reached at all
   * (connection refused, host name not found, no route, connect timeout):
   * such failures seldom heal within a backoff, and a caller with other
   * servers (a network failing over) should learn of them at once.
   * Certificate failures are never retried. @default 1
   */
  unreachableRetries?: number;
  /** Random source in [0, 1), for reproducible tests. @default Math.random */
  random?: () => number;
}

/** Retry options with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** Statuses that may succeed when sent again. */
export const RETRYABLE_STATUSES: readonly number[] = [408, 425, 429, 500, 502, 503, 504];

/**
 * Fills in the defaults; `false` or `0` turn retrying off.
 *
 * @example
 * ```ts
 * const policy = resolveRetryPolicy({ retries: 6, maxDelay: 30_000 });
 * console.log(policy.minDelay, resolveRetryPolicy(false).retries); // 250 0
 * ```
 */
export function resolveRetryPolicy(options: RetryOptions | number | false | undefined): RetryPolicy {
  const given: RetryOptions =
    options === false ? { retries: 0 } : typeof options === 'number' ? { retries: options } : (options ?? {});
  return {
    retries: given.retries ?? 4,
    minDelay: given.minDelay ?? 250,
    maxDelay: given.maxDelay ?? 15_000,
    factor: given.factor ?? 2,
    jitter: Math.min(1, Math.max(0, given.jitter ?? 0.5)),
    maxRetryAfter: given.maxRetryAfter ?? 60_000,
    statusCodes: given.statusCodes ?? RETRYABLE_STATUSES,
    maxRetryTime: given.maxRetryTime ?? Number.POSITIVE_INFINITY,
    unreachableRetries: given.unreachableRetries ?? 1,
    random: given.random ?? Math.random,
  };
}

/** The policy with its number of retries replaced, when `retries` is given (a request's or a call's `retries`). */
export function withRetries(policy: RetryPolicy, retries: number | undefined): RetryPolicy {
  return retries === undefined ? policy : { ...policy, retries };
}

/**
 * The delay before retry number `retry` (1-based): exponential, capped,
 * jittered downwards; a server's `Retry-After` replaces it (clamped, no jitter).
 *
 * @example
 * ```ts
 * const policy = resolveRetryPolicy({ jitter: 0 });
 * backoffDelay(policy, 3); // 1000 (250 × 2²)
 * backoffDelay(policy, 3, 5000); // 5000: the server's Retry-After wins
 * ```
 */
export function backoffDelay(policy: RetryPolicy, retry: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxRetryAfter);
  const base = Math.min(policy.maxDelay, policy.minDelay * policy.factor ** Math.max(0, retry - 1));
  return Math.round(base * (1 - policy.jitter * policy.random()));
}

/**
 * Parses a `Retry-After` header (delta seconds or an HTTP date) into
 * milliseconds from `now`; `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * parseRetryAfter('120'); // 120000
 * parseRetryAfter(response.headers.get('retry-after')); // undefined when the header is absent
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Every HTTP-date form starts with the day name; Date.parse alone would take "-5" or "1" as dates.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** What the caller tells {@link retry} about each failure. */
export interface RetryHooks {
  /** Interrupts the backoff sleeps (the operation must watch it too). */
  signal?: AbortSignal;
  /** Whether this error may succeed on another attempt. */
  shouldRetry: (error: unknown, attempt: number) => boolean;
  /** The delay the peer asked for, if any. */
  retryAfterMs?: (error: unknown) => number | undefined;
  /** False when the failed attempt made progress, so it does not use up a retry. @default () => true */
  consumesRetry?: (error: unknown) => boolean;
  /** Called before each backoff sleep. */
  onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
}

/**
 * Runs `operation` until it succeeds, a failure is not retryable, the
 * retries or the time budget are used up, or the signal aborts (then it
 * rejects with {@link AbortError} from the errors module). A failure that
 * `shouldRetry` refuses, or the last one, is thrown as it was thrown.
 *
 * @example
 * ```ts
 * const info = await retry(() => tes.serviceInfo(), resolveRetryPolicy({ retries: 3 }), {
 *   shouldRetry: (error) => error instanceof ConnectionError,
 *   onRetry: ({ attempt, delayMs }) => console.log(`attempt ${attempt} failed; again in ${delayMs} ms`),
 * });
 * ```
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  const started = Date.now();
  let used = 0; // retries used up: a failure that made progress does not use one
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!hooks.shouldRetry(error, attempt)) throw error;
      const consumes = hooks.consumesRetry?.(error) ?? true;
      if (consumes && used >= policy.retries) throw error;
      // After progress the backoff starts over; the server's Retry-After, when given, replaces it.
      const delayMs = backoffDelay(policy, consumes ? used + 1 : 1, hooks.retryAfterMs?.(error));
      // A wait that would outlast the time budget is not started: fail now with this error.
      if (Date.now() - started + delayMs >= policy.maxRetryTime) throw error;
      hooks.onRetry?.({ error, attempt, delayMs });
      await sleep(delayMs, hooks.signal, 'retry backoff');
      if (consumes) used++;
    }
  }
}
