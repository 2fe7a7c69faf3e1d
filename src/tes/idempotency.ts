/**
 * The idempotency tag the client puts on every task it creates, and the
 * rule for which failed creates are ambiguous (the task may exist).
 * @module
 */
import { ConnectionError, HttpError, TimeoutError } from '../errors.js';

/** The tag key under which `createTask` stores its idempotency key. */
export const IDEMPOTENCY_TAG = 'pulsar_network_idempotency_key';

/** A fresh random key (UUID v4 form), also where `crypto.randomUUID` is missing (insecure browser contexts). */
export function newIdempotencyKey(): string {
  if (typeof globalThis.crypto?.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const AMBIGUOUS_STATUSES = new Set([500, 502, 503, 504]);

/**
 * True when a failed `POST /tasks` may still have created the task: the
 * connection broke after the request may have left, the attempt timed out,
 * or a server (or a proxy in front of it) failed with 500/502/503/504.
 */
export function isAmbiguousCreateFailure(error: unknown): boolean {
  if (error instanceof ConnectionError) return error.mayHaveBeenSent;
  if (error instanceof TimeoutError) return error.scope === 'attempt';
  if (error instanceof HttpError) return AMBIGUOUS_STATUSES.has(error.status);
  return false;
}
