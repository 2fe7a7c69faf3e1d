import { describe, expect, it } from 'vitest';
import { HttpError, Network, pinned, type JobEvent, type JobSpec } from '../../src/index.js';
import { fastEngine, FakeSite } from './network-fake-site.js';

const SPEC: JobSpec = { name: 'hello', executors: [{ image: 'alpine', command: ['echo', 'hi'] }] };

async function network(sites: FakeSite[]): Promise<Network> {
  return Network.create(
    {
      seed: 'submit-job-tests',
      failover: { maxAttempts: 3, backoff: { minDelay: 1, maxDelay: 2 } },
      sites: sites.map((s) => ({ id: s.id, kind: 'pulsar-rest', url: `https://${s.id}.example.org` })),
    },
    {
      sites: Object.fromEntries(sites.map((s) => [s.id, s])),
      strategy: pinned(...sites.map((s) => s.id)),
      engine: fastEngine(),
    },
  );
}

describe('network.submit returns the unified Job', () => {
  it('reports each attempt as it starts (chosen, failover with its cause) and as its site accepts it, the states and the collected outcome', async () => {
    const a = new FakeSite('a', () => ({ states: ['queued', 'running', 'system_error'] }));
    const b = new FakeSite('b');
    const net = await network([a, b]);
    const job = net.submit(SPEC, { id: 'u1' });
    const events: JobEvent[] = [];
    for await (const event of job.watch()) events.push(event);
    const sites = events.filter((e) => e.type === 'site').map((e) => (e.type === 'site' ? [e.action, e.siteId, e.remoteId, e.reason] : []));
    expect(sites).toEqual([
      ['trying', 'a', undefined, expect.stringContaining('chosen by pinned')],
      ['submitted', 'a', 'a-1', undefined],
      ['failover', 'a', 'a-1', 'system_error'],
      ['trying', 'b', undefined, 'after leaving a: system_error'],
      ['submitted', 'b', 'b-1', undefined],
    ]);
    const states = events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? e.state : ''));
    expect(states.at(-1)).toBe('complete');
    expect(new Set(states).has('system_error')).toBe(false);
    const result = await job.wait();
    expect(result.state).toBe('complete');
    expect(job.siteId).toBe('b');
    expect(net.decision(job)?.failovers.map((f) => [f.from, f.to, f.cause])).toEqual([['a', 'b', 'system_error']]);
    expect(net.decision(job)?.outcome).toEqual({ state: 'complete', site: 'b' });
    // a finished job is released: by id, only live jobs answer; by handle, the record stays while the handle is held
    expect(net.decision('u1')).toBeUndefined();
    expect(net.liveJobs).toBe(0);
    expect(net.engine.liveJobs).toBe(0);
  });

  it('ends the job with the failure when no site accepts it', async () => {
    const refusing = new FakeSite('a', () => ({ refuse: new HttpError({ status: 400, method: 'POST', url: 'https://a.example.org/jobs' }) }));
    const net = await network([refusing]);
    const job = net.submit(SPEC);
    const result = await job.wait();
    expect(result.state).toBe('system_error');
    expect(result.error?.name).toBe('NoEligibleSiteError');
  });
});
