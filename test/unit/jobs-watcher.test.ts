import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SiteWatcher, watcherFor, type SiteJobStatus } from '../../src/index.js';
import { FakeSite } from './jobs-fake-site.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function watchMany(watcher: SiteWatcher, site: FakeSite, n: number): { seen: Map<string, SiteJobStatus[]>; stops: Array<() => void> } {
  const seen = new Map<string, SiteJobStatus[]>();
  const stops: Array<() => void> = [];
  for (let i = 0; i < n; i++) {
    const id = `job-${i}`;
    site.set(id, 'queued');
    seen.set(id, []);
    stops.push(watcher.watch(id, { status: (s) => seen.get(id)!.push(s) }));
  }
  return { seen, stops };
}

describe('SiteWatcher', () => {
  it('polls 1000 jobs with one poll call per cycle', async () => {
    const site = new FakeSite();
    const watcher = new SiteWatcher(site, { minIntervalMs: 1000, maxIntervalMs: 8000, jitter: 0 });
    const { seen } = watchMany(watcher, site, 1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(site.calls.poll).toBe(1);
    expect(site.polled[0]).toHaveLength(1000);
    expect([...seen.values()].every((list) => list.length === 1)).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    for (const ids of site.polled) expect(ids).toHaveLength(1000);
    expect(watcher.polls).toBe(site.calls.poll);
  });

  it('backs off while nothing changes and goes back to the minimum after a change', async () => {
    const site = new FakeSite();
    const watcher = new SiteWatcher(site, { minIntervalMs: 100, maxIntervalMs: 1000, backoff: 2, jitter: 0 });
    watchMany(watcher, site, 3);
    const pollTimes: number[] = [];
    const start = Date.now();
    const original = site.poll.bind(site);
    site.poll = async (ids) => {
      pollTimes.push(Date.now() - start);
      return original(ids);
    };
    await vi.advanceTimersByTimeAsync(100); // first poll: new jobs are news
    await vi.advanceTimersByTimeAsync(100 + 200 + 400 + 800 + 1000 + 1000);
    expect(pollTimes).toEqual([100, 200, 400, 800, 1600, 2600, 3600]);
    site.set('job-1', 'running');
    await vi.advanceTimersByTimeAsync(1000); // the poll that sees the change
    await vi.advanceTimersByTimeAsync(100); // right after it: the minimum again
    expect(pollTimes.slice(-2)).toEqual([4600, 4700]);
    expect(watcher.intervalMs).toBe(200);
  });

  it('spreads each delay by the jitter, within its bounds', async () => {
    for (const [random, expected] of [
      [0, 800],
      [0.5, 1000],
      [0.999999, 1200],
    ] as const) {
      const site = new FakeSite();
      const watcher = new SiteWatcher(site, { minIntervalMs: 1000, jitter: 0.2, random: () => random });
      watchMany(watcher, site, 1);
      await vi.advanceTimersByTimeAsync(expected - 1);
      expect(site.calls.poll).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(site.calls.poll).toBe(1);
      watcher.close();
    }
  });

  it('tells every job when a poll fails, backs off, and goes on', async () => {
    const site = new FakeSite();
    site.pollError = new Error('HTTP 503');
    const watcher = new SiteWatcher(site, { minIntervalMs: 100, maxIntervalMs: 400, backoff: 2, jitter: 0 });
    const errors: string[] = [];
    site.set('a', 'queued');
    watcher.watch('a', { status: () => undefined, error: (e) => errors.push(e.message) });
    await vi.advanceTimersByTimeAsync(100 + 200 + 400);
    expect(errors).toEqual(['HTTP 503', 'HTTP 503', 'HTTP 503']);
    site.pollError = undefined;
    const statuses: string[] = [];
    watcher.watch('a', { status: (s) => statuses.push(s.state) });
    await vi.advanceTimersByTimeAsync(100);
    expect(statuses).toEqual(['queued']);
  });

  it('stops polling when it watches nothing, and starts again for a new job', async () => {
    const site = new FakeSite();
    const watcher = new SiteWatcher(site, { minIntervalMs: 100, jitter: 0 });
    const { stops } = watchMany(watcher, site, 2);
    await vi.advanceTimersByTimeAsync(100);
    for (const stop of stops) stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(site.calls.poll).toBe(1);
    expect(site.subscribed).toBe(false);
    watchMany(watcher, site, 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(site.calls.poll).toBe(2);
  });

  it('polls at once when the site hints at a change of a watched job', async () => {
    const site = new FakeSite();
    const watcher = new SiteWatcher(site, { minIntervalMs: 1000, maxIntervalMs: 30_000, jitter: 0 });
    const { seen } = watchMany(watcher, site, 1);
    await vi.advanceTimersByTimeAsync(1000 + 1500 + 2250);
    const before = site.calls.poll;
    site.set('job-0', 'running', 'RUNNING', true);
    await vi.advanceTimersByTimeAsync(0);
    expect(site.calls.poll).toBe(before + 1);
    expect(seen.get('job-0')!.at(-1)?.state).toBe('running');
    site.set('other', 'running', 'RUNNING', true);
    await vi.advanceTimersByTimeAsync(0);
    expect(site.calls.poll).toBe(before + 1);
  });

  it('watcherFor gives one watcher per site', () => {
    const a = new FakeSite('a');
    const b = new FakeSite('b');
    expect(watcherFor(a)).toBe(watcherFor(a, { minIntervalMs: 5 }));
    expect(watcherFor(a)).not.toBe(watcherFor(b));
  });
});
