/**
 * The idempotency tag the client puts on every task it creates, and the
 * rule for which failed creates are ambiguous (the task may exist).
 * @module
 */
import { ConnectionError, HttpError, TimeoutError } from '../errors.js';
import { randomId } from '../util/random-id.js';

/** The tag key under which `createTask` stores its idempotency key. */
export const IDEMPOTENCY_TAG = 'pulsar_network_idempotency_key';

/** A fresh random key (UUID v4 form), also where `crypto.randomUUID` is missing (insecure browser contexts). */
export function newIdempotencyKey(): string {
  return randomId();
}

const AMBIGUOUS_STATUSES = new Set([500, 502, 503, 504]);

/**
 * True when a failed `POST /tasks` may still have created the task: the
 * connection broke after the request may have left, the attempt timed out,
 * or a server (or a proxy in front of it) failed with 500/502/503/504.
 *
 * @example
 * ```ts
 * const key = 'run-42/align';
 * const id = await tes.createTask(task, { idempotencyKey: key }).catch(async (error) => {
 *   if (isAmbiguousCreateFailure(error)) return tes.findTask(key); // the task may exist after all
 *   throw error;
 * });
 * ```
 */
export function isAmbiguousCreateFailure(error: unknown): boolean {
  if (error instanceof ConnectionError) return error.mayHaveBeenSent;
  if (error instanceof TimeoutError) return error.scope === 'attempt';
  if (error instanceof HttpError) return AMBIGUOUS_STATUSES.has(error.status);
  return false;
}
