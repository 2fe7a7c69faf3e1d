/**
 * Small rules of a transfer: which failures are retried, how errors are
 * described, and the idle watchdog of one attempt.
 * @module
 */
import { AbortError, ConnectionError, HttpError, IntegrityError, PulsarNetworkError, TimeoutError, TransferError } from '../errors.js';

/** A failure worth another attempt: a connection, a stall, a retryable status, a mismatch. */
export function isRetryable(error: unknown, statuses: readonly number[]): boolean {
  if (error instanceof AbortError || error instanceof TransferError) return false;
  if (error instanceof HttpError) return statuses.includes(error.status);
  return error instanceof ConnectionError || error instanceof TimeoutError || error instanceof IntegrityError;
}

/** One line naming the error, for a `TransferError` reason. */
export function describe(error: unknown): string {
  if (error instanceof PulsarNetworkError) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Calls `onIdle` when `touch()` was not called for `ms`. One timer, re-armed lazily. */
export function idleWatchdog(ms: number, onIdle: () => void): { touch: () => void; stop: () => void } {
  let last = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = (): void => {
    const quiet = Date.now() - last;
    if (quiet >= ms) {
      timer = undefined;
      onIdle();
      return;
    }
    timer = setTimeout(check, ms - quiet);
  };
  if (Number.isFinite(ms)) timer = setTimeout(check, ms);
  return {
    touch: () => {
      last = Date.now();
    },
    stop: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
