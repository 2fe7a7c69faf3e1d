/**
 * TesClient contract tests: faults a real server will not produce on demand,
 * against an msw fake whose handler checks every request (and every normal
 * answer) against the TES OpenAPI document.
 */
import { delay, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionError,
  IDEMPOTENCY_TAG,
  isTerminal,
  NotFoundError,
  ProtocolError,
  RateLimitError,
  ServerError,
  TES_STATES,
  TesClient,
  ValidationError,
  type HttpEvent,
  type TesClientOptions,
  type TesState,
} from '../../src/internal.js';
import { TesOpenApi } from '../peers/tes-server/openapi.js';
import { BASE, FakeTes, TOKEN, type FakeOptions } from './tes-fake.js';

const msw = setupServer();
let api: TesOpenApi;
let fake: FakeTes;
let events: HttpEvent[];

beforeAll(async () => {
  api = await TesOpenApi.load();
  fake = new FakeTes(api);
  msw.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => {
  expect(fake.problems).toEqual([]);
  msw.resetHandlers();
});
afterAll(() => msw.close());

function setup(options: FakeOptions = {}, client: Partial<TesClientOptions> = {}): TesClient {
  fake = new FakeTes(api, options);
  msw.use(fake.handler());
  events = [];
  return new TesClient({
    baseUrl: BASE,
    auth: { type: 'bearer', token: TOKEN },
    retry: { retries: 4, minDelay: 1, maxDelay: 5 },
    onEvent: (event) => events.push(event),
    ...client,
  } as TesClientOptions);
}

const task = { name: 'c', executors: [{ image: 'alpine:3', command: ['true'] }] };
const fast = { minInterval: 1, maxInterval: 2, timeout: 10_000 };

describe('states', () => {
  const terminal: TesState[] = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'];

  it('knows all 11 TES 1.1 states and which are terminal', () => {
    expect([...TES_STATES].sort()).toEqual(
      ['CANCELED', 'CANCELING', 'COMPLETE', 'EXECUTOR_ERROR', 'INITIALIZING', 'PAUSED', 'PREEMPTED', 'QUEUED', 'RUNNING', 'SYSTEM_ERROR', 'UNKNOWN'].sort(),
    );
    expect(TES_STATES.filter((s) => isTerminal(s)).sort()).toEqual([...terminal].sort());
  });

  it.each(terminal)('waits through every non-terminal state until %s', async (end) => {
    const tes = setup({ states: { t1: ['UNKNOWN', 'QUEUED', 'INITIALIZING', 'RUNNING', 'PAUSED', 'CANCELING', end] } });
    const id = await tes.createTask(task);
    const done = await tes.waitForTask(id, { ...fast, view: 'MINIMAL' });
    expect(done).toEqual({ id, state: end });
    expect(fake.count('GetTask')).toBe(7);
  });

  it('reads a PREEMPTED task as ended, and CANCELING as still going', async () => {
    const tes = setup({ states: { t1: ['CANCELING', 'CANCELING', 'CANCELED'], t2: ['RUNNING', 'PREEMPTED'] } });
    const a = await tes.createTask(task);
    const b = await tes.createTask(task);
    expect((await tes.waitForTask(a, { ...fast, view: 'MINIMAL' })).state).toBe('CANCELED');
    expect((await tes.waitForTask(b, { ...fast, view: 'MINIMAL' })).state).toBe('PREEMPTED');
  });

  it('rejects a state the spec does not know instead of polling forever', async () => {
    const tes = setup();
    const id = await tes.createTask(task);
    fake.fault = (seen) => (seen.operationId === 'GetTask' ? HttpResponse.json({ id, state: 'COMPLETED' }) : undefined);
    const error = await tes.waitForTask(id, fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).message).toContain('unknown task state "COMPLETED"');
    expect(fake.count('GetTask')).toBe(1);
  });

  it('treats a missing state as UNKNOWN (the spec default) and keeps polling', async () => {
    const tes = setup();
    const id = await tes.createTask(task);
    let polls = 0;
    fake.fault = (seen) => {
      if (seen.operationId !== 'GetTask') return undefined;
      polls++;
      return HttpResponse.json(polls < 3 ? { id } : { id, state: 'COMPLETE' });
    };
    expect((await tes.waitForTask(id, { ...fast, view: 'MINIMAL' })).state).toBe('COMPLETE');
    expect(polls).toBe(3);
  });
});

describe('a TES 1.0 server', () => {
  it('creates, waits and lists even though it ignores state and tag filters', async () => {
    const tes = setup({ tes10: true, states: { t1: ['QUEUED', 'RUNNING', 'COMPLETE'] } });
    expect((await tes.serviceInfo()).type.version).toBe('1.0.0');
    const id = await tes.createTask(task);
    expect((await tes.waitForTask(id, { ...fast, view: 'MINIMAL' })).state).toBe('COMPLETE');
    expect((await tes.listTasks({ namePrefix: 'c' }).toArray()).map((t) => t.id)).toEqual([id]);
  });

  it('still finds the one task of an ambiguous create by its tag, matching tags itself', async () => {
    const tes = setup({ tes10: true });
    fake.store({ name: 'c', executors: task.executors, tags: { [IDEMPOTENCY_TAG]: 'someone-else' } });
    let dropped = false;
    fake.fault = (seen, f) => {
      if (seen.operationId !== 'CreateTask' || dropped) return undefined;
      dropped = true;
      f.store(seen.body as typeof task);
      return HttpResponse.error();
    };
    const id = await tes.createTask(task);
    expect(fake.tasks.filter((t) => t.tags?.[IDEMPOTENCY_TAG] !== 'someone-else').map((t) => t.id)).toEqual([id]);
    expect(fake.count('CreateTask')).toBe(1);
  });

  it('findTask matches tags itself too: the key of another task is not found, its own is', async () => {
    const tes = setup({ tes10: true });
    const other = fake.store({ name: 'c', executors: task.executors, tags: { [IDEMPOTENCY_TAG]: 'someone-else' } });
    const mine = await tes.createTask(task, { idempotencyKey: 'mine' });
    expect(await tes.findTask('mine')).toBe(mine);
    expect(await tes.findTask('someone-else')).toBe(other);
    expect(await tes.findTask('nobody')).toBeUndefined();
    const before = fake.count('ListTasks');
    await expect(tes.findTask('')).rejects.toBeInstanceOf(ValidationError);
    expect(fake.count('ListTasks')).toBe(before);
  });
});

describe('faults', () => {
  it('honours Retry-After on 429 for reads', async () => {
    const tes = setup();
    const id = await tes.createTask(task);
    let limited = 0;
    fake.fault = (seen) =>
      seen.operationId === 'GetTask' && limited++ < 2
        ? HttpResponse.json({ message: 'slow down' }, { status: 429, headers: { 'retry-after': '0.05' } })
        : undefined;
    expect((await tes.getTask(id)).id).toBe(id);
    expect(fake.count('GetTask')).toBe(3);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { delayMs: number }).delayMs)).toEqual([50, 50]);
  });

  it('retries a 429 on create after Retry-After, creating one task', async () => {
    const tes = setup();
    let limited = false;
    fake.fault = (seen) => {
      if (seen.operationId !== 'CreateTask' || limited) return undefined;
      limited = true;
      return HttpResponse.json({}, { status: 429, headers: { 'retry-after': '0.02' } });
    };
    const id = await tes.createTask(task);
    expect(fake.tasks.map((t) => t.id)).toEqual([id]);
    expect(fake.count('CreateTask')).toBe(2);
  });

  it('gives up on 429 after the retries with a RateLimitError carrying Retry-After', async () => {
    const tes = setup({}, { retry: { retries: 1, minDelay: 1 } });
    fake.fault = () => HttpResponse.json({}, { status: 429, headers: { 'retry-after': '0.01' } });
    const error = await tes.listTasks().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(10);
  });

  it('rides out a burst of 5xx on reads and across pages', async () => {
    const tes = setup({ pageSize: 2 });
    for (let i = 0; i < 5; i++) fake.store({ ...task, name: `n${i}` });
    const statuses = [503, 502, 500];
    let n = 0;
    fake.fault = (seen) => (seen.operationId === 'ListTasks' && n++ % 4 < 3 ? HttpResponse.json({ message: 'busy' }, { status: statuses[n % 3] as number }) : undefined);
    const all = await tes.listTasks({ view: 'BASIC' }).toArray();
    expect(all.map((t) => t.name)).toEqual(['n4', 'n3', 'n2', 'n1', 'n0']);
    expect(fake.count('ListTasks')).toBe(12);
  });

  it('throws ServerError once a 5xx burst outlasts the retries, with a redacted excerpt', async () => {
    const tes = setup({}, { retry: { retries: 2, minDelay: 1 } });
    fake.fault = () => HttpResponse.json({ message: `backend down, token ${TOKEN}` }, { status: 503 });
    const error = await tes.serviceInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(fake.count('GetServiceInfo')).toBe(3);
    expect(JSON.stringify((error as ServerError).toJSON())).not.toContain(TOKEN);
  });

  it.each([
    ['invalid JSON', 'GetTask', '{"id": "t1", "name": "$TOKEN", "state": ', 'not valid JSON'],
    ['HTML instead of JSON', 'GetServiceInfo', `<html>${'x'.repeat(150)} 502 Bad Gateway $TOKEN</html>`, 'not valid JSON'],
    ['a missing id on create', 'CreateTask', '{"note":"$TOKEN"}', 'no task id'],
    ['a wrong type for exit_code', 'GetTask', '{"id":"t1","state":"COMPLETE","logs":[{"logs":[{"exit_code":"3","stdout":"$TOKEN"}],"outputs":[]}]}', 'exit_code must be an integer'],
    ['tags that are not strings', 'GetTask', '{"id":"t1","state":"QUEUED","tags":{"n":1,"t":"$TOKEN"}}', 'tags must map strings'],
    ['tasks that are not an array', 'ListTasks', '{"tasks":{"id":"t1","name":"$TOKEN"}}', 'tasks must be an array'],
    ['a numeric page token', 'ListTasks', '{"tasks":[],"next_page_token":2,"x":"$TOKEN"}', 'next_page_token must be a string'],
  ])('turns %s into a ProtocolError with a short redacted excerpt', async (_name, operation, body, problem) => {
    const tes = setup();
    fake.store(task);
    fake.fault = (seen) =>
      seen.operationId === operation ? new HttpResponse(body.replace('$TOKEN', TOKEN), { headers: { 'content-type': 'application/json' } }) : undefined;
    const call =
      operation === 'GetTask' ? tes.getTask('t1', { view: 'FULL' })
      : operation === 'CreateTask' ? tes.createTask(task)
      : operation === 'ListTasks' ? tes.listTasks().then((p) => p)
      : tes.serviceInfo();
    const error = await (call as Promise<unknown>).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).message).toContain(problem);
    expect((error as ProtocolError).excerpt).toBeDefined();
    expect((error as ProtocolError).excerpt?.length).toBeLessThanOrEqual(200);
    expect(JSON.stringify((error as ProtocolError).toJSON())).not.toContain(TOKEN.slice(0, 12));
  });
});

describe('waiting through trouble', () => {
  it('keeps waiting through an outage longer than one request\'s retries', async () => {
    const tes = setup({ states: { t1: ['RUNNING', 'COMPLETE'] } }, { retry: { retries: 2, minDelay: 1, maxDelay: 2 } });
    const id = await tes.createTask(task);
    let down = 0;
    fake.fault = (seen) => (seen.operationId === 'GetTask' && down++ < 5 ? HttpResponse.json({}, { status: 503 }) : undefined);
    expect((await tes.waitForTask(id, { ...fast, view: 'MINIMAL' })).state).toBe('COMPLETE');
    expect(down).toBeGreaterThan(5);
  });

  it('gives up after maxPollFailures failed polls in a row', async () => {
    const tes = setup({}, { retry: { retries: 1, minDelay: 1, maxDelay: 2 } });
    const id = await tes.createTask(task);
    fake.fault = (seen) => (seen.operationId === 'GetTask' ? HttpResponse.json({}, { status: 500 }) : undefined);
    await expect(tes.waitForTask(id, { ...fast, maxPollFailures: 2 })).rejects.toBeInstanceOf(ServerError);
    expect(fake.count('GetTask')).toBe(6); // 3 polls, each tried twice by the HTTP layer
  });

  it('does not wait through a 404', async () => {
    const tes = setup();
    await expect(tes.waitForTask('gone', fast)).rejects.toBeInstanceOf(NotFoundError);
    expect(fake.count('GetTask')).toBe(1);
  });

  it('reads a Funnel-style answer that emits every field, empty ones included', async () => {
    const tes = setup();
    const funnel = { id: 't1', state: 'QUEUED', name: '', description: '', inputs: [], outputs: [], executors: [], volumes: [], tags: {}, logs: [], creation_time: '' };
    fake.fault = (seen) =>
      seen.operationId === 'ListTasks' ? HttpResponse.json({ tasks: [funnel], next_page_token: '' }) : seen.operationId === 'GetTask' ? HttpResponse.json(funnel) : undefined;
    expect(await tes.getTask('t1', { view: 'BASIC' })).toEqual(funnel);
    const page = await tes.listTasks({ view: 'BASIC' });
    expect(page).toEqual({ tasks: [funnel] });
  });

  it('reads camelCase field names as the spec\'s snake_case, leaving tag keys alone', async () => {
    const tes = setup();
    fake.fault = (seen) =>
      seen.operationId === 'GetTask'
        ? HttpResponse.json({ id: 't1', state: 'COMPLETE', creationTime: '2026-01-01T00:00:00Z', tags: { sampleId: 's1' }, logs: [{ logs: [{ exitCode: 0 }], outputs: [{ url: 'file:///o', path: '/o', sizeBytes: '3' }] }] })
        : undefined;
    const t = await tes.getTask('t1', { view: 'FULL' });
    expect(t.creation_time).toBe('2026-01-01T00:00:00Z');
    expect(t.tags).toEqual({ sampleId: 's1' });
    expect(t.logs?.[0]?.logs[0]?.exit_code).toBe(0);
    expect(t.logs?.[0]?.outputs[0]?.size_bytes).toBe('3');
  });
});

describe('ambiguous create', () => {
  it('looks the task up by its tag after a dropped connection, ending with exactly one task', async () => {
    const tes = setup();
    fake.fault = (seen, f) => {
      if (seen.operationId !== 'CreateTask' || f.count('CreateTask') > 1) return undefined;
      f.store(seen.body as typeof task); // the server stored it, then the connection broke
      return HttpResponse.error();
    };
    const id = await tes.createTask(task);
    expect(fake.tasks).toHaveLength(1);
    expect(fake.tasks[0]?.id).toBe(id);
    expect(fake.seen.map((s) => s.operationId)).toEqual(['CreateTask', 'ListTasks']);
    const lookup = fake.seen[1]?.url.searchParams;
    expect(lookup?.getAll('tag_key')).toEqual([IDEMPOTENCY_TAG]);
    expect(lookup?.getAll('tag_value')).toEqual([fake.tasks[0]?.tags?.[IDEMPOTENCY_TAG]]);
  });

  it('creates the task again when the lookup shows the first request never arrived', async () => {
    const tes = setup();
    fake.fault = (seen, f) => (seen.operationId === 'CreateTask' && f.count('CreateTask') === 1 ? HttpResponse.error() : undefined);
    const id = await tes.createTask(task);
    expect(fake.tasks.map((t) => t.id)).toEqual([id]);
    expect(fake.seen.map((s) => s.operationId)).toEqual(['CreateTask', 'ListTasks', 'CreateTask']);
  });

  it('recovers from an attempt timeout after the server stored the task', async () => {
    const tes = setup({}, { timeout: 100 });
    fake.fault = async (seen, f) => {
      if (seen.operationId !== 'CreateTask' || f.count('CreateTask') > 1) return undefined;
      f.store(seen.body as typeof task);
      await delay(1000);
      return HttpResponse.json({ id: 'late' });
    };
    const id = await tes.createTask(task);
    expect(fake.tasks.map((t) => t.id)).toEqual([id]);
    expect(fake.count('CreateTask')).toBe(1);
  });

  it('recovers from a 502 burst after the server stored the task', async () => {
    const tes = setup();
    fake.fault = (seen, f) => {
      if (seen.operationId !== 'CreateTask') return undefined;
      f.store(seen.body as typeof task);
      return HttpResponse.json({ message: 'gateway timeout' }, { status: 502 });
    };
    const id = await tes.createTask(task);
    expect(fake.tasks.map((t) => t.id)).toEqual([id]);
    expect(fake.count('CreateTask')).toBe(1);
  });

  it('looks up a caller-given idempotency key before the first create', async () => {
    const tes = setup();
    const first = await tes.createTask(task, { idempotencyKey: 'job-7' });
    const again = await tes.createTask(task, { idempotencyKey: 'job-7' });
    expect(again).toBe(first);
    expect(fake.tasks).toHaveLength(1);
  });

  it('fails with the ConnectionError when the server stays unreachable', async () => {
    const tes = setup({}, { retry: { retries: 2, minDelay: 1 } });
    fake.fault = () => HttpResponse.error();
    await expect(tes.createTask(task)).rejects.toBeInstanceOf(ConnectionError);
    expect(fake.tasks).toHaveLength(0);
  });
});

describe('requests', () => {
  it('zips tag filters with explicit empty values and sends every filter by its spec name', async () => {
    const tes = setup();
    await tes.listTasks({ tags: { any: '', run: 'r1' }, namePrefix: 'x', state: 'RUNNING', view: 'FULL', pageSize: 10 });
    const q = fake.seen[0]?.url.searchParams;
    expect(q?.getAll('tag_key')).toEqual(['any', 'run']);
    expect(q?.getAll('tag_value')).toEqual(['', 'r1']);
    expect(Object.fromEntries([...(q?.entries() ?? [])].filter(([k]) => !k.startsWith('tag_')))).toEqual({
      name_prefix: 'x',
      state: 'RUNNING',
      view: 'FULL',
      page_size: '10',
    });
  });

  it('sends the bearer token and extra headers on every call', async () => {
    const tes = setup({}, { headers: { 'x-trace-id': 'trace-1' } });
    await tes.serviceInfo();
    const id = await tes.createTask(task);
    await tes.getTask(id);
    await tes.cancelTask(id);
    expect(fake.seen.map((s) => [s.headers.get('authorization'), s.headers.get('x-trace-id')])).toEqual(Array(4).fill([`Bearer ${TOKEN}`, 'trace-1']));
  });

  it('encodes the id and keeps :cancel literal', async () => {
    const tes = setup();
    await tes.cancelTask('a/b c');
    expect(fake.seen[0]?.url.pathname).toBe('/ga4gh/tes/v1/tasks/a%2Fb%20c:cancel');
  });

  it('retries cancel (idempotent) through a 503', async () => {
    const tes = setup();
    let once = false;
    fake.fault = (seen) => (seen.operationId === 'CancelTask' && !once ? ((once = true), HttpResponse.json({}, { status: 503 })) : undefined);
    await tes.cancelTask('t9');
    expect(fake.count('CancelTask')).toBe(2);
  });

  it('ends pagination on an empty-string token, and on the empty page after an exact multiple without yielding it', async () => {
    const tes = setup({ pageSize: 2 });
    for (let i = 0; i < 4; i++) fake.store(task);
    const pages: number[] = [];
    for await (const page of tes.listTasks().pages()) pages.push(page.tasks.length);
    expect([pages, fake.count('ListTasks')]).toEqual([[2, 2], 3]);
  });

  it('stops a server that repeats a page token', async () => {
    const tes = setup();
    fake.fault = (seen) => (seen.operationId === 'ListTasks' ? HttpResponse.json({ tasks: [], next_page_token: 'same' }) : undefined);
    await expect(tes.listTasks().toArray()).rejects.toBeInstanceOf(ProtocolError);
    expect(fake.count('ListTasks')).toBe(2);
  });

  it('strips server-set fields and adds the idempotency tag on create', async () => {
    const tes = setup();
    await tes.createTask({ ...task, tags: { mine: 'yes' } });
    const body = fake.seen[0]?.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['executors', 'name', 'tags']);
    expect(Object.keys(body.tags as object).sort()).toEqual(['mine', IDEMPOTENCY_TAG].sort());
  });
});
