/**
 * TesClient against the reference TES server where a test needs its knobs:
 * fault injection (a create whose connection drops after it was stored),
 * request counts, auth settings, and the OpenAPI check of every request and
 * answer. What is plain server behaviour runs on Funnel too (tes.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, IDEMPOTENCY_TAG, TesClient, type TesTask } from '../../src/internal.js';
import { startTesServer, type TesServer } from '../peers/tes-server/server.js';

const sh = (script: string): TesTask['executors'] => [{ image: 'alpine:3', command: ['sh', '-c', script] }];

let server: TesServer;
let tes: TesClient;

beforeAll(async () => {
  server = await startTesServer();
  tes = new TesClient({ baseUrl: server.url });
});

afterAll(async () => {
  await server?.close();
});

describe('TesClient against the reference TES server', () => {
  it('reads the backend parameters of its service-info', async () => {
    expect((await tes.serviceInfo()).tesResources_backend_parameters).toEqual(['vm_size']);
  });

  it('creates exactly one task when the connection drops after the server stored it', async () => {
    server.dropCreates(1);
    const name = `ambiguous-${Date.now()}`;
    const id = await tes.createTask({ name, executors: sh('true') });
    const stored = server.tasks().filter((t) => t.doc.name === name);
    expect(stored.map((t) => t.id)).toEqual([id]);
    expect(stored[0]?.doc.tags?.[IDEMPOTENCY_TAG]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('fetches one page per request: 7 tasks in pages of 3 cost 3 list requests', async () => {
    const batch = `page-${Date.now()}`;
    for (let i = 0; i < 7; i++) await tes.createTask({ tags: { batch }, executors: sh('true') });
    const before = server.counts.ListTasks ?? 0;
    const sizes: number[] = [];
    for await (const page of tes.listTasks({ tags: { batch }, pageSize: 3 }).pages()) sizes.push(page.tasks.length);
    expect(sizes).toEqual([3, 3, 1]);
    expect((server.counts.ListTasks ?? 0) - before).toBe(3);
  });

  it('holds every request and response to the OpenAPI document', () => {
    expect(server.rejected).toEqual([]);
    expect(server.violations).toEqual([]);
  });
});

describe('TesClient auth against the reference TES server', () => {
  it('refreshes a bearer token from its provider after a 401', async () => {
    let current = 'token-1';
    const secured = await startTesServer({ bearerTokens: () => [current] });
    try {
      const asked: boolean[] = [];
      const client = new TesClient({
        baseUrl: secured.url,
        auth: { type: 'bearer', token: ({ refresh }) => (asked.push(refresh), current) },
      });
      await client.serviceInfo();
      current = 'token-2';
      await client.serviceInfo();
      expect(asked).toEqual([false, true]);
      const wrong = new TesClient({ baseUrl: secured.url, auth: { type: 'bearer', token: 'stale' } });
      const error = await wrong.serviceInfo().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(JSON.stringify((error as AuthenticationError).toJSON())).not.toContain('stale');
    } finally {
      await secured.close();
    }
  });

  it('sends basic credentials and extra headers', async () => {
    const secured = await startTesServer({ basic: { username: 'ada', password: 'pw-123' } });
    try {
      const client = new TesClient({ baseUrl: secured.url, auth: { type: 'basic', username: 'ada', password: 'pw-123' }, headers: { 'x-request-source': 'it' } });
      const id = await client.createTask({ executors: sh('true') });
      expect((await client.getTask(id)).id).toBe(id);
      await expect(new TesClient({ baseUrl: secured.url }).getTask(id)).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      await secured.close();
    }
  });
});
