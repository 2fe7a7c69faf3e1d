import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, batchedWatcher, followStatus, submitJob, type SiteJobStatus } from '../../src/index.js';
import { FakeSite, SPEC } from './jobs-fake-site.js';

const POLL = { minIntervalMs: 100, maxIntervalMs: 100, jitter: 0 };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('followStatus', () => {
  it('reports each change once and resolves with the terminal status', async () => {
    const site = new FakeSite();
    site.set('a', 'queued');
    const seen: string[] = [];
    const final = followStatus(site, 'a', (s) => seen.push(`${s.state}/${s.siteState}`), { poll: POLL });
    await vi.advanceTimersByTimeAsync(300);
    site.set('a', 'running', 'RUNNING');
    await vi.advanceTimersByTimeAsync(300);
    site.set('a', 'running', 'postprocessing');
    await vi.advanceTimersByTimeAsync(100);
    site.set('a', 'complete', 'COMPLETE');
    await vi.advanceTimersByTimeAsync(100);
    await expect(final).resolves.toMatchObject({ state: 'complete' });
    expect(seen).toEqual(['queued/QUEUED', 'running/RUNNING', 'running/postprocessing', 'complete/COMPLETE']);
  });

  it('calls a job lost when the site stops reporting it for lostAfterMs', async () => {
    const site = new FakeSite();
    site.set('a', 'running');
    const problems: string[] = [];
    const final = followStatus(site, 'a', () => undefined, { poll: POLL, lostAfterMs: 1000, onError: (e) => problems.push(e.message) });
    await vi.advanceTimersByTimeAsync(100);
    site.pollError = new Error('HTTP 502');
    await vi.advanceTimersByTimeAsync(500);
    site.pollError = undefined;
    site.jobs.delete('a');
    let settled: SiteJobStatus | undefined;
    void final.then((s) => (settled = s));
    await vi.advanceTimersByTimeAsync(400);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(200);
    expect(settled).toMatchObject({ state: 'lost', siteState: expect.stringMatching(/^not reported for \d+ ms: the site does not report the job$/) });
    expect(problems).toEqual(['HTTP 502', 'HTTP 502', 'HTTP 502', 'HTTP 502', 'HTTP 502']);
  });

  it('starts the silence over whenever the site reports the job again', async () => {
    const site = new FakeSite();
    site.set('a', 'running');
    let settled = false;
    void followStatus(site, 'a', () => undefined, { poll: POLL, lostAfterMs: 300 }).then(() => (settled = true));
    for (let i = 0; i < 10; i++) {
      site.pollError = new Error('flaky');
      await vi.advanceTimersByTimeAsync(200);
      site.pollError = undefined;
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(settled).toBe(false);
  });

  it('rejects with AbortError on abort and stops watching', async () => {
    const site = new FakeSite();
    site.set('a', 'running');
    const controller = new AbortController();
    const final = followStatus(site, 'a', () => undefined, { poll: POLL, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    await expect(final).rejects.toBeInstanceOf(AbortError);
    const polls = site.calls.poll;
    await vi.advanceTimersByTimeAsync(1000);
    expect(site.calls.poll).toBe(polls);
  });

  it('batchedWatcher follows many jobs of a site with one poll per cycle', async () => {
    const site = new FakeSite();
    const watcher = batchedWatcher({ poll: POLL });
    const controller = new AbortController();
    const finals = ['a', 'b', 'c'].map((id) => {
      site.set(id, 'running');
      return watcher.follow(site, id, () => undefined, controller.signal);
    });
    await vi.advanceTimersByTimeAsync(300);
    expect(site.polled).toEqual([['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']]);
    for (const id of ['a', 'b', 'c']) site.set(id, 'complete');
    await vi.advanceTimersByTimeAsync(100);
    expect((await Promise.all(finals)).map((s) => s.state)).toEqual(['complete', 'complete', 'complete']);
  });

  it('a job submitted with submitJob that its site forgets ends lost', async () => {
    const site = new FakeSite();
    const job = submitJob(site, SPEC, { poll: POLL, lostAfterMs: 500 });
    await vi.advanceTimersByTimeAsync(100);
    site.jobs.clear();
    await vi.advanceTimersByTimeAsync(700);
    const result = await job.wait();
    expect(result.state).toBe('lost');
    expect(result.logs.system[0]).toMatch(/not reported/);
    expect(site.calls.collect).toBe(0);
  });
});
