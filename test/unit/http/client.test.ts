// HttpClient basics: URL joining, query parameters, the concurrency cap,
// fetch looked up per call, error excerpts, and the fetch adapter.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, BadRequestError, HttpClient, NotFoundError, ServerError } from '../../../src/internal.js';
import { hangingFetch, json, scriptedFetch, testClient } from './support.js';

describe('base URL joining', () => {
  it.each([
    ['http://api.test/v1', 'tasks', 'http://api.test/v1/tasks'],
    ['http://api.test/v1/', 'tasks', 'http://api.test/v1/tasks'],
    ['http://api.test/v1/', '/tasks', 'http://api.test/v1/tasks'],
    ['http://api.test/v1', '//tasks/a%2Fb', 'http://api.test/v1/tasks/a%2Fb'],
    ['http://api.test/ga4gh/tes/v1', 'tasks/t1:cancel', 'http://api.test/ga4gh/tes/v1/tasks/t1:cancel'],
    ['http://api.test', '', 'http://api.test/'],
    ['http://api.test/v1?x=1', 'jobs', 'http://api.test/v1/jobs'],
  ])('%s + %s = %s', (base, path, expected) => {
    expect(new HttpClient({ baseUrl: base }).url(path).toString()).toBe(expected);
  });

  it('uses an absolute url instead of the path when given', async () => {
    const fetch = scriptedFetch([json(200, {})]);
    await testClient({ fetch }).request({ url: 'http://other.test/x?y=1', query: { z: 2 } });
    expect(fetch.calls[0]?.url.toString()).toBe('http://other.test/x?y=1&z=2');
  });
});

describe('query parameters', () => {
  it('repeats arrays, keeps empty strings, zero and false, drops null and undefined', async () => {
    const fetch = scriptedFetch([json(200, {})]);
    await testClient({ fetch }).request({
      path: 'tasks',
      query: { tag: ['a', 'b c'], empty: '', zero: 0, no: false, gone: undefined, nil: null, none: [] },
    });
    const url = fetch.calls[0]!.url;
    expect(url.searchParams.getAll('tag')).toEqual(['a', 'b c']);
    expect(url.search).toBe('?tag=a&tag=b+c&empty=&zero=0&no=false');
  });

  it('url() appends a query too', () => {
    expect(new HttpClient({ baseUrl: 'http://api.test/' }).url('x', { a: [1, 2], b: 'é&=' }).search).toBe('?a=1&a=2&b=%C3%A9%26%3D');
  });
});

describe('concurrency cap', () => {
  it('never has more than maxConcurrency requests in flight, and serves them all', async () => {
    let inFlight = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const fetch = scriptedFetch([
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((resolve) => gates.push(resolve));
        inFlight--;
        return json(200, { ok: true });
      },
    ]);
    const http = testClient({ fetch, maxConcurrency: 2 });
    const all = Promise.all(Array.from({ length: 6 }, (_, i) => http.json({ path: `r${i}` })));
    for (let served = 0; served < 6; served++) {
      await vi.waitFor(() => expect(gates.length).toBeGreaterThan(0));
      expect(inFlight).toBeLessThanOrEqual(2);
      gates.shift()!();
    }
    await expect(all).resolves.toHaveLength(6);
    expect(peak).toBe(2);
    expect(fetch.calls).toHaveLength(6);
  });

  it('a request waiting for a slot can be aborted, and the slot goes to the next one', async () => {
    const fetch = hangingFetch();
    const http = testClient({ fetch, maxConcurrency: 1, timeout: 60_000 });
    const first = new AbortController();
    const holder = http.request({ path: 'holder', signal: first.signal }).catch((e: unknown) => e);
    const waiting = new AbortController();
    const waiter = http.request({ path: 'waiter', signal: waiting.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(fetch.calls).toBe(1));
    waiting.abort();
    expect(await waiter).toBeInstanceOf(AbortError);
    expect(fetch.calls).toBe(1);
    first.abort();
    expect(await holder).toBeInstanceOf(AbortError);
    const next = http.request({ path: 'next', signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(fetch.calls).toBe(2));
    expect(await next).toBeInstanceOf(AbortError);
  });

  it('holds the slot while `read` reads the body', async () => {
    let reading = 0;
    let peakReading = 0;
    const fetch = scriptedFetch([json(200, {})]);
    const http = testClient({ fetch, maxConcurrency: 1 });
    const read = async (): Promise<void> => {
      reading++;
      peakReading = Math.max(peakReading, reading);
      await new Promise((resolve) => setTimeout(resolve, 5));
      reading--;
    };
    await Promise.all([1, 2, 3].map(() => http.request({ path: 'x', read })));
    expect(peakReading).toBe(1);
  });
});

describe('fetch', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('looks up globalThis.fetch on every call, so interceptors installed later apply', async () => {
    const http = new HttpClient({ baseUrl: 'http://api.test/' });
    const first = scriptedFetch([json(200, { n: 1 })]);
    vi.stubGlobal('fetch', first);
    await expect(http.json({ path: 'x' })).resolves.toEqual({ n: 1 });
    const second = scriptedFetch([json(200, { n: 2 })]);
    vi.stubGlobal('fetch', second);
    await expect(http.json({ path: 'x' })).resolves.toEqual({ n: 2 });
    expect([first.calls.length, second.calls.length]).toEqual([1, 1]);
  });

  it('returns accepted statuses as responses instead of throwing', async () => {
    const fetch = scriptedFetch([json(404, { missing: true })]);
    const response = await testClient({ fetch }).request({ path: 'x', acceptStatus: [404] });
    expect(response.status).toBe(404);
    await expect(response.json()).resolves.toEqual({ missing: true });
  });
});

describe('HTTP errors', () => {
  it('carry status, method, redacted url and a bounded body excerpt, even for a large cloned body', async () => {
    const big = 'x'.repeat(100_000);
    const fetch = scriptedFetch([new Response(`bad input: ${big}`, { status: 400 })]);
    const error = await testClient({ fetch }).request({ method: 'DELETE', path: 'tasks/1', query: { access_token: 'abc' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    const e = error as BadRequestError;
    expect([e.status, e.method, e.url]).toEqual([400, 'DELETE', 'http://api.test/v1/tasks/1?access_token=[REDACTED]']);
    expect(e.bodyExcerpt?.startsWith('bad input: xxx')).toBe(true);
    expect(e.bodyExcerpt?.length).toBeLessThanOrEqual(501);
    expect(e.message).toContain('DELETE http://api.test/v1/tasks/1?access_token=[REDACTED] failed with HTTP 400');
  });

  it('maps 5xx statuses to ServerError and keeps the most specific class', async () => {
    const fetch = scriptedFetch([json(507, {})]);
    const error = await testClient({ fetch, retry: false }).request({ path: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).not.toBeInstanceOf(NotFoundError);
  });
});

describe('fetchAdapter', () => {
  it('sends a Request through the client (auth, retries) and returns a readable Response', async () => {
    const fetch = scriptedFetch([json(503, {}), json(200, { via: 'adapter' })]);
    const http = testClient({ fetch, auth: { type: 'bearer', token: 'adapter-token' } });
    const adapter = http.fetchAdapter();
    const response = await adapter(new Request('http://api.test/v1/tasks?view=MINIMAL', { method: 'GET', headers: { accept: 'application/json' } }));
    await expect(response.json()).resolves.toEqual({ via: 'adapter' });
    expect(fetch.calls).toHaveLength(2);
    const headers = new Headers(fetch.calls[1]?.init.headers);
    expect([headers.get('authorization'), headers.get('accept')]).toEqual(['Bearer adapter-token', 'application/json']);
    expect(fetch.calls[1]?.url.toString()).toBe('http://api.test/v1/tasks?view=MINIMAL');
  });

  it.each([204, 205, 304])('passes a bodiless %i answer through', async (status) => {
    const fetch = scriptedFetch([new Response(null, { status })]);
    const http = testClient({ fetch });
    const response = await http.fetchAdapter({ acceptStatus: [304] })(new Request('http://api.test/v1/tasks/1', { method: 'DELETE' }));
    expect(response.status).toBe(status);
    expect(response.body).toBeNull();
  });
});
