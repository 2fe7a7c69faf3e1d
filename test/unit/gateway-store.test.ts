import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTaskStore, SqliteTaskStore, type TaskStore } from '../../src/node.js';
import type { GatewayTask } from '../../src/internal.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function task(id: string, owner: string, name: string, state: GatewayTask['state'], tags?: Record<string, string>): Omit<GatewayTask, 'seq'> {
  const spec: GatewayTask['spec'] = { name, executors: [{ image: 'alpine', command: ['true'] }] };
  if (tags) spec.tags = tags;
  return { id, owner, spec, state, creationTime: '2026-01-01T00:00:00Z' };
}

function fill(store: TaskStore): void {
  store.insert(task('t1', 'alice', 'align-1', 'COMPLETE', { sample: 'a', run: '1' }));
  store.insert(task('t2', 'bob', 'align-2', 'RUNNING', { sample: 'a' }));
  store.insert(task('t3', 'alice', 'sort-1', 'RUNNING', { sample: 'b' }));
  store.insert(task('t4', 'alice', 'align-3', 'QUEUED', { sample: '' }));
  store.insert(task('t5', 'alice', 'align-4', 'CANCELED'));
}

const ids = (tasks: GatewayTask[]): string[] => tasks.map((t) => t.id);

describe.each([
  ['memory', () => new MemoryTaskStore()],
  ['sqlite', () => new SqliteTaskStore(join(dir, `${Math.random()}.db`))],
])('%s task store', (_name, make) => {
  it('lists one owner\'s tasks in creation order with every filter and page bounds', () => {
    const store = make();
    fill(store);
    const q = { owner: 'alice', limit: 100 };
    expect(ids(store.list(q))).toEqual(['t1', 't3', 't4', 't5']);
    expect(ids(store.list({ ...q, namePrefix: 'align' }))).toEqual(['t1', 't4', 't5']);
    expect(ids(store.list({ ...q, state: 'RUNNING' }))).toEqual(['t3']);
    expect(ids(store.list({ ...q, tags: [['sample', 'a']] }))).toEqual(['t1']);
    expect(ids(store.list({ ...q, tags: [['sample', '']] }))).toEqual(['t1', 't3', 't4']);
    expect(ids(store.list({ ...q, tags: [['sample', 'a'], ['run', '1']] }))).toEqual(['t1']);
    expect(ids(store.list({ ...q, tags: [['sample', 'a'], ['run', '2']] }))).toEqual([]);
    expect(ids(store.list({ ...q, extraTags: (t) => ({ site: t.id === 't5' ? 'x' : 'y' }), tags: [['site', 'x']] }))).toEqual(['t5']);
    expect(ids(store.list({ ...q, limit: 2 }))).toEqual(['t1', 't3']);
    const t3 = store.get('t3') as GatewayTask;
    expect(ids(store.list({ ...q, limit: 2, afterSeq: t3.seq }))).toEqual(['t4', 't5']);
    expect(ids(store.list({ owner: 'carol', limit: 10 }))).toEqual([]);
    store.close();
  });

  it('updates tasks and lists the unfinished ones', () => {
    const store = make();
    fill(store);
    store.update('t3', { state: 'COMPLETE', site: 'hpc', remoteId: 'r-3', log: { logs: [{ exit_code: 0 }], outputs: [] } });
    expect(store.get('t3')).toMatchObject({ id: 't3', owner: 'alice', state: 'COMPLETE', site: 'hpc', remoteId: 'r-3', log: { logs: [{ exit_code: 0 }] } });
    expect(ids(store.unfinished())).toEqual(['t2', 't4']);
    expect(store.get('nope')).toBeUndefined();
    store.close();
  });
});

it('the SQLite store keeps everything across a reopen', () => {
  const file = join(dir, 'reopen.db');
  const first = new SqliteTaskStore(file);
  fill(first);
  first.update('t2', { state: 'INITIALIZING', idempotencyKey: 't2:hpc:1' });
  first.close();
  const second = new SqliteTaskStore(file);
  expect(second.get('t2')).toMatchObject({ state: 'INITIALIZING', idempotencyKey: 't2:hpc:1', spec: { name: 'align-2', tags: { sample: 'a' } } });
  expect(ids(second.unfinished())).toEqual(['t2', 't3', 't4']);
  const next = second.insert(task('t6', 'bob', 'x', 'QUEUED'));
  expect(next.seq).toBe(6);
  second.close();
});
