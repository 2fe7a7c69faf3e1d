import { describe, expect, it } from 'vitest';
import { MemoryTaskStore } from '../../src/node.js';
import { TaskTracker } from '../../src/internal.js';
import { Network, pinned, type JobSpec } from '../../src/index.js';
import { fastEngine, FakeSite } from './network-fake-site.js';

const SPEC: JobSpec = { name: 'tracked', executors: [{ image: 'alpine', command: ['true'] }] };

async function network(sites: FakeSite[]): Promise<Network> {
  return Network.create(
    { seed: 'tracker-tests', failover: { maxAttempts: 3, backoff: { minDelay: 1, maxDelay: 2 } }, sites: sites.map((s) => ({ id: s.id, kind: 'pulsar-rest', url: `https://${s.id}.example.org` })) },
    { sites: Object.fromEntries(sites.map((s) => [s.id, s])), strategy: pinned(...sites.map((s) => s.id)), engine: fastEngine() },
  );
}

describe('TaskTracker', () => {
  it('stores the site, key and remote id of each attempt, and the end with its logs', async () => {
    const a = new FakeSite('a');
    const net = await network([a]);
    const store = new MemoryTaskStore();
    const tracker = new TaskTracker(net, store);
    const id = await tracker.submit(SPEC, 'me');
    expect(store.get(id)).toMatchObject({ owner: 'me', site: 'a', idempotencyKey: `${id}:a:1` });
    await tracker.idle();
    expect(store.get(id)).toMatchObject({ state: 'COMPLETE', site: 'a', remoteId: 'a-1', log: { logs: [], outputs: [], metadata: { site: 'a', remote_id: 'a-1' } }, decision: { outcome: { state: 'complete', site: 'a' } } });
    expect(store.unfinished()).toEqual([]);
  });

  it('after a failover a restart finds the new attempt by its key, not the failed one', async () => {
    const a = new FakeSite('a', () => ({ states: ['queued', 'system_error'] }));
    const b = new FakeSite('b');
    b.staging = { bytes: 10, ms: 300 }; // b's submit takes a while: the "gateway" stops during it
    const net = await network([a, b]);
    const store = new MemoryTaskStore();
    const first = new TaskTracker(net, store);
    const id = await first.submit(SPEC, 'me');
    await expect.poll(() => store.get(id)?.site, { timeout: 5000, interval: 5 }).toBe('b');
    const moved = store.get(id);
    expect(moved).toMatchObject({ site: 'b', idempotencyKey: `${id}:b:1` });
    expect(moved?.remoteId).toBeUndefined();
    first.close(); // the first gateway stops writing before b answers: the store never learns b's remote id
    await expect.poll(() => b.jobs.size, { timeout: 5000, interval: 5 }).toBe(1); // b did accept it

    // a new gateway process: a new network over the same sites and the same store
    const second = new TaskTracker(await network([a, b]), store);
    expect(second.resume()).toEqual([id]);
    await second.idle();
    expect(store.get(id)).toMatchObject({ state: 'COMPLETE', site: 'b', remoteId: 'b-1' });
    expect(b.jobs.size).toBe(1); // the re-attach found b's job by its key: it ran once
  });

  it('cancels a task it does not follow by re-attaching it', async () => {
    const a = new FakeSite('a', () => ({ states: ['running'] }));
    const net = await network([a]);
    const store = new MemoryTaskStore();
    const first = new TaskTracker(net, store);
    const id = await first.submit(SPEC, 'me');
    await expect.poll(() => store.get(id)?.state, { timeout: 5000, interval: 5 }).toBe('RUNNING');
    first.close();
    const other = new TaskTracker(net, store);
    await other.cancel(id);
    await other.idle();
    expect(store.get(id)?.state).toBe('CANCELED');
    expect(a.cancels).toEqual(['a-1']);
  });

  it('a stored task no site was tried for is submitted on resume, once', async () => {
    const a = new FakeSite('a');
    const net = await network([a]);
    const store = new MemoryTaskStore();
    store.insert({ id: 'orphan', owner: 'me', spec: SPEC, state: 'QUEUED', creationTime: '2026-01-01T00:00:00Z' });
    const tracker = new TaskTracker(net, store);
    expect(tracker.resume()).toEqual(['orphan']);
    expect(tracker.resume()).toEqual(['orphan']); // asked twice: still one job
    await tracker.idle();
    expect(store.get('orphan')).toMatchObject({ state: 'COMPLETE', site: 'a', idempotencyKey: 'orphan:a:1' });
    expect(a.submits).toEqual(['orphan:a:1']);
  });

  it('keeps a task off the sites it was excluded from, also when it is submitted again after a restart', async () => {
    const a = new FakeSite('a');
    const b = new FakeSite('b');
    const store = new MemoryTaskStore();
    const tracker = new TaskTracker(await network([a, b]), store);
    const id = await tracker.submit(SPEC, 'me', { excludeSites: { a: 'URL policy: not here' } });
    await tracker.idle();
    expect(store.get(id)).toMatchObject({ state: 'COMPLETE', site: 'b', excludeSites: { a: 'URL policy: not here' }, decision: { excluded: [{ site: 'a', by: 'policy', reason: 'URL policy: not here' }] } });
    // a task stored before any site was tried (the gateway stopped at once) goes out again without a
    store.insert({ id: 'stored', owner: 'me', spec: SPEC, state: 'QUEUED', creationTime: new Date().toISOString(), excludeSites: { a: 'no' } });
    const restarted = new TaskTracker(await network([a, b]), store);
    expect(restarted.resume()).toEqual(['stored']);
    await restarted.idle();
    expect(store.get('stored')).toMatchObject({ state: 'COMPLETE', site: 'b' });
    expect(a.jobs.size).toBe(0);
  });

  it('rides over writes the store refuses for a while (a database locked by another process), and reports one it keeps refusing', async () => {
    const net = await network([new FakeSite('a')]);
    const store = new MemoryTaskStore();
    const update = store.update.bind(store);
    let refusals = 2;
    store.update = (id, patch) => {
      if (refusals-- > 0) throw new Error('database is locked');
      update(id, patch);
    };
    const reported: string[] = [];
    const tracker = new TaskTracker(net, store, { onStoreError: (error, id) => reported.push(`${id}: ${error.message}`) });
    const id = await tracker.submit(SPEC, 'me');
    await tracker.idle();
    await expect.poll(() => store.get(id)?.state, { timeout: 5000, interval: 20 }).toBe('COMPLETE');
    expect(reported).toEqual([]);

    const full = new MemoryTaskStore();
    full.update = () => {
      throw new Error('disk full');
    };
    const failing = new TaskTracker(net, full, { onStoreError: (error, id) => reported.push(`${id}: ${error.message}`) });
    const second = await failing.submit(SPEC, 'me');
    await failing.idle();
    await expect.poll(() => reported.length, { timeout: 5000, interval: 20 }).toBeGreaterThan(0);
    expect(reported[0]).toBe(`${second}: disk full`);
  });
});
