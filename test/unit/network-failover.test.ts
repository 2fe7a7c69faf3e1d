import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, ConnectionError, HttpError, Network, NoEligibleSiteError, pinned, type JobSpec, type NetworkConfig, type NetworkOptions, type NetworkSubmitOptions, type SiteSelector } from '../../src/index.js';
import { isStuck, type JobSiteEvent } from '../../src/internal.js';
import { ended, fastEngine, FakeSite } from './network-fake-site.js';

const SPEC: JobSpec = { name: 'hello', executors: [{ image: 'alpine', command: ['echo', 'hi'] }] };

function config(ids: string[], failover: NetworkConfig['failover'] = {}): NetworkConfig {
  return {
    seed: 'failover-tests',
    failover: { maxAttempts: 3, backoff: { minDelay: 1, maxDelay: 2 }, ...failover },
    health: { breaker: { failureThreshold: 3, openMs: 60_000 } },
    sites: ids.map((id) => ({ id, kind: 'pulsar-rest', url: `https://${id}.example.org` })),
  };
}

let ids = 0;
async function network(sites: FakeSite[], failover: NetworkConfig['failover'] = {}, options: NetworkOptions = {}): Promise<Network> {
  return Network.create(config(sites.map((s) => s.id), failover), {
    sites: Object.fromEntries(sites.map((s) => [s.id, s])),
    strategy: pinned(...sites.map((s) => s.id)),
    engine: fastEngine(),
    newId: () => `job-${++ids}`,
    // these tests drive failover on a fixed ranking: no probes at create to reorder it
    probes: false,
    ...options,
  });
}

/** Submits SPEC through the network and waits for its end. */
async function runOn(net: Network | Promise<Network>, options: NetworkSubmitOptions = {}): ReturnType<typeof ended> {
  const n = await net;
  return ended(n, n.submit(SPEC, options));
}

beforeEach(() => {
  FakeSite.completions.clear();
});

describe('failover', () => {
  it('moves a job that ended in system_error to the next ranked site', async () => {
    const a = new FakeSite('a', () => ({ states: ['queued', 'running', 'system_error'] }));
    const b = new FakeSite('b');
    const net = await network([a, b]);
    const failovers: JobSiteEvent[] = [];
    const states: string[] = [];
    let site = '';
    net.on('site', (e) => {
      if (e.action === 'submitted') site = e.siteId;
      if (e.action === 'failover') failovers.push(e);
    });
    net.on('state', ({ state }) => states.push(`${site}:${state}`));
    const result = await ended(net, net.submit(SPEC, { id: 'j1' }));
    // a's system_error is not the job's ending: no state event for it, a failover event instead
    // (b's queued and running do not move the job back: it was running on a)
    expect(states).toEqual(['a:running', 'b:complete']);
    expect(result).toMatchObject({ state: 'complete', site: 'b', remoteId: 'b-1' });
    expect(result.record.attempts.map((t) => [t.site, t.idempotencyKey, t.ending])).toEqual([
      ['a', 'j1:a:1', 'system_error'],
      ['b', 'j1:b:1', 'complete'],
    ]);
    expect(result.record.failovers).toEqual([{ from: 'a', to: 'b', cause: 'system_error', at: expect.any(String), delayMs: expect.any(Number) }]);
    expect(failovers).toEqual([
      {
        type: 'site',
        jobId: 'j1',
        time: expect.any(Number),
        action: 'failover',
        siteId: 'a',
        remoteId: 'a-1',
        reason: 'system_error',
        detail: { from: 'a', to: 'b', cause: 'system_error', at: expect.any(String), delayMs: expect.any(Number) },
      },
    ]);
    expect(result.record.outcome).toEqual({ state: 'complete', site: 'b' });
  });

  it('does not move a job whose command failed (executor_error)', async () => {
    const a = new FakeSite('a', () => ({ states: ['queued', 'running', 'executor_error'] }));
    const b = new FakeSite('b');
    const result = await runOn(network([a, b]));
    expect(result).toMatchObject({ state: 'executor_error', site: 'a' });
    expect(result.record.failovers).toEqual([]);
    expect(b.submits).toEqual([]);
  });

  it('moves on when a site refuses or fails the submit, and records why', async () => {
    const refusing = new FakeSite('refusing', () => ({ refuse: HttpError.from({ status: 403, method: 'POST', url: 'https://refusing.example.org/jobs' }) }));
    const failing = new FakeSite('failing', () => ({ refuse: new ConnectionError({ method: 'POST', url: 'https://failing.example.org/jobs', mayHaveBeenSent: false, reason: 'ECONNREFUSED' }) }));
    const good = new FakeSite('good');
    const result = await runOn(network([refusing, failing, good]));
    expect(result.site).toBe('good');
    expect(result.record.attempts.map((t) => [t.site, t.ending, t.cause])).toEqual([
      ['refusing', 'refused', 'refused: HTTP 403'],
      ['failing', 'failed', 'failed: POST https://failing.example.org/jobs failed: ECONNREFUSED'],
      ['good', 'complete', undefined],
    ]);
    expect(result.record.failovers.map((f) => [f.from, f.to])).toEqual([
      ['refusing', 'failing'],
      ['failing', 'good'],
    ]);
  });

  it('declares a job lost when its site goes silent, asks it to cancel, and runs it elsewhere', async () => {
    const a = new FakeSite('a', () => ({ states: ['queued', 'running'], thenUnreachable: true }));
    const b = new FakeSite('b');
    const result = await runOn(network([a, b]), { id: 'lost-1' });
    expect(result).toMatchObject({ state: 'complete', site: 'b' });
    const [first] = result.record.attempts;
    expect(first).toMatchObject({ site: 'a', ending: 'lost', cancel: 'requested' });
    expect(a.cancels).toEqual(['a-1']);
    expect(result.record.failovers[0]).toMatchObject({ from: 'a', to: 'b', cause: 'lost' });
  });

  it('waits for an open circuit breaker when every site left is behind one, without using up a try', async () => {
    let net: Network | undefined;
    const b = new FakeSite('b');
    const a = new FakeSite('a', () => {
      // while a refuses the job, b's breaker opens (its probe fails), then b recovers
      b.down = true;
      void net?.probe('b').then(() => {
        b.down = false;
      });
      return { refuse: HttpError.from({ status: 403, method: 'POST', url: 'https://a/jobs' }) };
    });
    net = await Network.create(
      { ...config(['a', 'b'], { maxAttempts: 2, backoff: { minDelay: 5, maxDelay: 5 } }), health: { breaker: { failureThreshold: 1, openMs: 50 } } },
      { sites: { a, b }, strategy: pinned('a', 'b'), engine: fastEngine(300_000) },
    );
    const breaker: string[] = [];
    net.on('breaker', ({ site, to }) => breaker.push(`${site}:${to}`));
    const result = await ended(net, net.submit(SPEC));
    expect(result).toMatchObject({ state: 'complete', site: 'b' });
    expect(breaker).toEqual(['b:open', 'b:half-open', 'b:closed']);
    expect(result.record.attempts.map((t) => [t.site, t.ending])).toEqual([
      ['a', 'refused'],
      ['b', 'complete'],
    ]);
    expect(result.record.failovers.map((f) => [f.from, f.to])).toEqual([['a', 'b']]);
  });

  it('records when an attempt ended because the circuit breaker of its site opened while the job waited for admission', async () => {
    const a = new FakeSite('a', () => ({ states: ['running', 'complete'] }));
    a.hold = true;
    const net = await Network.create(
      { ...config(['a', 'b']), defaults: { maxInFlight: 1 }, health: { breaker: { failureThreshold: 1, openMs: 60_000 } } },
      { sites: { a, b: new FakeSite('b') }, strategy: pinned('a', 'b'), engine: fastEngine(), probes: false },
    );
    const first = net.submit(SPEC, { id: 'first' });
    await vi.waitFor(() => expect(first.state).toBe('running'));
    const waiting = net.submit(SPEC, { id: 'waiting' });
    a.down = true;
    const result = await ended(net, waiting);
    expect(result).toMatchObject({ state: 'complete', site: 'b' });
    expect(result.record.attempts[0]).toEqual({ site: 'a', idempotencyKey: 'waiting:a:1', startedAt: expect.any(String), endedAt: expect.any(String), ending: 'failed', cause: 'circuit breaker open' });
    await first.wait();
  });

  it('cancels a job left on a site that went down as soon as the site answers again', async () => {
    const a = new FakeSite('a', () => ({ states: ['running', 'complete'] }));
    a.hold = true;
    const net = await network([a, new FakeSite('b')]);
    const job = net.submit(SPEC, { id: 'gone' });
    await vi.waitFor(() => expect(job.state).toBe('running'));
    a.down = true;
    const result = await ended(net, job);
    expect(result).toMatchObject({ state: 'complete', site: 'b' });
    expect(result.record.attempts[0]).toMatchObject({ site: 'a', ending: 'lost', cancel: 'pending' });
    expect(a.jobs.get('a-1')?.canceled).toBe(false);
    a.down = false;
    await net.probe('a');
    expect(a.jobs.get('a-1')?.canceled).toBe(true);
    expect(result.record.attempts[0]?.cancel).toBe('requested');
    expect(a.cancels).toEqual(['a-1', 'a-1']);
  });

  it('does not call a site behind an open breaker to cancel a job it lost there: the cancel waits for a probe', async () => {
    const a = new FakeSite('a', () => ({ states: ['running', 'complete'] }));
    a.hold = true;
    const net = await Network.create(
      { ...config(['a', 'b']), health: { breaker: { failureThreshold: 2, openMs: 60_000 } } },
      { sites: { a, b: new FakeSite('b') }, strategy: pinned('a', 'b'), engine: fastEngine(), probes: false },
    );
    const jobs = [net.submit(SPEC, { id: 'one' }), net.submit(SPEC, { id: 'two' })];
    await vi.waitFor(() => expect(jobs.map((j) => j.state)).toEqual(['running', 'running']));
    a.down = true;
    const results = await Promise.all(jobs.map((j) => ended(net, j)));
    expect(results.map((r) => [r.state, r.site])).toEqual([['complete', 'b'], ['complete', 'b']]);
    // the second loss opens a's breaker: only the first is canceled through the network at once
    expect(a.cancels).toHaveLength(1);
    expect(results.map((r) => r.record.attempts[0]?.cancel)).toEqual(['pending', 'pending']);
    a.down = false;
    await net.probe('a');
    expect([...a.jobs.values()].map((j) => j.canceled)).toEqual([true, true]);
    expect(results.map((r) => r.record.attempts[0]?.cancel)).toEqual(['requested', 'requested']);
  });

  it('probes a site holding pending cancels until they are sent, without startProbes, then stops', async () => {
    const a = new FakeSite('a', () => ({ states: ['running', 'complete'] }));
    a.hold = true;
    const net = await Network.create(
      { ...config(['a', 'b']), health: { probeIntervalMs: 5, probeJitter: 0, breaker: { failureThreshold: 3, openMs: 60_000 } } },
      { sites: { a, b: new FakeSite('b') }, strategy: pinned('a', 'b'), engine: fastEngine(), probes: false },
    );
    try {
      const job = net.submit(SPEC, { id: 'left' });
      await vi.waitFor(() => expect(job.state).toBe('running'));
      a.down = true;
      const result = await ended(net, job);
      expect(result.record.attempts[0]).toMatchObject({ site: 'a', ending: 'lost', cancel: 'pending' });
      a.down = false;
      await vi.waitFor(() => expect(result.record.attempts[0]?.cancel).toBe('requested'));
      expect(a.jobs.get('a-1')?.canceled).toBe(true);
      const probes = a.probes.length;
      await new Promise((r) => setTimeout(r, 50));
      expect(a.probes.length).toBeLessThanOrEqual(probes + 1);
    } finally {
      await net.close();
    }
  });

  it('asks once more with the same key when a submit may have reached the site, so one job exists', async () => {
    const a = new FakeSite('a');
    a.loseNextAnswers = 1;
    const b = new FakeSite('b');
    const result = await runOn(network([a, b]), { id: 'amb' });
    expect(result).toMatchObject({ state: 'complete', site: 'a', remoteId: 'a-1' });
    expect(a.submits).toEqual(['amb:a:1', 'amb:a:1']);
    expect(a.jobs.size).toBe(1);
    expect(b.submits).toEqual([]);
    expect(result.record.attempts).toEqual([expect.objectContaining({ site: 'a', ambiguous: true, remoteId: 'a-1', ending: 'complete' })]);
  });

  it('cancels the job a failed ambiguous submit may have made, once the site answers again', async () => {
    // a makes the job, its answer is lost, and a goes down before the submit is sent again
    const a: FakeSite = new FakeSite('a', () => {
      a.down = true;
      return { states: ['queued', 'running', 'complete'] };
    });
    a.loseNextAnswers = 1;
    const net = await network([a, new FakeSite('b')]);
    const result = await ended(net, net.submit(SPEC, { id: 'amb-down' }));
    expect(result).toMatchObject({ state: 'complete', site: 'b' });
    expect(result.record.attempts[0]).toMatchObject({ site: 'a', ending: 'failed', ambiguous: true, cancel: 'pending' });
    expect(a.jobs.get('a-1')?.canceled).toBe(false);
    a.down = false;
    await net.probe('a');
    expect(a.jobs.get('a-1')?.canceled).toBe(true);
    expect(result.record.attempts[0]?.cancel).toBe('requested');
  });

  it('drops the pending cancel of an ambiguous submit when the site made no job', async () => {
    const a = new FakeSite('a');
    a.down = true;
    const net = await network([a, new FakeSite('b')]);
    const result = await ended(net, net.submit(SPEC, { id: 'amb-none' }));
    expect(result.record.attempts[0]).toMatchObject({ site: 'a', ending: 'failed', ambiguous: true, cancel: 'pending' });
    a.down = false;
    await net.probe('a');
    expect(result.record.attempts[0]?.cancel).toBeUndefined();
    expect(a.cancels).toEqual([]);
  });

  it('moves preempted jobs', async () => {
    const a = new FakeSite('a', () => ({ states: ['queued', 'running', 'preempted'] }));
    const result = await runOn(network([a, new FakeSite('b')]));
    expect(result.site).toBe('b');
    expect(result.record.failovers[0]?.cause).toBe('preempted');
  });

  it('stops after maxAttempts and reports the last terminal state', async () => {
    const broken = (id: string) => new FakeSite(id, () => ({ states: ['queued', 'system_error'] }));
    const [a, b, c] = [broken('a'), broken('b'), broken('c')];
    const result = await runOn(network([a, b, c], { maxAttempts: 2 }));
    expect(result).toMatchObject({ state: 'system_error', site: 'b' });
    expect(result.record.attempts.map((t) => t.site)).toEqual(['a', 'b']);
    expect(c.submits).toEqual([]);
    expect(result.record.outcome?.cause).toBe('every attempt failed; last: system_error');
  });

  it('fails the job with NoEligibleSiteError and the decision record when every site refuses', async () => {
    const refuse = (id: string) => new FakeSite(id, () => ({ refuse: HttpError.from({ status: 413, method: 'POST', url: `https://${id}/jobs` }) }));
    const result = await runOn(network([refuse('a'), refuse('b')]));
    expect(result.state).toBe('system_error');
    const error = result.error;
    expect(error).toBeInstanceOf(NoEligibleSiteError);
    const record = (error as NoEligibleSiteError).decision as { attempts: unknown[]; outcome: { state: string } };
    expect(record.attempts).toHaveLength(2); // a site that refused is not asked again
    expect(record.outcome.state).toBe('failed');
    expect((error as Error).message).toBe('every eligible site refused or failed the job (last: refused: HTTP 413)');
  });

  it('cancels a job stuck queued past the deadline and resubmits it elsewhere, when allowed', async () => {
    const stuck = new FakeSite('stuck', () => ({ states: ['queued'] }));
    const good = new FakeSite('good');
    const result = await runOn(network([stuck, good], { queuedDeadlineMs: 40, resubmitQueued: true }));
    expect(result.site).toBe('good');
    expect(result.record.attempts[0]).toMatchObject({ site: 'stuck', ending: 'queued-timeout', cancel: 'requested' });
    expect(result.record.attempts[0]?.cause).toMatch(/^still queued after \d+ ms$/);
    expect(stuck.jobs.get('stuck-1')?.canceled).toBe(true);
  });

  it('keeps waiting when no other site could take the stuck job', async () => {
    const only = new FakeSite('only', () => ({ states: [...Array<'queued'>(60).fill('queued'), 'running', 'complete'] }));
    const result = await runOn(network([only], { queuedDeadlineMs: 10, resubmitQueued: true }));
    expect(result).toMatchObject({ state: 'complete', site: 'only' });
    expect(result.record.attempts).toHaveLength(1);
  });

  it('comes back to a site already tried, as a new job, once every site was tried', async () => {
    const a = new FakeSite('a', (n) => ({ states: n === 0 ? ['queued', 'system_error'] : ['queued', 'running', 'complete'] }));
    const b = new FakeSite('b', () => ({ states: ['queued', 'system_error'] }));
    const result = await runOn(network([a, b], { maxAttempts: 3 }), { id: 'again' });
    expect(result).toMatchObject({ state: 'complete', site: 'a', remoteId: 'a-2' });
    expect(result.record.attempts.map((t) => t.idempotencyKey)).toEqual(['again:a:1', 'again:b:1', 'again:a:2']);
  });

  it('keeps waiting on a slow queue when resubmission is not allowed', async () => {
    const slow = new FakeSite('slow', () => ({ states: [...Array<'queued'>(60).fill('queued'), 'running', 'complete'] }));
    const result = await runOn(network([slow, new FakeSite('other')], { queuedDeadlineMs: 5 }));
    expect(result).toMatchObject({ state: 'complete', site: 'slow' });
  });

  it('completes each of 20 jobs exactly once while sites fail, refuse and go silent', async () => {
    const flaky = new FakeSite('flaky', (n) =>
      n % 3 === 0 ? { states: ['queued', 'running'], thenUnreachable: true } : n % 3 === 1 ? { refuse: HttpError.from({ status: 503, method: 'POST', url: 'https://flaky/jobs' }) } : { states: ['queued', 'running', 'system_error'] },
    );
    const steady = new FakeSite('steady');
    const net = await network([flaky, steady], {}, { strategy: undefined });
    const spread: SiteSelector = {
      name: 'flakyFirst',
      select: (_request, candidates) => ({
        ranked: candidates.map((c, i) => ({ site: c.site.id, score: -i, terms: {}, reason: 'config order' })),
        excluded: [],
      }),
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ended(net, net.submit(SPEC, { id: `many-${i}`, strategy: spread }))));
    expect(results.every((r) => r.state === 'complete')).toBe(true);
    for (let i = 0; i < 20; i++) expect(FakeSite.completions.get(`many-${i}`)).toBe(1);
    // one remote job per logical job and site: a submit is never repeated under a new key
    const keys = [...flaky.jobs.values(), ...steady.jobs.values()].map((j) => j.key);
    expect(new Set(keys).size).toBe(keys.length);
    // the flaky site's breaker opened, so later jobs skipped it: decisions show it excluded by health
    expect(net.sites().find((s) => s.site.id === 'flaky')?.live.breaker).toBe('open');
    expect(net.explain(SPEC).excluded).toContainEqual({ site: 'flaky', by: 'health', reason: 'circuit breaker open' });
    // the lost jobs' remote copies were asked to stop; silent jobs of the flaky site were all canceled before moving
    const lost = results.flatMap((r) => r.record.attempts.filter((t) => t.ending === 'lost'));
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((t) => t.cancel !== undefined)).toBe(true);
  });
});

describe('canceling', () => {
  it('asks the site to cancel an accepted job and ends it as canceled', async () => {
    const site = new FakeSite('a', () => ({ states: ['running', 'complete'] }));
    site.hold = true;
    const net = await network([site]);
    const job = net.submit(SPEC, { id: 'c1' });
    await vi.waitFor(() => expect(job.state).toBe('running'));
    await job.cancel();
    const result = await ended(net, job);
    expect(result).toMatchObject({ state: 'canceled', site: 'a', remoteId: 'a-1' });
    expect(site.cancels).toEqual(['a-1']);
    expect(result.record.attempts[0]).toMatchObject({ ending: 'canceled', cancel: 'requested' });
  });

  it('job.cancel({ signal }) stops waiting when the signal aborts, and the network still cancels the job', async () => {
    let open!: () => void;
    const site = new FakeSite('a', () => ({ states: ['running', 'complete'] }));
    site.hold = true;
    site.cancelGate = new Promise<void>((resolve) => (open = resolve));
    const job = (await network([site])).submit(SPEC);
    await vi.waitFor(() => expect(job.state).toBe('running'));
    const stop = new AbortController();
    const canceling = job.cancel({ signal: stop.signal });
    await vi.waitFor(() => expect(site.cancels).toEqual(['a-1']));
    stop.abort();
    await expect(canceling).rejects.toBeInstanceOf(AbortError);
    open();
    expect((await job.wait()).state).toBe('canceled');
  });

  it('ends the job canceled when the caller aborts before any site accepted it, and takes it out of the admission queue', async () => {
    const site = new FakeSite('a');
    const net = await Network.create(
      { sites: [{ id: 'a', kind: 'pulsar-rest', url: 'https://a.example.org', maxInFlight: 1 }] },
      { sites: { a: site }, engine: fastEngine(300_000) },
    );
    site.hold = true;
    const first = net.submit(SPEC, { id: 'first' });
    const controller = new AbortController();
    const waiting = net.submit(SPEC, { id: 'waiting', signal: controller.signal });
    await vi.waitFor(() => expect(net.queue()[0]?.queue.map((q) => q.jobId)).toEqual(['waiting']));
    controller.abort();
    const result = await waiting.wait();
    expect(result.state).toBe('canceled');
    expect(result.remoteId).toBeUndefined();
    expect(net.queue()[0]?.queue).toEqual([]);
    expect(site.submits).toEqual(['first:a:1']);
    await first.cancel();
  });
});

describe('admission through the network', () => {
  it('queues jobs beyond maxInFlight locally and shows the queue', async () => {
    const slow = new FakeSite('slow', () => ({ states: ['running', 'complete'] }));
    slow.hold = true;
    const net = await Network.create(
      { sites: [{ id: 'slow', kind: 'pulsar-rest', url: 'https://slow.example.org', maxInFlight: 1 }] },
      { sites: { slow }, engine: fastEngine(300_000), newId: () => `q-${++ids}` },
    );
    const jobs = [net.submit(SPEC, { id: 'q1' }), net.submit(SPEC, { id: 'q2' }), net.submit(SPEC, { id: 'q3' })];
    await vi.waitFor(() => expect(slow.jobs.size).toBe(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(net.queue()).toEqual([{ site: 'slow', inFlight: 1, maxInFlight: 1, queue: [{ jobId: 'q2', since: expect.any(Number), cores: 1 }, { jobId: 'q3', since: expect.any(Number), cores: 1 }] }]);
    expect(net.sites()[0]?.live).toMatchObject({ inFlight: 1, queued: 2 });
    expect(slow.jobs.size).toBe(1);
    slow.hold = false;
    const results = await Promise.all(jobs.map((j) => j.wait()));
    expect(results.map((r) => r.state)).toEqual(['complete', 'complete', 'complete']);
    expect(net.queue()[0]).toMatchObject({ inFlight: 0, queue: [] });
  });
});

describe('staging', () => {
  it('reports transfers as events and learns the site’s throughput from them', async () => {
    const a = new FakeSite('a');
    a.staging = { bytes: 50e6, ms: 20 };
    const net = await network([a]);
    const transfers: Array<[string, number, boolean]> = [];
    net.on('transfer', ({ jobId, bytesDone, done }) => transfers.push([jobId, bytesDone, done]));
    await ended(net, net.submit(SPEC, { id: 'staged' }));
    expect(transfers).toEqual([
      ['staged', 0, false],
      ['staged', 50e6, true],
    ]);
    // measured from the transfer (before it, the live view has no throughput and strategies use the cold-start prior)
    expect(net.sites()[0]?.live.throughputBytesPerSec).toBeGreaterThan(0);
  });
});

describe('probes', () => {
  it('merge capabilities into the site description and open the breaker of a dead site', async () => {
    const a = new FakeSite('a');
    a.probeResult = { ok: true, latencyMs: 12, version: '0.15.16', storages: ['s3://a-bucket/'], backendParameters: ['queue'] };
    const dead = new FakeSite('dead');
    dead.down = true;
    const net = await network([a, dead]);
    for (let i = 0; i < 3; i++) await net.probe();
    const [siteA, siteDead] = net.sites();
    expect(siteA?.site).toMatchObject({ version: '0.15.16', storages: ['s3://a-bucket/'], backendParameters: ['queue'] });
    expect(siteA?.live).toMatchObject({ health: 'healthy', latencyMs: 12 });
    // its last probe got no answer: unreachable says more than down (the breaker says open)
    expect(siteDead?.live).toMatchObject({ health: 'unreachable', breaker: 'open', recentFailures: 3, probeError: 'connection refused' });
  });
});

describe('stuck detection', () => {
  const base = { queuedForMs: 60_000, deadlineMs: 30_000, siteLastStartAgoMs: undefined, alternative: true };
  it('calls a job stuck only past the deadline, on a site that started nothing of ours meanwhile, with somewhere else to go', () => {
    expect(isStuck(base)).toBe(true);
    expect(isStuck({ ...base, queuedForMs: 29_999 })).toBe(false);
    expect(isStuck({ ...base, siteLastStartAgoMs: 10_000 })).toBe(false); // busy, not stuck
    expect(isStuck({ ...base, siteLastStartAgoMs: 30_000 })).toBe(true);
    expect(isStuck({ ...base, alternative: false })).toBe(false);
  });
});
