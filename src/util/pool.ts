/**
 * A bounded pool: work over a list, a few items at once.
 * @module
 */
import { anySignal, throwIfAborted } from './abort.js';

/**
 * Runs `work` over `items`, at most `limit` at once, started in order. The
 * first failure aborts the signal the other items were given, and is thrown
 * once every started item has settled: nothing keeps running behind the
 * caller. An abort of `signal` reaches every item.
 */
export async function eachAtMost<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  work: (item: T, index: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const shared = anySignal([signal, stop.signal]) as AbortSignal;
  let next = 0;
  let failed = false;
  let first: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        throwIfAborted(shared);
        await work(items[index] as T, index, shared);
      } catch (error) {
        if (!failed) {
          failed = true;
          first = error;
          stop.abort(error);
        }
      }
    }
  };
  const workers = Math.max(1, Math.min(Number.isFinite(limit) ? Math.floor(limit) : items.length, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failed) throw first;
}
