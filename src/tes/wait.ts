/**
 * Polling a task until it ends: backoff with jitter, a time limit, abortable.
 * @module
 */
import { AbortError, ConnectionError, ServerError, RateLimitError, TimeoutError, ValidationError, type ValidationIssue } from '../errors.js';
import { backoffDelay, resolveRetryPolicy } from '../http/retry.js';
import { anySignal, deadline, sleep } from '../util/abort.js';
import { isTerminal, type TesState } from './states.js';

/** How {@link TesClient.waitForTask} polls. */
export interface TesWaitOptions {
  /** Stops waiting (an {@link AbortError}); the task keeps running. */
  signal?: AbortSignal;
  /** Longest wait in milliseconds, then a {@link TimeoutError} with scope `'wait'`. @default Infinity */
  timeout?: number;
  /** First delay between polls, in milliseconds. @default 500 */
  minInterval?: number;
  /** Largest delay between polls, in milliseconds. @default 10000 */
  maxInterval?: number;
  /**
   * Polls in a row that may fail with a transient error (connection lost,
   * 429, 5xx, attempt timeout, each after the HTTP layer's own retries)
   * before the wait gives up with that error. @default 3
   */
  maxPollFailures?: number;
}

/**
 * Calls `poll` until it returns a terminal task. Delays grow by 1.5× from
 * `minInterval` up to `maxInterval`, each shortened by up to a quarter at
 * random so many waiters do not poll in step.
 */
export async function pollUntilTerminal<T extends { state: TesState }>(
  poll: (signal: AbortSignal) => Promise<T>,
  what: string,
  options: TesWaitOptions,
): Promise<T> {
  const minInterval = options.minInterval ?? 500;
  const maxInterval = Math.max(options.maxInterval ?? 10_000, minInterval);
  const timeout = options.timeout ?? Number.POSITIVE_INFINITY;
  const maxFailures = options.maxPollFailures ?? 3;
  const issues: ValidationIssue[] = [];
  if (!(Number.isFinite(minInterval) && minInterval >= 0)) issues.push({ path: '$.minInterval', message: 'must be a number >= 0' });
  if (!(timeout > 0)) issues.push({ path: '$.timeout', message: 'must be a number > 0' });
  if (!(Number.isInteger(maxFailures) && maxFailures >= 0)) issues.push({ path: '$.maxPollFailures', message: 'must be a whole number >= 0' });
  if (issues.length > 0) throw new ValidationError('waitForTask options', issues);
  const policy = resolveRetryPolicy({ minDelay: minInterval, maxDelay: maxInterval, factor: 1.5, jitter: 0.25 });
  const limit = deadline(timeout);
  const signal = anySignal([options.signal, limit.signal]) as AbortSignal;
  try {
    let failures = 0;
    for (let round = 1; ; round++) {
      try {
        const task = await poll(signal);
        failures = 0;
        if (isTerminal(task.state)) return task;
      } catch (error) {
        if (signal.aborted || !isTransient(error) || ++failures > maxFailures) throw error;
      }
      await sleep(backoffDelay(policy, round), signal, what);
    }
  } catch (error) {
    if (limit.expired() && !options.signal?.aborted) {
      throw new TimeoutError({ scope: 'wait', timeoutMs: timeout, what }, { cause: error });
    }
    if (options.signal?.aborted && !(error instanceof AbortError)) throw new AbortError(what, { cause: error });
    throw error;
  } finally {
    limit.clear();
  }
}

function isTransient(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    error instanceof ServerError ||
    error instanceof RateLimitError ||
    (error instanceof TimeoutError && error.scope === 'attempt')
  );
}
