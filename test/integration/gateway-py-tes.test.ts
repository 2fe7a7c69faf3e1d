/**
 * The TES gateway with py-tes as its client (issue 9, acceptance 1, 2, 4):
 * tasks run on the LocalSite behind the gateway; every answer is checked
 * against the TES OpenAPI document.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TesClient } from '../../src/index.js';
import { createTesGateway, MemoryTaskStore } from '../../src/node.js';
import { startTestGateway, TOKENS, type TestGateway } from '../peers/gateway/gateway.js';
import { TesOpenApi } from '../peers/tes-server/openapi.js';
import { runWithPyTes } from '../peers/tes-server/py-tes.js';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';

const gatewayScript = (name: string): string => join(dirname(fileURLToPath(import.meta.url)), '../peers/gateway', name);

let gw: TestGateway;
let api: TesOpenApi;

beforeAll(async () => {
  gw = await startTestGateway();
  api = await TesOpenApi.load();
});
afterAll(async () => {
  await gw?.close();
});

const auth = (who: keyof typeof TOKENS = 'alice'): Record<string, string> => ({ authorization: `Bearer ${TOKENS[who]}` });

/** GETs a gateway path as a client and checks the 200 body against the TES document. */
async function getChecked(path: string, operationId: string, view?: string, who: keyof typeof TOKENS = 'alice'): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.url}${path}`, { headers: auth(who) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  expect(api.checkResponse(operationId, body, view)).toEqual([]);
  return body;
}

describe('py-tes against the gateway', () => {
  it('creates, gets in every view, lists with filters and pages, and cancels', async () => {
    const seen = JSON.parse(await runWithPyTes(gatewayScript('py_tes_gateway.py'), [gw.origin, TOKENS.alice, gw.scratch], { timeoutMs: 170_000 }));
    expect(seen.service_info).toEqual({ name: 'pulsar-network TES gateway', artifact: 'tes', version: '1.1.0', storage: ['file:///'] });
    expect(seen.complete).toMatchObject({
      state: 'COMPLETE',
      stdout: 'ok\n',
      exit_code: 0,
      basic_stdout: null,
      basic_exit_code: 0,
      basic_input_content: null,
      full_input_content: 'x\ny\n',
      minimal_name: null,
      minimal_state: 'COMPLETE',
      output_text: '2\n',
    });
    expect(seen.complete.outputs).toEqual([{ url: `file://${gw.scratch}/py-out.txt`, path: '/data/out.txt', size_bytes: 2 }]);
    const record = gw.gateway.task(seen.complete.id)?.decision;
    expect(seen.complete.basic_tags).toMatchObject({ client: 'py-tes', batch: 'one', 'pulsar-network.site': 'laptop', 'pulsar-network.strategy': 'earliestCompletion', 'pulsar-network.attempts': String(record?.attempts.length) });
    expect(seen.complete.basic_tags['pulsar-network.decision']).toBe(`/ga4gh/tes/v1/tasks/${seen.complete.id}/decision`);
    expect(seen.exit3).toEqual({ state: 'EXECUTOR_ERROR', exit_code: 3, stderr: 'bad\n' });
    expect(seen.cancel.final).toBe('CANCELED');
    expect(seen.missing_status).toBe(404);

    const { complete, exit3, sleep } = seen.ids as { complete: string; exit3: string; sleep: string };
    // pages of one, in creation order, no empty last page
    expect(seen.pages).toEqual([[complete], [exit3], [sleep]]);
    expect(seen.filters).toEqual({
      name_prefix: [exit3],
      state: [sleep],
      tag_pair: [complete],
      tag_key_only: [complete, sleep],
      tag_two_pairs: [complete],
      provenance_tag: [complete, exit3, sleep],
    });

    // the same answers, checked against the TES document in every view
    for (const view of ['MINIMAL', 'BASIC', 'FULL']) {
      await getChecked(`/tasks/${complete}?view=${view}`, 'GetTask', view);
      await getChecked(`/tasks?view=${view}`, 'ListTasks', view);
    }
    await getChecked('/service-info', 'GetServiceInfo');
    // our own TES client walks the same pages
    const ours = await new TesClient({ baseUrl: gw.url, auth: { type: 'bearer', token: TOKENS.alice } }).listTasks({ pageSize: 2 }).toArray();
    expect(ours.map((t) => t.id)).toEqual([complete, exit3, sleep]);

    // provenance: the decision record, and the sleeper canceled on its site
    const decision = await fetch(`${gw.url}/tasks/${complete}/decision`, { headers: auth() }).then((r) => r.json());
    expect(decision).toMatchObject({ schema: 'pulsar-network/decision-record/v1', chosen: 'laptop', submitted: true, job: { id: complete }, outcome: { state: 'complete', site: 'laptop' } });
    expect(gw.gateway.task(sleep)?.state).toBe('CANCELED');
  });

  it('runs a 3-task workflow as a TES workflow engine drives it, outputs arriving', async () => {
    const wf = join(gw.scratch, 'workflow');
    await mkdir(wf, { recursive: true });
    const steps = JSON.parse(await runWithPyTes(gatewayScript('py_tes_workflow.py'), [gw.origin, TOKENS.bob, wf], { timeoutMs: 170_000 }));
    expect(steps.map((s: { rule: string; state: string; exit_code: number; system_logs: string[] }) => [s.rule, s.state, s.exit_code, s.system_logs])).toEqual([
      ['make', 'COMPLETE', 0, []],
      ['upper', 'COMPLETE', 0, []],
      ['count', 'COMPLETE', 0, []],
    ]);
    expect(await readFile(join(wf, 'upper.txt'), 'utf8')).toBe('ALPHA\nBETA\nGAMMA\n');
    expect(await readFile(join(wf, 'count.txt'), 'utf8')).toBe('3\n');
    // bob's tasks are bob's alone
    const bobs = await getChecked('/tasks?view=MINIMAL&tag_key=workflow', 'ListTasks', 'MINIMAL', 'bob');
    expect((bobs.tasks as unknown[]).length).toBe(3);
    const alices = await getChecked('/tasks?view=MINIMAL&tag_key=workflow', 'ListTasks', 'MINIMAL', 'alice');
    expect(alices.tasks).toEqual([]);
  });
});

describe('bad requests', () => {
  const post = (path: string, body: string, headers: Record<string, string> = auth()) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('a malformed task gets a 400 whose JSON names every problem', async () => {
    const res = await post('/tasks', JSON.stringify({ executors: [{ image: '', command: 'echo' }], inputs: [{ path: 'rel' }], cpuCores: 2 }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { status: number; message: string; problems: string[] };
    expect(body.status).toBe(400);
    expect(body.problems).toEqual(
      expect.arrayContaining([
        '$.executors[0].image: must be a non-empty string',
        '$.executors[0].command: must be a non-empty array of strings (argv)',
        '$.inputs[0].path: must be an absolute container path',
        '$.inputs[0]: needs a url or a content',
        expect.stringMatching(/^\$\.cpuCores: is not a TES field/),
      ]),
    );
    const notJson = await post('/tasks', '{"executors": [');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toBe('the body is not JSON');
    const badQuery = await fetch(`${gw.url}/tasks?view=EVERYTHING&page_size=5000&page_token=zzz&state=DONE`, { headers: auth() });
    expect(badQuery.status).toBe(400);
    expect(((await badQuery.json()) as { problems: string[] }).problems).toHaveLength(4);
  });

  it("another client's task id gets a 404, for get, cancel and decision", async () => {
    const created = await post('/tasks', JSON.stringify({ name: 'mine', executors: [{ image: 'alpine', command: ['true'] }] }));
    const { id } = (await created.json()) as { id: string };
    for (const [method, path] of [
      ['GET', `/tasks/${id}`],
      ['POST', `/tasks/${id}:cancel`],
      ['GET', `/tasks/${id}/decision`],
    ] as const) {
      const res = await fetch(`${gw.url}${path}`, { method, headers: auth('bob') });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ status: 404, message: `no task ${id}` });
    }
    expect((await fetch(`${gw.url}/tasks/${id}`, { headers: auth('alice') })).status).toBe(200);
  });

  it('a missing or wrong token gets a 401', async () => {
    const none = await fetch(`${gw.url}/tasks`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="pulsar-network"');
    expect(await none.json()).toEqual({ status: 401, message: 'a bearer token is required' });
    const wrong = await fetch(`${gw.url}/service-info`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ status: 401, message: 'the bearer token is not valid' });
    const basic = await post('/tasks', '{}', { authorization: `Basic ${Buffer.from('alice:x').toString('base64')}` });
    expect(basic.status).toBe(401);
  });

  it('an oversized body gets a 413, declared or streamed', async () => {
    const big = JSON.stringify({ executors: [{ image: 'alpine', command: ['true'] }], inputs: [{ path: '/x', content: 'x'.repeat(1024 * 1024 + 1) }] });
    const res = await post('/tasks', big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { status: number }).status).toBe(413);
    // chunked, without a content-length
    const streamed = await fetch(`${gw.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth() },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('unknown routes and methods answer 404 and 405 with JSON', async () => {
    const nowhere = await fetch(`${gw.url}/nothing`, { headers: auth() });
    expect(nowhere.status).toBe(404);
    expect((await fetch(`${gw.origin}/tasks`, { headers: auth() })).status).toBe(404);
    // the short base path older clients use answers the same
    expect((await fetch(`${gw.origin}/v1/service-info`, { headers: auth() }).then((r) => r.json())).type).toEqual({ group: 'org.ga4gh', artifact: 'tes', version: '1.1.0' });
    const method = await fetch(`${gw.url}/service-info`, { method: 'DELETE', headers: auth() });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET');
  });
});

describe('a gateway without client tokens', () => {
  it('serves loopback callers as one local client, and refuses to listen anywhere else', async () => {
    expect(() => createTesGateway(gw.network, { store: new MemoryTaskStore(), onWarning: () => undefined })).toThrow(/needs client tokens.*allowUnauthenticated: true/);
    const open = createTesGateway(gw.network, { store: new MemoryTaskStore(), allowUnauthenticated: true, onWarning: () => undefined });
    await expect(open.listen({ host: '0.0.0.0' })).rejects.toThrow(/may only listen on a loopback address, not 0\.0\.0\.0/);
    const { url } = await open.listen();
    try {
      const created = await fetch(`${url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ executors: [{ image: 'alpine', command: ['true'] }] }) });
      expect(created.status).toBe(200);
      const { id } = (await created.json()) as { id: string };
      expect(open.task(id)?.owner).toBe('local');
      await open.idle();
      expect(open.task(id)?.state).toBe('COMPLETE');
    } finally {
      await open.close();
    }
  });
});
