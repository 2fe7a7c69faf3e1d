/**
 * Small helpers for AbortSignal plumbing that work on Node, Deno and browsers.
 * @module
 */
import { AbortError } from '../errors.js';

/** Throws {@link AbortError} when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new AbortError(what, { cause: signal.reason });
}

/** Sleeps for `ms`, rejecting with {@link AbortError} as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal, what = 'wait'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(what, { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError(what, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `promise`, unless `signal` aborts first: then {@link AbortError}. Only the
 * waiting stops; the work behind the promise goes on.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new AbortError(what, { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError(what, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Combines signals: the result aborts when any of them does. */
export function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}

/**
 * An AbortController that aborts itself after `ms` with a marker reason, so
 * callers can tell a timeout from a user abort. `clear()` must be called.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly expired: () => boolean;
  readonly clear: () => void;
}

/** Starts a deadline; `ms` of `undefined` or `Infinity` never fires. */
export function deadline(ms: number | undefined): Deadline {
  const controller = new AbortController();
  let fired = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (ms !== undefined && Number.isFinite(ms)) {
    timer = setTimeout(() => {
      fired = true;
      controller.abort(new Error('deadline'));
    }, Math.max(0, ms));
  }
  return {
    signal: controller.signal,
    expired: () => fired,
    clear: () => {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/**
 * Runs `call` with a signal of its own that aborts after `ms`, and swallows
 * its failure: for clean-up after a failure or an abort, which must neither
 * inherit the caller's (perhaps aborted) signal nor hold up what follows.
 */
export async function bestEffort(ms: number, call: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const limit = deadline(ms);
  try {
    await call(limit.signal);
  } catch {
    // best effort: what it was to remove stays
  } finally {
    limit.clear();
  }
}
