/**
 * TesSite against the reference TES 1.1 server (test/peers/tes-server): the
 * unified-job acceptance suite (issue 6: 1, 2, 4), local-file staging by the
 * server's storage, and acceptance 3 — 1,000 watched jobs cost at most
 * ceil(1000 / page_size) list requests per poll cycle.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IDEMPOTENCY_TAG,
  Job,
  JobEngine,
  nodeLocalFiles,
  submitJob,
  TesSite,
  UnknownJobError,
  ValidationError,
  WATCH_GROUP_TAG,
  type JobSpec,
} from '../../src/internal.js';
import { acceptanceSpec, describeAcceptance, EXPECTED, WORDS } from './jobs-acceptance.js';
import { startTesServer, type TesServer } from '../peers/tes-server/server.js';

const POLL = { minIntervalMs: 50, maxIntervalMs: 200 };
const engine = new JobEngine({ poll: POLL });
let server: TesServer;
let site: TesSite;
let dir: string;

beforeAll(async () => {
  server = await startTesServer();
  site = new TesSite({ id: 'reference-tes', client: { baseUrl: server.url }, files: nodeLocalFiles() });
  dir = await mkdtemp(join(tmpdir(), 'tes-site-test-'));
});
afterAll(async () => {
  expect(server.violations).toEqual([]);
  expect(server.rejected).toEqual([]);
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describeAcceptance('TesSite (reference TES server)', {
  site: () => site,
  // Another instance, as after a restart of the caller: another watch group.
  reopen: () => new TesSite({ id: 'reference-tes', client: { baseUrl: server.url }, files: nodeLocalFiles() }),
  workDir: () => mkdtemp(join(dir, 'acceptance-')),
  poll: POLL,
});

describe('TesSite', () => {
  it('tags each task with the idempotency key and the watch group, and never creates two for one key', async () => {
    const spec: JobSpec = { executors: [{ image: 'alpine:3', command: ['true'] }], tags: { mine: 'yes' } };
    const first = await site.submit(spec, { idempotencyKey: 'tes-site-key-1' });
    const again = await site.submit(spec, { idempotencyKey: 'tes-site-key-1' });
    expect(again.remoteId).toBe(first.remoteId);
    const stored = server.tasks().filter((t) => t.doc.tags?.[IDEMPOTENCY_TAG] === 'tes-site-key-1');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.doc.tags).toEqual({ mine: 'yes', [IDEMPOTENCY_TAG]: 'tes-site-key-1', [WATCH_GROUP_TAG]: site.group });
    // A network finds the task of a submit that may have failed after it arrived.
    expect(await site.lookup('tes-site-key-1')).toBe(first.remoteId);
    expect(await site.lookup('tes-site-key-never-used')).toBeUndefined();
  });

  it('passes local files as file:// URLs when the storage covers them', async () => {
    const work = await mkdtemp(join(dir, 'pass-'));
    await submitJob(site, await acceptanceSpec(work), { engine }).wait();
    const doc = server.tasks().find((t) => t.doc.name === 'acceptance-two-by-two')?.doc;
    expect(doc?.inputs?.[0]).toEqual({ path: '/data/in/words.txt', url: pathToFileURL(join(work, 'words.txt')).href });
    expect(doc?.outputs?.map((o) => o.url)).toEqual([pathToFileURL(join(work, 'out-sorted.txt')).href, pathToFileURL(join(work, 'out-shout.txt')).href]);
  });

  describe('against a server whose storage does not cover local files', () => {
    let remote: TesServer;
    beforeAll(async () => {
      remote = await startTesServer({ storage: ['s3://bucket'] });
    });
    afterAll(async () => {
      expect(remote.violations).toEqual([]);
      await remote.close();
    });

    it('inlines a small local input as content, reporting its staging', async () => {
      const s3 = new TesSite({ client: { baseUrl: remote.url }, files: nodeLocalFiles() });
      await writeFile(join(dir, 'small.txt'), WORDS);
      const job = submitJob(s3, { inputs: [{ path: '/data/w.txt', url: join(dir, 'small.txt') }], executors: [{ image: 'a', command: ['sort', '/data/w.txt'] }] }, { engine });
      const staged: string[] = [];
      job.on('transfer', (e) => e.done && staged.push(`${e.direction} ${e.file} ${e.bytesDone}`));
      const result = await job.wait();
      expect(result).toMatchObject({ state: 'complete', exitCodes: [0] });
      expect(result.logs.executors[0]?.stdout).toBe(EXPECTED.sorted);
      expect(staged).toEqual([`up /data/w.txt ${WORDS.length}`]);
      expect(remote.tasks()[0]?.doc.inputs).toEqual([{ path: '/data/w.txt', content: WORDS }]);
    });

    it('refuses, before sending anything, a local input too big to inline, a binary one, a local output, and relative paths without file access', async () => {
      const s3 = new TesSite({ client: { baseUrl: remote.url }, files: nodeLocalFiles(), inlineLimitBytes: 10 });
      await writeFile(join(dir, 'big.txt'), 'more than ten bytes\n');
      await writeFile(join(dir, 'binary.bin'), Buffer.from([0xff, 0xfe, 0x00, 0x01]));
      const before = remote.tasks().length;
      const spec: JobSpec = {
        inputs: [
          { path: '/data/big.txt', url: join(dir, 'big.txt') },
          { path: '/data/bin', url: pathToFileURL(join(dir, 'binary.bin')).href },
          { path: '/data/remote', url: 's3://bucket/x' },
        ],
        outputs: [{ path: '/data/out', url: join(dir, 'out') }],
        executors: [{ image: 'a', command: ['true'] }],
      };
      const error = await s3.submit(spec, { idempotencyKey: 'refused' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([
        { path: '$.inputs[0].url', message: expect.stringContaining('inlined only when 1 to 10 bytes, and is 20') },
        { path: '$.inputs[1].url', message: expect.stringContaining('not UTF-8 text') },
        { path: '$.outputs[0].url', message: expect.stringContaining('s3://bucket') },
      ]);
      const bare = new TesSite({ client: { baseUrl: remote.url } });
      const relative = await bare.submit({ inputs: [{ path: '/d/x', url: 'x.txt' }], executors: [{ image: 'a', command: ['true'] }] }, { idempotencyKey: 'rel' }).catch((e: unknown) => e);
      expect((relative as ValidationError).issues).toEqual([{ path: '$.inputs[0].url', message: expect.stringContaining('nodeLocalFiles()') }]);
      expect(remote.tasks().length).toBe(before);
    });
  });

  it('reports outputs with the sha256 of the delivered files, and a missing delivered file as system_error', async () => {
    const work = await mkdtemp(join(dir, 'hash-'));
    const job = submitJob(site, { outputs: [{ path: '/o/x.txt', url: join(work, 'x.txt') }], executors: [{ image: 'a', command: ['sh', '-c', 'printf abc > /o/x.txt'] }] }, { engine });
    const result = await job.wait();
    expect(result.outputs).toEqual([{ path: '/o/x.txt', url: join(work, 'x.txt'), sizeBytes: 3, sha256: createHash('sha256').update('abc').digest('hex') }]);
    await rm(join(work, 'x.txt'));
    const outcome = await site.collect(job.remoteId as string);
    expect(outcome.state).toBe('system_error');
    expect(outcome.systemLogs.at(-1)).toMatch(/output \/o\/x\.txt: cannot read/);
    expect(await readFile(join(work, 'x.txt')).catch(() => 'gone')).toBe('gone');
  });

  it('attach and cancel of an unknown task throw UnknownJobError', async () => {
    await expect(Job.attach(site, 'task-nope')).rejects.toBeInstanceOf(UnknownJobError);
    await expect(site.cancel('task-nope')).rejects.toBeInstanceOf(UnknownJobError);
  });

  it('acceptance 3: 1,000 watched jobs cost at most ceil(1000 / page_size) list requests per poll cycle', async () => {
    const idle = await startTesServer({ maxRunning: 0 }); // every task stays QUEUED until canceled
    try {
      const pageSize = 100;
      const many = new TesSite({ id: 'thousand', client: { baseUrl: idle.url }, pageSize });
      const thousand = new JobEngine({ poll: { minIntervalMs: 100, maxIntervalMs: 100 } });
      const jobs = Array.from({ length: 1000 }, (_, i) => submitJob(many, { name: `j${i}`, executors: [{ image: 'a', command: ['true'] }] }, { engine: thousand }));
      await Promise.all(jobs.map((job) => new Promise<void>((resolve) => (job.remoteId ? resolve() : job.on('site', (e) => e.action === 'submitted' && resolve())))));
      expect(thousand.poller(many).size).toBe(1000);
      // Count the list requests of each poll (one poll is in flight at a time; every create is done).
      const cycles: Array<{ jobs: number; lists: number; gets: number }> = [];
      const poll = many.poll.bind(many);
      many.poll = async (ids, options) => {
        const before = { lists: idle.counts.ListTasks ?? 0, gets: idle.counts.GetTask ?? 0 };
        const statuses = await poll(ids, options);
        cycles.push({ jobs: ids.length, lists: (idle.counts.ListTasks ?? 0) - before.lists, gets: (idle.counts.GetTask ?? 0) - before.gets });
        return statuses;
      };
      while (cycles.length < 3) await new Promise((r) => setTimeout(r, 20));
      expect(cycles.slice(0, 3)).toEqual(Array.from({ length: 3 }, () => ({ jobs: 1000, lists: Math.ceil(1000 / pageSize), gets: 0 })));
      const states = new Set(jobs.map((job) => job.state));
      expect([...states]).toEqual(['queued']);
      await Promise.all(jobs.map((job) => job.cancel()));
      const results = await Promise.all(jobs.map((job) => job.wait()));
      expect(new Set(results.map((r) => r.state))).toEqual(new Set(['canceled']));
      expect(idle.violations).toEqual([]);
    } finally {
      await idle.close();
    }
  });
});

describe('TesSite.attach to tasks it did not create', () => {
  it('follows tasks of another watch group by listing that group, and an untagged task by getting it', async () => {
    const other = new TesSite({ client: { baseUrl: server.url }, group: 'another-group' });
    const theirs = await other.submit({ executors: [{ image: 'a', command: ['sh', '-c', 'sleep 0.3; echo theirs'] }] }, { idempotencyKey: 'other-group-job' });
    const second = await other.submit({ executors: [{ image: 'a', command: ['sh', '-c', 'sleep 0.3; echo second'] }] }, { idempotencyKey: 'other-group-job-2' });
    const plainId = await site.client.createTask({ executors: [{ image: 'a', command: ['sh', '-c', 'sleep 0.3; echo plain'] }] });
    const before = { ...server.counts };
    const [a, c, b] = await Promise.all([Job.attach(site, theirs.remoteId, { engine }), Job.attach(site, second.remoteId, { engine }), Job.attach(site, plainId, { engine })]);
    const [ra, rc, rb] = await Promise.all([a.wait(), c.wait(), b.wait()]);
    expect([ra.state, ra.logs.executors[0]?.stdout, rc.logs.executors[0]?.stdout, rb.state, rb.logs.executors[0]?.stdout]).toEqual(['complete', 'theirs\n', 'second\n', 'complete', 'plain\n']);
    expect((server.counts.ListTasks ?? 0) - (before.ListTasks ?? 0)).toBeGreaterThan(0);
    const listed = server.tasks().find((t) => t.id === theirs.remoteId);
    expect(listed?.doc.tags?.[WATCH_GROUP_TAG]).toBe('another-group');
  });

  it('reports a task the server no longer knows as lost when collecting', async () => {
    expect(await site.collect('task-gone')).toMatchObject({ state: 'lost', systemLogs: [expect.stringContaining('task-gone')] });
  });
});
