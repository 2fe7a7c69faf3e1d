import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors.js';
import type { JobEvent } from '../../src/jobs/events.js';
import type { JobSpec } from '../../src/jobs/spec.js';
import { Network, pinned, pollingWatcher } from '../../src/network/index.js';
import { FakeSite } from './network-fake-site.js';

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
      watcher: pollingWatcher({ intervalMs: 1, lostAfterMs: 30 }),
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
    const sites = events.filter((e) => e.type === 'site').map((e) => (e.type === 'site' ? [e.action, e.siteId, e.reason] : []));
    expect(sites).toEqual([
      ['chosen', 'a', expect.stringContaining('chosen by')],
      ['submitted', 'a', 'accepted by a'],
      ['failover', 'b', 'left a: system_error'],
      ['submitted', 'b', 'accepted by b'],
    ]);
    const states = events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? e.state : ''));
    expect(states.at(-1)).toBe('complete');
    expect(new Set(states).has('system_error')).toBe(false);
    const result = await job.wait();
    expect(result.state).toBe('complete');
    expect(job.siteId).toBe('b');
    expect(net.decision('u1')?.failovers.map((f) => [f.from, f.to, f.cause])).toEqual([['a', 'b', 'system_error']]);
    expect(net.decision('u1')?.outcome).toEqual({ state: 'complete', site: 'b' });
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
