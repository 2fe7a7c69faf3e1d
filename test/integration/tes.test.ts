/**
 * TesClient against real TES servers, side by side: the reference TES 1.1
 * server (test/peers/tes-server: local processes, every request and answer
 * checked against the OpenAPI document) and Funnel, built from source
 * (test/peers/funnel.ts). What is the server's behaviour runs on both;
 * tes-reference.test.ts keeps what needs the reference server's knobs, and
 * tes-funnel.test.ts pins how the client copes with Funnel's deviations.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { AbortError, NotFoundError, TesClient, TimeoutError, type MinimalTask, type TesServiceInfo, type TesTask } from '../../src/index.js';
import { FUNNEL_START_TIMEOUT_MS, TES_SERVERS, type TesServerUnderTest } from './tes-servers.js';

const fast = { minInterval: 20, maxInterval: 200, timeout: 60_000 };
const sh = (script: string): TesTask['executors'] => [{ image: 'alpine:3', command: ['sh', '-c', script] }];

describe.each(TES_SERVERS)('TesClient against $name', ({ start }) => {
  let server: TesServerUnderTest;
  let tes: TesClient;
  let scratch: string;

  beforeAll(async () => {
    server = await start();
    tes = new TesClient({ baseUrl: server.url });
    scratch = server.scratch;
  }, FUNNEL_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
  });

  it('reads a typed service-info', async () => {
    const info = await tes.serviceInfo();
    expectTypeOf(info).toEqualTypeOf<TesServiceInfo>();
    expect(info.type.artifact).toBe('tes');
    expect(info.type.version).toBe(server.serviceInfo.version);
    expect(info.storage).toEqual(server.serviceInfo.storage);
  });

  it('runs a task to COMPLETE and its output arrives', async () => {
    const target = join(scratch, 'count.txt');
    const id = await tes.createTask({
      name: 'it-count',
      inputs: [{ path: '/data/in.txt', content: 'one\ntwo\nthree\n' }],
      outputs: [{ path: '/data/out/count.txt', url: pathToFileURL(target).href }],
      executors: sh('mkdir -p /data/out && wc -l < /data/in.txt > /data/out/count.txt && echo counted'),
    });
    const task = await tes.waitForTask(id, { ...fast, view: 'FULL' });
    expect(task.state).toBe('COMPLETE');
    expect((await readFile(target, 'utf8')).trim()).toBe('3');
    const attempt = task.logs?.at(-1);
    expect(attempt?.logs[0]?.exit_code).toBe(0);
    expect(attempt?.logs[0]?.stdout).toBe('counted\n');
    expect(attempt?.outputs).toEqual([{ url: pathToFileURL(target).href, path: '/data/out/count.txt', size_bytes: '2' }]);
  });

  it('stages a file:// input and passes argv without a shell', async () => {
    const source = join(scratch, 'in.txt');
    await writeFile(source, 'hello from the host\n');
    const target = join(scratch, 'copy.txt');
    const id = await tes.createTask({
      inputs: [{ path: '/in/in.txt', url: pathToFileURL(source).href }],
      outputs: [{ path: '/out/copy.txt', url: pathToFileURL(target).href }],
      executors: [{ image: 'alpine:3', command: ['cp', '/in/in.txt', '/out/copy.txt'] }],
      volumes: ['/out'],
    });
    expect((await tes.waitForTask(id, fast)).state).toBe('COMPLETE');
    expect(await readFile(target, 'utf8')).toBe('hello from the host\n');
  });

  it('delivers wildcard outputs under their url, with path_prefix stripped', async () => {
    const dir = join(scratch, 'globbed');
    const id = await tes.createTask({
      outputs: [{ path: '/out/*.txt', path_prefix: '/out/', url: pathToFileURL(dir).href }],
      executors: sh('mkdir -p /out && echo a > /out/a.txt && echo bb > /out/b.txt && echo no > /out/c.log'),
    });
    const task = await tes.waitForTask(id, fast);
    expect(task.state).toBe('COMPLETE');
    expect(task.logs?.at(-1)?.outputs.map((o) => [o.path, o.size_bytes])).toEqual([
      ['/out/a.txt', '2'],
      ['/out/b.txt', '3'],
    ]);
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('bb\n');
    await expect(stat(join(dir, 'c.log'))).rejects.toThrow();
  });

  it('ends in SYSTEM_ERROR when an input cannot be staged, with the reason in FULL system_logs only', async () => {
    const id = await tes.createTask({ inputs: [{ path: '/in/x', url: 's3://bucket/x' }], executors: sh('true') });
    const full = await tes.waitForTask(id, { ...fast, view: 'FULL' });
    expect(full.state).toBe('SYSTEM_ERROR');
    expect(full.logs?.at(-1)?.system_logs?.join('\n')).toContain('s3://bucket/x');
    expect(full.logs?.at(-1)?.logs).toEqual([]);
    expect((await tes.getTask(id, { view: 'BASIC' })).logs?.at(-1)).not.toHaveProperty('system_logs');
  });

  it('ends a task exiting 3 in EXECUTOR_ERROR with the exit code in its logs', async () => {
    const id = await tes.createTask({ name: 'it-exit3', executors: sh('echo failing >&2; exit 3') });
    const task = await tes.waitForTask(id, { ...fast, view: 'FULL' });
    expect(task.state).toBe('EXECUTOR_ERROR');
    expect(task.logs?.at(-1)?.logs.at(-1)?.exit_code).toBe(3);
    expect(task.logs?.at(-1)?.logs.at(-1)?.stderr).toBe('failing\n');
  });

  it('cancels a sleeping task, which ends CANCELED and whose process is gone', async () => {
    const marker = join(scratch, 'woke-up');
    const id = await tes.createTask({ name: 'it-sleeper', executors: sh(`sleep 30; touch ${marker}`) });
    for (let i = 0; (await tes.getTask(id)).state !== 'RUNNING'; i++) {
      expect(i).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    // On Funnel, the executor's process (its driver records it just after RUNNING is reported).
    let running: number[] = [];
    for (let i = 0; server.funnel && running.length === 0; i++) {
      expect(i).toBeLessThan(500);
      running = await server.funnel.executorPids();
      await new Promise((r) => setTimeout(r, 20));
    }
    await tes.cancelTask(id);
    const task = await tes.waitForTask(id, fast);
    expect(task.state).toBe('CANCELED');
    for (const pid of running) await expectGone(pid);
    await expect(stat(marker)).rejects.toThrow();
    await tes.cancelTask(id); // cancelling an ended task is harmless
    expect((await tes.getTask(id)).state).toBe('CANCELED');
  });

  it('throws NotFoundError for an unknown id', async () => {
    await expect(tes.getTask('no-such-task')).rejects.toBeInstanceOf(NotFoundError);
    await expect(tes.getTask('no-such-task', { view: 'FULL' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(tes.cancelTask('no-such-task')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('returns what each view says', async () => {
    const id = await tes.createTask({
      name: 'it-views',
      inputs: [{ path: '/v/in.txt', content: 'secret-ish content' }],
      executors: sh('echo out; echo err >&2'),
    });
    await tes.waitForTask(id, fast);
    const minimal = await tes.getTask(id);
    expectTypeOf(minimal).toEqualTypeOf<MinimalTask>();
    expect(Object.keys(minimal).sort()).toEqual(['id', 'state']);

    const basic = await tes.getTask(id, { view: 'BASIC' });
    expect(basic.name).toBe('it-views');
    expect(basic.inputs?.[0]).not.toHaveProperty('content');
    expect(basic.inputs?.[0]?.path).toBe('/v/in.txt');
    expect(basic.logs?.[0]?.logs[0]).toMatchObject({ exit_code: 0 });
    expect(basic.logs?.[0]?.logs[0]).not.toHaveProperty('stdout');
    expect(basic.logs?.[0]?.logs[0]).not.toHaveProperty('stderr');
    expect(basic.logs?.[0]).not.toHaveProperty('system_logs');

    const full = await tes.getTask(id, { view: 'FULL' });
    expect(full.inputs?.[0]?.content).toBe('secret-ish content');
    expect(full.logs?.[0]?.logs[0]).toMatchObject({ exit_code: 0, stdout: 'out\n', stderr: 'err\n' });
    expect(Array.isArray(full.logs?.[0]?.system_logs)).toBe(true);
  });

  it('filters lists by name prefix, state and tags (key-only filters zipped with an empty value)', async () => {
    const run = `run-${Date.now()}`;
    const ok1 = await tes.createTask({ name: `${run}-a`, tags: { run, kind: 'ok', extra: 'x' }, executors: sh('true') });
    const ok2 = await tes.createTask({ name: `${run}-b`, tags: { run, kind: 'ok' }, executors: sh('true') });
    const bad = await tes.createTask({ name: `other-${run}`, tags: { run, kind: 'bad' }, executors: sh('exit 1') });
    for (const id of [ok1, ok2, bad]) await tes.waitForTask(id, fast);
    const ids = async (options: Parameters<TesClient['listTasks']>[0]) => (await tes.listTasks(options).toArray()).map((t) => t.id);

    expect(await ids({ namePrefix: `${run}-` })).toEqual([ok2, ok1]);
    expect(await ids({ tags: { run, kind: 'ok' } })).toEqual([ok2, ok1]);
    expect(await ids({ tags: { extra: '', run } })).toEqual([ok1]);
    expect(await ids({ tags: { run }, state: 'EXECUTOR_ERROR' })).toEqual([bad]);
    expect(await ids({ tags: { run }, state: 'COMPLETE' })).toEqual([ok2, ok1]);
    const basic = await tes.listTasks({ namePrefix: `other-${run}`, view: 'BASIC' });
    expect(basic.tasks.map((t) => [t.name, t.tags?.kind])).toEqual([[`other-${run}`, 'bad']]);
  });

  it('iterates every task across at least 3 pages, newest first', async () => {
    const batch = `page-${Date.now()}`;
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push(await tes.createTask({ tags: { batch }, executors: sh('true') }));
    const pages = [];
    for await (const page of tes.listTasks({ tags: { batch }, pageSize: 3 }).pages()) pages.push(page.tasks.map((t) => t.id));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...created].reverse());

    const seen: string[] = [];
    for await (const task of tes.listTasks({ tags: { batch }, pageSize: 2 })) seen.push(task.id);
    expect(seen).toEqual([...created].reverse());
    const first = await tes.listTasks({ tags: { batch }, pageSize: 3 });
    const second = await tes.listTasks({ tags: { batch }, pageSize: 3, pageToken: first.nextPageToken as string });
    expect(second.tasks.map((t) => t.id)).toEqual(pages[1]);
    for (const id of created) await tes.waitForTask(id, fast);
  });

  it('creates one task per idempotency key, and finds it by the key', async () => {
    const key = `it-key-${Date.now()}`;
    const first = await tes.createTask({ name: 'it-idem', executors: sh('true') }, { idempotencyKey: key });
    const again = await tes.createTask({ name: 'it-idem', executors: sh('true') }, { idempotencyKey: key });
    expect(again).toBe(first);
    expect(await tes.findTask(key)).toBe(first);
    expect(await tes.findTask(`${key}-never-used`)).toBeUndefined();
    expect((await tes.listTasks({ namePrefix: 'it-idem' }).toArray()).map((t) => t.id)).toEqual([first]);
    await tes.waitForTask(first, fast);
  });

  it('works with the base URL at /ga4gh/tes/v1, /v1 and /, and probes it from the origin', async () => {
    for (const base of [`${server.origin}/ga4gh/tes/v1`, `${server.origin}/v1`, `${server.origin}/`]) {
      const client = new TesClient({ baseUrl: base });
      const id = await client.createTask({ executors: sh('true') });
      expect((await client.getTask(id)).id).toBe(id);
      expect((await client.listTasks({ pageSize: 1 })).tasks).toHaveLength(1);
      await client.waitForTask(id, fast);
    }
    const probed = await TesClient.probe({ baseUrl: server.origin });
    expect(probed.http.baseUrl.href).toBe(`${server.origin}/ga4gh/tes/v1/`);
  });

  it('stops waiting on timeout or abort without cancelling the task', async () => {
    const id = await tes.createTask({ executors: sh('sleep 30') });
    const timedOut = await tes.waitForTask(id, { ...fast, timeout: 300 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(TimeoutError);
    expect((timedOut as TimeoutError).scope).toBe('wait');
    const controller = new AbortController();
    const waiting = tes.waitForTask(id, { ...fast, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(['QUEUED', 'INITIALIZING', 'RUNNING']).toContain((await tes.getTask(id)).state);
    await tes.cancelTask(id);
    expect((await tes.waitForTask(id, fast)).state).toBe('CANCELED');
  });
});

/** Waits (10 s at most) until no process has this pid. */
async function expectGone(pid: number): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; alive() && i < 200; i++) await new Promise((r) => setTimeout(r, 50));
  expect(alive(), `process ${pid} still runs`).toBe(false);
}
