/**
 * Reporting a listener's exception without letting it disturb the caller.
 * @module
 */

/** Calls `fn`; an exception it throws is thrown again on a later microtask, as `EventTarget` reports listener errors. */
export function rethrowLater(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
