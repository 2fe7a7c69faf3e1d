import { describe, expect, it } from 'vitest';
import type { TransferProgress } from '../../src/index.js';
import { ProgressReporter } from '../../src/internal.js';

function reporter(intervalMs = 100) {
  let now = 0;
  const events: TransferProgress[] = [];
  const progress = new ProgressReporter((p) => events.push(p), { file: 'a.bin', direction: 'down', intervalMs, now: () => now });
  return { progress, events, advance: (ms: number) => (now += ms) };
}

describe('ProgressReporter', () => {
  it('reports at most once per interval and always sends one final report', () => {
    const { progress, events, advance } = reporter(100);
    for (let i = 1; i <= 50; i++) {
      progress.update(i * 10, 500);
      advance(10);
    }
    progress.finish(500, 500);
    progress.finish(500, 500);
    expect(events.filter((e) => !e.done)).toHaveLength(5);
    expect(events.at(-1)).toEqual({ direction: 'down', file: 'a.bin', bytesDone: 500, bytesTotal: 500, done: true });
    expect(events.filter((e) => e.done)).toHaveLength(1);
  });

  it('sends the final report even when no update got through, and leaves bytesTotal out when unknown', () => {
    const { progress, events } = reporter(1000);
    progress.update(1);
    progress.update(2);
    progress.finish(2);
    expect(events).toEqual([
      { direction: 'down', file: 'a.bin', bytesDone: 1, done: false },
      { direction: 'down', file: 'a.bin', bytesDone: 2, done: true },
    ]);
  });

  it('ignores updates after the final report and listeners that throw', () => {
    let calls = 0;
    const progress = new ProgressReporter(
      () => {
        calls++;
        throw new Error('listener bug');
      },
      { file: 'x', direction: 'up' },
    );
    expect(() => progress.update(1)).not.toThrow();
    expect(() => progress.finish(1)).not.toThrow();
    progress.update(2);
    expect(calls).toBe(2);
  });
});
