import { describe, expect, it } from 'vitest';
import { AbortError } from '../../src/index.js';
import { eachAtMost } from '../../src/util/pool.js';

const tick = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

describe('eachAtMost', () => {
  it('runs every item, never more than the limit at once, started in order', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await eachAtMost([5, 1, 4, 2, 3, 1, 2], 3, undefined, async (ms, i) => {
      started.push(i);
      most = Math.max(most, ++running);
      await tick(ms);
      running--;
    });
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
  });

  it('stops the others at the first failure and throws it once they settled', async () => {
    const settled: number[] = [];
    const failure = new Error('upload 1 failed');
    const run = eachAtMost([0, 1, 2, 3, 4], 3, undefined, async (i, _, signal) => {
      try {
        if (i === 1) throw failure;
        await tick(1000, signal);
      } finally {
        settled.push(i);
      }
    });
    await expect(run).rejects.toBe(failure);
    // Items 0 and 2 were running and were aborted; 3 and 4 never started.
    expect(settled.sort()).toEqual([0, 1, 2]);
  });

  it('passes an abort of the caller to every item', async () => {
    const controller = new AbortController();
    const seen: unknown[] = [];
    const run = eachAtMost([0, 1], 2, controller.signal, async (_, __, signal) => {
      await tick(1000, signal).catch((error: unknown) => {
        seen.push(error);
        throw new AbortError('stopped', { cause: error });
      });
    });
    controller.abort(new Error('caller'));
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(seen).toHaveLength(2);
  });
});
