import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Network } from '../../src/index.js';
import { CircuitBreaker, SiteAdmission, SiteHealth, TokenBucket, type BreakerState } from '../../src/internal.js';
import { FakeSite } from './network-fake-site.js';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, half-opens after the open period, closes on a good trial', () => {
    const changes: Array<[BreakerState, BreakerState, string]> = [];
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 10_000, onTransition: ({ from, to, reason }) => changes.push([from, to, reason]) });
    breaker.record(false, 'HTTP 503');
    breaker.record(false, 'HTTP 503');
    expect(breaker.state).toBe('closed');
    breaker.record(false, 'connection refused');
    expect(breaker.state).toBe('open');
    expect(breaker.allows).toBe(false);
    expect(breaker.tryAcquire()).toBe(false);

    vi.advanceTimersByTime(9_999);
    expect(breaker.state).toBe('open');
    vi.advanceTimersByTime(1);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false); // one trial at a time
    expect(breaker.allows).toBe(false);
    breaker.record(true, 'probe ok');
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual([
      ['closed', 'open', '3 consecutive failures (last: connection refused)'],
      ['open', 'half-open', 'open period over; next call is a trial'],
      ['half-open', 'closed', 'trial succeeded (probe ok)'],
    ]);
  });

  it('reopens for twice as long when the trial fails, up to the maximum', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1_000, maxOpenMs: 3_000 });
    breaker.record(false);
    expect(breaker.openUntil).toBe(Date.now() + 1_000);
    vi.advanceTimersByTime(1_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.record(false, 'still down');
    expect(breaker.state).toBe('open');
    expect(breaker.openUntil).toBe(Date.now() + 2_000);
    vi.advanceTimersByTime(2_000);
    breaker.record(false);
    expect(breaker.openUntil).toBe(Date.now() + 3_000); // 4 000 clamped to 3 000
    vi.advanceTimersByTime(2_999);
    expect(breaker.state).toBe('open');
    vi.advanceTimersByTime(1);
    breaker.record(true);
    expect(breaker.state).toBe('closed');
    // after closing, the next opening starts again from the first period
    breaker.record(false);
    expect(breaker.openUntil).toBe(Date.now() + 1_000);
  });

  it('opens on the error rate over its window even without a streak', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 100, errorRate: 0.5, window: 10, minimumCalls: 6 });
    for (const ok of [true, false, true, false, true]) breaker.record(ok);
    expect(breaker.state).toBe('closed'); // 5 calls: below minimumCalls
    breaker.record(false);
    expect(breaker.state).toBe('open'); // 3 of 6 failed
  });
});

describe('SiteHealth', () => {
  it('learns latency, throughput and queue wait as EWMAs and error rate from traffic', () => {
    const health = new SiteHealth({ alpha: 0.5, breaker: { failureThreshold: 2 } });
    expect(health.status).toBe('unknown');
    health.observeHttp({ type: 'response', method: 'GET', url: 'u', attempt: 1, status: 200, durationMs: 100 });
    health.observeHttp({ type: 'response', method: 'GET', url: 'u', attempt: 1, status: 404, durationMs: 300 });
    health.observeHttp({ type: 'response', method: 'GET', url: 'u', attempt: 1, status: 503, durationMs: 900 });
    health.observeHttp({ type: 'failure', method: 'GET', url: 'u', attempt: 1, durationMs: 5, reason: 'ECONNRESET' });
    health.observeTransfer(50e6, 1000);
    health.observeTransfer(10e6, 1000);
    health.observeQueueWait(40_000);
    expect(health.view()).toEqual({
      health: 'degraded', // half of the calls failed
      breaker: 'closed', // raw HTTP traffic does not trip the breaker
      errorRate: 0.5,
      recentFailures: 2,
      latencyMs: 200, // 100 then 300 (the 404 is the server answering); failures carry no latency
      throughputBytesPerSec: 30e6,
      queueWaitMs: 40_000,
    });
    health.observe('probe', false, undefined, 'timeout');
    health.observe('submit', false, undefined, 'HTTP 502');
    expect(health.view()).toMatchObject({ health: 'down', breaker: 'open' });
  });
});

describe('admission', () => {
  it('holds jobs beyond maxInFlight in a visible queue, in order', async () => {
    const admission = new SiteAdmission('small', 2);
    const first = await admission.admit('a');
    await admission.admit('b');
    const third = admission.admit('c');
    const fourth = admission.admit('d');
    expect(admission.snapshot()).toEqual({
      site: 'small',
      inFlight: 2,
      maxInFlight: 2,
      queue: [
        { jobId: 'c', since: Date.now(), cores: 1 },
        { jobId: 'd', since: Date.now(), cores: 1 },
      ],
    });
    first();
    first(); // releasing twice frees one slot only
    await third;
    expect(admission.snapshot().queue.map((q) => q.jobId)).toEqual(['d']);
    expect(admission.inFlight).toBe(2);
    const controller = new AbortController();
    const aborted = admission.admit('e', controller.signal);
    controller.abort();
    await expect(aborted).rejects.toThrow(/aborted/);
    expect(admission.snapshot().queue.map((q) => q.jobId)).toEqual(['d']);
    void fourth;
  });

  it('spaces submits to the site’s rate after the burst', async () => {
    const bucket = new TokenBucket({ perSecond: 2, burst: 2 });
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 500, 1000]);
    vi.advanceTimersByTime(1000); // the two reserved tokens are due now; the next is 500 ms away
    expect(bucket.delayMs()).toBe(500);
    vi.advanceTimersByTime(500);
    expect(bucket.delayMs()).toBe(0);

    const admission = new SiteAdmission('rated', undefined, { perSecond: 1, burst: 1 });
    const admitted: string[] = [];
    await admission.admit('a').then(() => admitted.push('a'));
    const b = admission.admit('b').then(() => admitted.push('b'));
    await vi.advanceTimersByTimeAsync(999);
    expect(admitted).toEqual(['a']);
    expect(admission.snapshot().queue.map((q) => q.jobId)).toEqual(['b']);
    await vi.advanceTimersByTimeAsync(1);
    await b;
    expect(admitted).toEqual(['a', 'b']);
  });
});

describe('active probes', () => {
  it('probe each site about every interval, jittered, until stopped, and open the breaker of a dead one', async () => {
    const up = new FakeSite('up');
    const dead = new FakeSite('dead');
    dead.down = true;
    const network = await Network.create(
      {
        seed: 'probes',
        health: { probeIntervalMs: 10_000, probeJitter: 0.2, breaker: { failureThreshold: 3, openMs: 600_000 } },
        sites: [
          { id: 'up', kind: 'pulsar-rest', url: 'https://up.example.org' },
          { id: 'dead', kind: 'pulsar-rest', url: 'https://dead.example.org' },
        ],
      },
      { sites: { up, dead }, probes: false },
    );
    const start = Date.now();
    network.startProbes();
    await vi.advanceTimersByTimeAsync(100_000);
    network.stopProbes();
    const gaps = up.probes.map((t, i) => t - (i === 0 ? start : (up.probes[i - 1] ?? 0)));
    expect(up.probes.length).toBeGreaterThanOrEqual(8); // 100 s at one probe per 8 to 12 s
    expect(up.probes.length).toBeLessThanOrEqual(12);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(8_000);
      expect(gap).toBeLessThanOrEqual(12_000);
    }
    expect(new Set(gaps).size).toBeGreaterThan(1); // jittered, not a fixed period
    expect(network.sites().map((s) => [s.site.id, s.live.health, s.live.breaker])).toEqual([
      ['up', 'healthy', 'closed'],
      ['dead', 'unreachable', 'open'],
    ]);
    const count = up.probes.length;
    await vi.advanceTimersByTimeAsync(100_000);
    expect(up.probes.length).toBe(count);
  });
});
