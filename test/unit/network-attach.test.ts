import { describe, expect, it } from 'vitest';
import { Network, pinned, type JobSpec } from '../../src/index.js';
import { fastEngine, FakeSite } from './network-fake-site.js';

const SPEC: JobSpec = { name: 'again', executors: [{ image: 'alpine', command: ['true'] }] };

async function network(site: FakeSite): Promise<Network> {
  return Network.create(
    { seed: 'attach-tests', sites: [{ id: site.id, kind: 'pulsar-rest', url: `https://${site.id}.example.org` }] },
    { sites: { [site.id]: site }, strategy: pinned(site.id), engine: fastEngine() },
  );
}

describe('network.attach', () => {
  it('follows a job the site already holds to its end and collects it, keeping the id', async () => {
    const site = new FakeSite('a', () => ({ states: ['running', 'running', 'complete'] }));
    const { remoteId } = await site.submit(SPEC, { idempotencyKey: 'k1' });
    const net = await network(site);
    const job = net.attach('a', remoteId, SPEC, { id: 'gateway-task-1' });
    const result = await job.wait();
    expect(job.id).toBe('gateway-task-1');
    expect(result).toMatchObject({ state: 'complete', siteId: 'a', remoteId, ok: true });
    expect(result.history.map((h) => h.state)).toEqual(['queued', 'running', 'complete']);
    expect(site.submits).toEqual(['k1']); // nothing sent again
  });

  it('finds the job by its idempotency key when the remote id was never stored, without running it twice', async () => {
    const site = new FakeSite('a');
    const first = await site.submit(SPEC, { idempotencyKey: 'task-2:a:1' });
    const net = await network(site);
    const result = await net.attach('a', undefined, SPEC, { idempotencyKey: 'task-2:a:1' }).wait();
    expect(result).toMatchObject({ state: 'complete', remoteId: first.remoteId });
    expect(site.jobs.size).toBe(1);
  });

  it('cancels on the site, and ends with the state the site reports', async () => {
    const site = new FakeSite('a', () => ({ states: ['running'] }));
    const { remoteId } = await site.submit(SPEC, { idempotencyKey: 'k3' });
    const net = await network(site);
    const job = net.attach('a', remoteId, SPEC);
    await expect.poll(() => job.state).toBe('running');
    await job.cancel();
    expect((await job.wait()).state).toBe('canceled');
    expect(site.cancels).toEqual([remoteId]);
  });

  it('a job already ended is collected at once; an unknown site or missing ids are refused', async () => {
    const site = new FakeSite('a', () => ({ states: ['executor_error'] }));
    const { remoteId } = await site.submit(SPEC, { idempotencyKey: 'k4' });
    const net = await network(site);
    expect((await net.attach('a', remoteId, SPEC).wait()).state).toBe('executor_error'); // collected at once, as the site reports it
    expect(() => net.attach('nowhere', remoteId, SPEC)).toThrow(RangeError);
    expect(() => net.attach('a', undefined, SPEC)).toThrow(/remote id or the idempotency key/);
    const unknown = await net.attach('a', 'no-such-job', SPEC).wait();
    expect(unknown).toMatchObject({ state: 'system_error', ok: false });
    expect(unknown.error?.message).toBe('unknown job');
  });
});
