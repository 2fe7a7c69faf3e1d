import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SitePoller, type SiteJobStatus } from '../../src/internal.js';
import { FakeSite } from './jobs-fake-site.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function watchMany(poller: SitePoller, site: FakeSite, n: number): { seen: Map<string, SiteJobStatus[]>; stops: Array<() => void> } {
  const seen = new Map<string, SiteJobStatus[]>();
  const stops: Array<() => void> = [];
  for (let i = 0; i < n; i++) {
    const id = `job-${i}`;
    site.set(id, 'queued');
    seen.set(id, []);
    stops.push(poller.watch(id, { status: (s) => seen.get(id)!.push(s) }));
  }
  return { seen, stops };
}

describe('SitePoller', () => {
  it('polls 1000 jobs with one poll call per cycle', async () => {
    const site = new FakeSite();
    const poller = new SitePoller(site, { minIntervalMs: 1000, maxIntervalMs: 8000, jitter: 0 });
    const { seen } = watchMany(poller, site, 1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(site.calls.poll).toBe(1);
    expect(site.polled[0]).toHaveLength(1000);
    expect([...seen.values()].every((list) => list.length === 1)).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    for (const ids of site.polled) expect(ids).toHaveLength(1000);
    expect(poller.polls).toBe(site.calls.poll);
  });

  it('backs off while nothing changes and goes back to the minimum after a change', async () => {
    const site = new FakeSite();
    const poller = new SitePoller(site, { minIntervalMs: 100, maxIntervalMs: 1000, backoff: 2, jitter: 0 });
    watchMany(poller, site, 3);
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
    expect(poller.intervalMs).toBe(200);
  });

  it('spreads each delay by the jitter, within its bounds', async () => {
    for (const [random, expected] of [
      [0, 800],
      [0.5, 1000],
      [0.999999, 1200],
    ] as const) {
      const site = new FakeSite();
      const poller = new SitePoller(site, { minIntervalMs: 1000, jitter: 0.2, random: () => random });
      watchMany(poller, site, 1);
      await vi.advanceTimersByTimeAsync(expected - 1);
      expect(site.calls.poll).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(site.calls.poll).toBe(1);
      poller.close();
    }
  });

  it('tells every job when a poll fails, backs off, and goes on', async () => {
    const site = new FakeSite();
    site.pollError = new Error('HTTP 503');
    const poller = new SitePoller(site, { minIntervalMs: 100, maxIntervalMs: 400, backoff: 2, jitter: 0 });
    const errors: string[] = [];
    site.set('a', 'queued');
    poller.watch('a', { status: () => undefined, error: (e) => errors.push(e.message) });
    await vi.advanceTimersByTimeAsync(100 + 200 + 400);
    expect(errors).toEqual(['HTTP 503', 'HTTP 503', 'HTTP 503']);
    site.pollError = undefined;
    const statuses: string[] = [];
    poller.watch('a', { status: (s) => statuses.push(s.state) });
    await vi.advanceTimersByTimeAsync(100);
    expect(statuses).toEqual(['queued']);
  });

  it('stops polling when it watches nothing, and starts again for a new job', async () => {
    const site = new FakeSite();
    const poller = new SitePoller(site, { minIntervalMs: 100, jitter: 0 });
    const { stops } = watchMany(poller, site, 2);
    await vi.advanceTimersByTimeAsync(100);
    for (const stop of stops) stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(site.calls.poll).toBe(1);
    expect(site.subscribed).toBe(false);
    watchMany(poller, site, 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(site.calls.poll).toBe(2);
  });

  it('polls at once when the site hints at a change of a watched job', async () => {
    const site = new FakeSite();
    const poller = new SitePoller(site, { minIntervalMs: 1000, maxIntervalMs: 30_000, jitter: 0 });
    const { seen } = watchMany(poller, site, 1);
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

  it('announces a silent job once, then calls it lost, counting from when the first unanswered poll was sent', async () => {
    let clock = 0;
    const site = new FakeSite();
    site.set('a', 'running');
    const poller = new SitePoller(site, { minIntervalMs: 100, maxIntervalMs: 100, jitter: 0, silentAfterMs: 1_000, lostAfterMs: 3_000, now: () => clock });
    const events: string[] = [];
    poller.watch('a', { status: (s) => events.push(s.state), silent: (forMs, why) => events.push(`silent ${forMs}: ${why}`), lost: (s) => events.push(`lost: ${s.siteState}`) });
    await vi.advanceTimersByTimeAsync(100);
    const poll = site.poll.bind(site);
    site.poll = async (ids) => {
      clock += 2_000; // the HTTP layer retried for two seconds before giving up
      return poll(ids).then(() => Promise.reject(new Error('connection refused')));
    };
    await vi.advanceTimersByTimeAsync(100); // sent at 0, failed at 2000: silent for 2000 ms
    await vi.advanceTimersByTimeAsync(100); // sent at 2000, failed at 4000: lost (4000 ms)
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toEqual(['running', 'silent 2000: connection refused', 'lost: not reported for 4000 ms: connection refused']);
    expect(poller.size).toBe(0);
  });

  it('starts the silence over whenever the site reports the job again', async () => {
    const site = new FakeSite();
    site.set('a', 'running');
    const poller = new SitePoller(site, { minIntervalMs: 100, maxIntervalMs: 100, jitter: 0, silentAfterMs: 150, lostAfterMs: 300 });
    const events: string[] = [];
    poller.watch('a', { status: () => undefined, silent: () => events.push('silent'), lost: () => events.push('lost') });
    for (let i = 0; i < 10; i++) {
      site.pollError = new Error('flaky');
      await vi.advanceTimersByTimeAsync(200);
      site.pollError = undefined;
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(events).toEqual([]);
    site.jobs.delete('a'); // answers, but without the job
    await vi.advanceTimersByTimeAsync(500);
    expect(events).toEqual(['silent', 'lost']);
  });
});

describe('SitePoller under a stream of new jobs', () => {
  it('polls within minIntervalMs of the first new job, however many follow', async () => {
    const site = new FakeSite();
    const poller = new SitePoller(site, { minIntervalMs: 100, jitter: 0.2, random: () => 0.99 });
    for (let i = 0; i < 20; i++) {
      site.set(`job-${i}`, 'queued');
      poller.watch(`job-${i}`, { status: () => undefined });
      await vi.advanceTimersByTimeAsync(10);
    }
    // 200 ms of arrivals every 10 ms: the first poll came after at most 120 ms (100 ms +20 % jitter), not after the last arrival
    expect(site.calls.poll).toBeGreaterThanOrEqual(1);
    expect(site.polled[0]?.length).toBeLessThan(20);
    poller.close();
  });
});

describe('SitePoller on a slow site', () => {
  it('rests after a long cycle so polling takes at most maxBusyShare of the time, new jobs included', async () => {
    const site = new FakeSite();
    const poller = new SitePoller(site, { minIntervalMs: 100, maxIntervalMs: 100, jitter: 0, maxBusyShare: 0.25 });
    const sent: number[] = [];
    const start = Date.now();
    const poll = site.poll.bind(site);
    site.poll = async (ids) => {
      sent.push(Date.now() - start);
      await new Promise((r) => setTimeout(r, 300)); // a cycle of 300 ms: the next comes 900 ms after it
      return poll(ids);
    };
    site.set('a', 'queued');
    poller.watch('a', { status: () => undefined });
    await vi.advanceTimersByTimeAsync(500);
    site.set('b', 'queued');
    poller.watch('b', { status: () => undefined }); // a new job does not cut the rest short
    await vi.advanceTimersByTimeAsync(2500);
    expect(sent.slice(0, 3)).toEqual([100, 1300, 2500]);
    poller.close();
  });
});
