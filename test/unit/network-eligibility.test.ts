/**
 * Issue 14 on fake sites: a job never goes where it cannot run (the sites'
 * own checks, a spec invalid everywhere), probes rank dead sites last before
 * the first decision, and failover is immediate and honest for refused
 * connections and site-side refusals.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConnectionError, HttpError, Network, pinned, TimeoutError, ValidationError, type JobSpec, type NetworkConfig, type NetworkOptions } from '../../src/index.js';
import { classifyEnding, type SiteProbe } from '../../src/internal.js';
import { ended, fastEngine, FakeSite } from './network-fake-site.js';

const SPEC: JobSpec = { name: 'hello', executors: [{ image: 'alpine', command: ['echo', 'hi'] }] };
const IMAGE_REFUSED = { path: '$.executors[0].image', message: 'this site runs no containers' };

function config(ids: string[], extra: Partial<NetworkConfig> = {}): NetworkConfig {
  return {
    seed: 'eligibility-tests',
    // a failover backoff far longer than any test: only an immediate failover lets these jobs finish
    failover: { maxAttempts: 3, backoff: { minDelay: 600_000, maxDelay: 600_000, jitter: 0 } },
    sites: ids.map((id) => ({ id, kind: 'pulsar-rest', url: `https://${id}.example.org` })),
    ...extra,
  };
}

async function network(sites: FakeSite[], options: NetworkOptions = {}, extra: Partial<NetworkConfig> = {}): Promise<Network> {
  return Network.create(config(sites.map((s) => s.id), extra), {
    sites: Object.fromEntries(sites.map((s) => [s.id, s])),
    strategy: pinned(...sites.map((s) => s.id)),
    engine: fastEngine(),
    ...options,
  });
}

function refusingImages(id: string): FakeSite {
  return Object.assign(new FakeSite(id), { check: (spec: JobSpec) => (spec.executors.some((e) => e.image) ? [IMAGE_REFUSED] : []) });
}

beforeEach(() => FakeSite.completions.clear());

describe('eligibility: what each site will check', () => {
  it('never sends a job to a site whose own check refuses it, and explain says why it was left out', async () => {
    const a = refusingImages('a');
    const b = new FakeSite('b');
    const net = await network([a, b]);
    try {
      const explained = net.explain(SPEC);
      expect(explained.chosen).toBe('b');
      expect(explained.excluded).toEqual([{ site: 'a', by: 'eligibility', reason: 'refuses the job: $.executors[0].image: this site runs no containers' }]);
      const result = await ended(net, net.submit(SPEC));
      expect(result).toMatchObject({ state: 'complete', site: 'b' });
      expect(a.submits).toEqual([]);
    } finally {
      await net.close();
    }
  });

  it('ends a spec that is invalid everywhere at once with its ValidationError: nothing sent, no failover', async () => {
    const a = new FakeSite('a');
    const b = new FakeSite('b');
    const net = await network([a, b]);
    try {
      const invalid = { name: 'empty', executors: [] } as JobSpec;
      expect(net.explain(invalid).excluded.map((e) => [e.site, e.by, e.reason])).toEqual([
        ['a', 'validation', 'the job spec is invalid: $.executors: a task needs at least one executor'],
        ['b', 'validation', 'the job spec is invalid: $.executors: a task needs at least one executor'],
      ]);
      const job = net.submit(invalid);
      const result = await job.wait();
      expect(result.state).toBe('system_error');
      expect(result.error).toBeInstanceOf(ValidationError);
      expect((result.error as ValidationError).issues).toEqual([{ path: '$.executors', message: 'a task needs at least one executor' }]);
      expect([...a.submits, ...b.submits]).toEqual([]);
      expect(net.decision(job)?.outcome).toMatchObject({ state: 'failed' });
    } finally {
      await net.close();
    }
  });
});

describe('fast, honest failover', () => {
  it('fails over at once from a site that refuses the spec in its submit, and never asks it again', async () => {
    const a = new FakeSite('a', () => ({ refuse: new ValidationError('job spec for site a', [IMAGE_REFUSED]) }));
    const b = new FakeSite('b');
    const net = await network([a, b]);
    try {
      const result = await ended(net, net.submit(SPEC));
      expect(result).toMatchObject({ state: 'complete', site: 'b' });
      expect(result.record.attempts.map((t) => [t.site, t.ending, t.cause])).toEqual([
        ['a', 'refused', 'refused: $.executors[0].image: this site runs no containers'],
        ['b', 'complete', undefined],
      ]);
      expect(result.record.failovers.map((f) => [f.from, f.to, f.delayMs])).toEqual([['a', 'b', 0]]);
      expect(a.submits).toHaveLength(1);
    } finally {
      await net.close();
    }
  });

  it('fails over at once from a refused connection, without the lookup an ambiguous submit needs', async () => {
    const refused = new ConnectionError({ method: 'POST', url: 'https://a.example.org/jobs', mayHaveBeenSent: false, reason: 'cannot connect to a.example.org:443: connection refused (ECONNREFUSED)', host: 'a.example.org:443', code: 'ECONNREFUSED' });
    const a = new FakeSite('a', () => ({ refuse: refused }));
    const lookups: string[] = [];
    a.lookup = async (key) => {
      lookups.push(key);
      return undefined;
    };
    const b = new FakeSite('b');
    const net = await network([a, b], { probes: false });
    try {
      const result = await ended(net, net.submit(SPEC));
      expect(result).toMatchObject({ state: 'complete', site: 'b' });
      expect(a.submits).toHaveLength(1); // not sent again with the same key: nothing reached the site
      expect(lookups).toEqual([]);
      expect(result.record.attempts[0]).toMatchObject({ site: 'a', ending: 'failed' });
      expect(result.record.attempts[0]?.ambiguous).toBeUndefined();
      expect(result.record.failovers[0]).toMatchObject({ from: 'a', to: 'b', delayMs: 0, cause: expect.stringContaining('(ECONNREFUSED)') });
    } finally {
      await net.close();
    }
  });

  it('classifies endings: immediate for nothing sent and refusals, backoff and lookup for maybe-sent', () => {
    const pick = (error: unknown) => {
      const v = classifyEnding({ kind: 'submit-error', error });
      return [v.failover, v.ambiguous, v.refused, v.immediate];
    };
    expect(pick(new ConnectionError({ method: 'POST', url: 'u', mayHaveBeenSent: false }))).toEqual([true, false, false, true]);
    expect(pick(new ConnectionError({ method: 'POST', url: 'u', mayHaveBeenSent: true }))).toEqual([true, true, false, false]);
    expect(pick(new TimeoutError({ scope: 'attempt', timeoutMs: 1, what: 'POST u' }))).toEqual([true, true, false, false]);
    expect(pick(new ValidationError('spec', [IMAGE_REFUSED]))).toEqual([true, false, true, true]);
    expect(pick(HttpError.from({ status: 400, method: 'POST', url: 'u' }))).toEqual([true, false, true, true]);
    expect(pick(HttpError.from({ status: 501, method: 'POST', url: 'u' }))).toEqual([true, false, true, true]);
    expect(pick(HttpError.from({ status: 503, method: 'POST', url: 'u' }))).toEqual([true, false, false, false]);
  });
});

describe('health before the first decision', () => {
  it('probes every site at create: one whose probe failed is not chosen while another is eligible', async () => {
    const dead = new FakeSite('dead');
    dead.down = true;
    const b = new FakeSite('b');
    const net = await network([dead, b]);
    try {
      expect(dead.probes).toHaveLength(1);
      const record = net.explain(SPEC);
      expect(record.candidates.map((c) => c.site)).toEqual(['b', 'dead']);
      expect(record.candidates[1]?.reason).toMatch(/ranked after the healthy sites: unreachable: connection refused$/);
      expect(net.sites().map((s) => s.live.health)).toEqual(['unreachable', 'healthy']);
      const result = await ended(net, net.submit(SPEC));
      expect(result.site).toBe('b');
      expect(dead.submits).toEqual([]);
    } finally {
      await net.close();
    }
  });

  it('waits a bounded time for the first probes: a site still silent ranks after those that answered', async () => {
    const slow = new FakeSite('slow');
    let aborted = false;
    slow.probe = (options) =>
      new Promise<SiteProbe>((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      });
    const b = new FakeSite('b');
    const net = await network([slow, b], {}, { health: { firstProbeWaitMs: 50, probeTimeoutMs: 600_000 } });
    try {
      const record = net.explain(SPEC);
      expect(record.candidates.map((c) => c.site)).toEqual(['b', 'slow']);
      expect(record.candidates[1]?.reason).toMatch(/ranked after the healthy sites: health unknown/);
    } finally {
      await net.close();
    }
    // close() aborts the probe still out
    expect(aborted).toBe(true);
  });

  it('keeps the strategy order among sites of the same health', async () => {
    const [a, b, c] = [new FakeSite('a'), new FakeSite('b'), new FakeSite('c')];
    const net = await network([a, b, c]);
    try {
      expect(net.explain(SPEC).candidates.map((x) => x.site)).toEqual(['a', 'b', 'c']);
    } finally {
      await net.close();
    }
  });
});
