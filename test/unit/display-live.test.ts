/**
 * displayLive: one display, updated in place (same display_id, `update: true`)
 * as the job changes; outside a Jupyter kernel it only waits for the result.
 */
import { describe, expect, it } from 'vitest';
import { createJob, displayLive, installJupyterDisplays, kernelDisplay, type MimeBundle } from '../../src/internal.js';

// What the Node entry does when it is imported (src/node.ts).
installJupyterDisplays();

describe('displayLive', () => {
  it('shows the job once, then updates that display on each change, ending with the final state', async () => {
    const calls: Array<{ bundle: MimeBundle; options: { display_id: string; update?: boolean; raw: true } }> = [];
    const { job, control } = createJob({ id: 'live-1' });
    const done = displayLive(job, { display: async (bundle, options) => void calls.push({ bundle, options }), intervalMs: 0 });
    await new Promise((r) => setTimeout(r, 5));
    control.bind('site-1', 'r1');
    control.update({ state: 'running' });
    control.transfer({ direction: 'down', file: 'out.txt', bytesDone: 5, bytesTotal: 10, done: false });
    await new Promise((r) => setTimeout(r, 5));
    control.finish({ state: 'complete', executors: [{ exitCode: 0 }], outputs: [] });
    expect((await done).state).toBe('complete');
    const ids = new Set(calls.map((c) => c.options.display_id));
    expect(ids.size).toBe(1);
    expect(calls[0]?.options.update).toBeUndefined();
    expect(calls.slice(1).every((c) => c.options.update === true)).toBe(true);
    expect(calls.some((c) => c.bundle['text/html']?.includes('5 B of 10 B (50%)'))).toBe(true);
    expect(calls.at(-1)?.bundle['text/html']).toContain('complete on site-1 (r1)');
  });

  it('redraws a job of many files at most once per interval, and shows the last file before the end', async () => {
    const calls: MimeBundle[] = [];
    const { job, control } = createJob({ id: 'live-many' });
    const done = displayLive(job, { display: async (bundle) => void calls.push(bundle), intervalMs: 60_000 });
    await new Promise((r) => setTimeout(r, 5));
    for (let k = 0; k < 1000; k++) control.transfer({ direction: 'down', file: `f${k}.txt`, bytesDone: 1, bytesTotal: 1, done: true });
    await new Promise((r) => setTimeout(r, 5));
    control.finish({ state: 'complete', executors: [{ exitCode: 0 }], outputs: [] });
    await done;
    // The first show, one redraw for the first file, the end (state and done), the final show: not one per file.
    expect(calls.length).toBeLessThan(10);
    expect(calls.at(-1)?.['text/html']).toContain('f999.txt');
  });

  it('outside a notebook finds no kernel and only waits for the result', async () => {
    expect(kernelDisplay()).toBeUndefined();
    const { job, control } = createJob();
    control.finish({ state: 'executor_error', executors: [{ exitCode: 3 }] });
    expect((await displayLive(job)).exitCodes).toEqual([3]);
  });
});
