/**
 * Funnel's deviations from TES 1.1 (../shared/peers/funnel/SOURCE.md), each shown on the
 * real server's raw answer and then met by the SDK: the client accepts what Funnel adds,
 * holds every answer to the view asked for, stops at the empty page after the last full
 * one, takes cancel's 200 with a `message`, and the TES site stays safe with an example
 * `storage` list.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, nodeLocalFiles, submitJob, TesClient, TesSite, ValidationError, type TesTask } from '../../src/node.js';
import { FUNNEL_EXAMPLE_STORAGE, FUNNEL_START_TIMEOUT_MS, startFunnelUnderTest, type TesServerUnderTest } from './tes-servers.js';

const fast = { minInterval: 20, maxInterval: 200, timeout: 60_000 };
const sh = (script: string): TesTask['executors'] => [{ image: 'alpine:3', command: ['sh', '-c', script] }];

let server: TesServerUnderTest;
let tes: TesClient;
/** Funnel's own answer, as JSON. */
const raw = async (path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  server = await startFunnelUnderTest();
  tes = new TesClient({ baseUrl: server.url });
}, FUNNEL_START_TIMEOUT_MS);
afterAll(async () => {
  await server?.stop();
});

describe("the SDK copes with Funnel's deviations", () => {
  it('service-info type.version is Funnel’s own version: read as given, and the site probes fine', async () => {
    const { body } = await raw('/service-info');
    expect(body.type).toEqual({ artifact: 'tes', group: 'org.ga4gh', version: server.funnel?.version });
    expect((await tes.serviceInfo()).type.version).toBe(server.funnel?.version);
    expect(await new TesSite({ client: tes }).probe()).toMatchObject({ ok: true, version: server.funnel?.version, storages: FUNNEL_EXAMPLE_STORAGE });
  });

  it('service-info storage is a fixed example list: the site inlines a small local input and refuses a local output before sending anything', async () => {
    expect((await raw('/service-info')).body.storage).toEqual(FUNNEL_EXAMPLE_STORAGE);
    const site = new TesSite({ client: tes, files: nodeLocalFiles() });
    const work = await mkdtemp(join(server.scratch, 'storage-'));
    await writeFile(join(work, 'words.txt'), 'b\na\n');
    const result = await submitJob(site, { name: 'storage-inline', inputs: [{ path: '/d/words.txt', url: join(work, 'words.txt') }], executors: [{ image: 'a', command: ['sort', '/d/words.txt'] }] }, { engine: new JobEngine({ poll: { minIntervalMs: 100, maxIntervalMs: 300 } }) }).wait();
    expect(result).toMatchObject({ state: 'complete', exitCodes: [0] });
    expect(result.logs.executors[0]?.stdout).toBe('a\nb\n');
    const [sent] = await tes.listTasks({ namePrefix: 'storage-inline', view: 'FULL' }).toArray();
    expect(sent?.inputs?.[0]).toMatchObject({ path: '/d/words.txt', content: 'b\na\n' });

    const before = (await tes.listTasks({ view: 'MINIMAL' }).toArray()).length;
    const refused = await site.submit({ outputs: [{ path: '/d/out', url: join(work, 'out') }], executors: [{ image: 'a', command: ['true'] }] }, { idempotencyKey: 'storage-refused' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toEqual([{ path: '$.outputs[0].url', message: expect.stringContaining(FUNNEL_EXAMPLE_STORAGE.join(', ')) }]);
    expect((await tes.listTasks({ view: 'MINIMAL' }).toArray()).length).toBe(before);
  });

  it('MINIMAL carries every field, empty: getTask and listTasks return id and state only', async () => {
    const id = await tes.createTask({ name: 'minimal', tags: { view: 'minimal' }, executors: sh('true') });
    await tes.waitForTask(id, fast);
    const { body } = await raw(`/tasks/${id}?view=MINIMAL`);
    expect(body).toMatchObject({ id, state: 'COMPLETE', name: '', executors: [], inputs: [], logs: [], tags: {} });
    expect(await tes.getTask(id)).toEqual({ id, state: 'COMPLETE' });
    const listed = await tes.listTasks({ namePrefix: 'minimal', view: 'MINIMAL' });
    expect(listed.tasks).toEqual([{ id, state: 'COMPLETE' }]);
  });

  it('BASIC carries empty content, stdout, stderr and system_logs: the client drops them', async () => {
    const id = await tes.createTask({ name: 'basic', inputs: [{ path: '/b/in.txt', content: 'kept out of BASIC' }], executors: sh('echo out') });
    await tes.waitForTask(id, fast);
    const { body } = await raw(`/tasks/${id}?view=BASIC`);
    const rawLog = (body.logs as Array<Record<string, unknown>>)[0];
    expect((body.inputs as unknown[])[0]).toMatchObject({ content: '' });
    expect(rawLog).toMatchObject({ system_logs: [], logs: [{ stdout: '', stderr: '', exit_code: 0 }] });
    const basic = await tes.getTask(id, { view: 'BASIC' });
    expect(basic.inputs?.[0]).not.toHaveProperty('content');
    expect(basic.logs?.[0]).not.toHaveProperty('system_logs');
    expect(basic.logs?.[0]?.logs[0]).toEqual(expect.not.objectContaining({ stdout: expect.anything() }));
    expect(basic.logs?.[0]?.logs[0]).not.toHaveProperty('stderr');
    expect(basic.logs?.[0]?.logs[0]?.exit_code).toBe(0);
    // FULL still has them, with their values.
    const full = await tes.getTask(id, { view: 'FULL' });
    expect([full.inputs?.[0]?.content, full.logs?.[0]?.logs[0]?.stdout]).toEqual(['kept out of BASIC', 'out\n']);
  });

  it('a tag-filtered ListTasks answers BASIC when MINIMAL was asked: the client holds it to MINIMAL', async () => {
    const id = await tes.createTask({ name: 'tagged', tags: { deviation: 'tag-view' }, executors: sh('true') });
    const { body } = await raw('/tasks?view=MINIMAL&tag_key=deviation&tag_value=tag-view');
    expect((body.tasks as Array<Record<string, unknown>>)[0]).toMatchObject({ id, name: 'tagged', tags: { deviation: 'tag-view' } });
    expect((body.tasks as Array<Record<string, unknown>>)[0]?.creation_time).not.toBe('');
    const listed = await tes.listTasks({ tags: { deviation: 'tag-view' } });
    expect(listed.tasks.map((t) => Object.keys(t).sort())).toEqual([['id', 'state']]);
    await tes.waitForTask(id, fast);
  });

  it('the last full page carries a token whose page is empty: iteration ends on it without yielding it', async () => {
    const batch = `full-pages-${Date.now()}`;
    const created: string[] = [];
    for (let i = 0; i < 4; i++) created.push(await tes.createTask({ tags: { batch }, executors: sh('true') }));
    const first = await raw(`/tasks?view=MINIMAL&page_size=2&tag_key=batch&tag_value=${batch}`);
    const second = await raw(`/tasks?view=MINIMAL&page_size=2&tag_key=batch&tag_value=${batch}&page_token=${String(first.body.next_page_token)}`);
    const third = await raw(`/tasks?view=MINIMAL&page_size=2&tag_key=batch&tag_value=${batch}&page_token=${String(second.body.next_page_token)}`);
    expect([(first.body.tasks as unknown[]).length, (second.body.tasks as unknown[]).length, third.body.tasks]).toEqual([2, 2, []]);
    expect(second.body.next_page_token).not.toBe('');

    const pages: string[][] = [];
    for await (const page of tes.listTasks({ tags: { batch }, pageSize: 2 }).pages()) pages.push(page.tasks.map((t) => t.id));
    expect(pages).toEqual([created.slice(2).reverse(), created.slice(0, 2).reverse()]);
    expect(await tes.listTasks({ tags: { batch }, pageSize: 2 }).toArray()).toHaveLength(4);
    for (const id of created) await tes.waitForTask(id, fast);
  });

  it('cancel of a finished task answers 200 with a message: cancelTask resolves, the task stays as it ended', async () => {
    const id = await tes.createTask({ executors: sh('true') });
    await tes.waitForTask(id, fast);
    const answer = await raw(`/tasks/${id}:cancel`, { method: 'POST' });
    expect(answer).toEqual({ status: 200, body: { message: expect.stringContaining('COMPLETE') } });
    await expect(tes.cancelTask(id)).resolves.toBeUndefined();
    expect((await tes.getTask(id)).state).toBe('COMPLETE');
  });

  it('a 404 carries Funnel’s `error` body: NotFoundError with its excerpt', async () => {
    expect(await raw('/tasks/no-such-task')).toEqual({ status: 404, body: { error: expect.stringContaining('no-such-task') } });
    const error = await tes.getTask('no-such-task').catch((e: unknown) => e);
    expect(JSON.stringify(error)).toContain('task not found');
  });

  it('the Funnel log holds no request it refused', async () => {
    expect(await readFile(server.funnel?.logFile as string, 'utf8')).not.toMatch(/"level":"error"/);
  });
});
