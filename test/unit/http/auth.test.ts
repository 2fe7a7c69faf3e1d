// Auth schemes as they reach the wire, and the one token refresh after a 401.
import { describe, expect, it } from 'vitest';
import { AuthenticationError, HttpClient } from '../../../src/internal.js';
import { json, scriptedFetch, startServer, testClient } from './support.js';

describe('token provider', () => {
  it('asks for a new token exactly once after a 401, and the request succeeds with it', async () => {
    const asked: boolean[] = [];
    const tokens = ['stale-token', 'fresh-token'];
    const server = await startServer((req, res) => {
      if (req.headers.authorization === 'Bearer fresh-token') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      else res.writeHead(401).end('token expired');
    });
    try {
      const http = new HttpClient({
        baseUrl: server.url,
        auth: { type: 'bearer', token: ({ refresh }) => (asked.push(refresh), tokens[asked.length - 1] ?? 'none') },
      });
      await expect(http.json({ path: 'me' })).resolves.toEqual({ ok: true });
      expect(asked).toEqual([false, true]);
      expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer stale-token', 'Bearer fresh-token']);
      // The fresh token is kept for the next request.
      await http.json({ path: 'me' });
      expect(asked).toEqual([false, true]);
      expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer fresh-token');
    } finally {
      await server.close();
    }
  });

  it('gives up with AuthenticationError when the new token is refused too, without asking a third time', async () => {
    const asked: boolean[] = [];
    const fetch = scriptedFetch([json(401, {}), json(401, {}), json(200, {})]);
    const http = testClient({ fetch, auth: { type: 'bearer', token: async ({ refresh }) => (asked.push(refresh), `t${asked.length}`) } });
    await expect(http.request({ path: 'x' })).rejects.toBeInstanceOf(AuthenticationError);
    expect(asked).toEqual([false, true]);
    expect(fetch.calls).toHaveLength(2);
  });

  it('does not refresh a static token: a 401 is thrown after one request', async () => {
    const fetch = scriptedFetch([json(401, {}), json(200, {})]);
    const http = testClient({ fetch, auth: { type: 'bearer', token: 'static' } });
    await expect(http.request({ path: 'x' })).rejects.toBeInstanceOf(AuthenticationError);
    expect(fetch.calls).toHaveLength(1);
    expect(new Headers(fetch.calls[0]?.init.headers).get('authorization')).toBe('Bearer static');
  });

  it('concurrent requests share one first token and one refresh', async () => {
    const asked: boolean[] = [];
    const server = await startServer((req, res) => {
      // Answer only once all three stale requests are in, so their 401s overlap.
      const ok = req.headers.authorization === 'Bearer fresh';
      if (ok) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      else setTimeout(() => res.writeHead(401).end(), 20);
    });
    try {
      const http = new HttpClient({
        baseUrl: server.url,
        auth: {
          type: 'bearer',
          token: async ({ refresh }) => {
            asked.push(refresh);
            await new Promise((resolve) => setTimeout(resolve, 5));
            return refresh ? 'fresh' : 'stale';
          },
        },
      });
      const results = await Promise.all([1, 2, 3].map((i) => http.json({ path: `r${i}` })));
      expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
      expect(asked).toEqual([false, true]);
      const sent = server.requests.map((r) => r.headers.authorization);
      expect(sent.filter((a) => a === 'Bearer stale')).toHaveLength(3);
      expect(sent.filter((a) => a === 'Bearer fresh')).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('a failing provider fails the request with its error, and is asked again next time', async () => {
    let calls = 0;
    const fetch = scriptedFetch([json(200, {})]);
    const http = testClient({
      fetch,
      auth: {
        type: 'bearer',
        token: () => {
          calls++;
          if (calls === 1) throw new Error('identity provider down');
          return 'ok-token';
        },
      },
    });
    await expect(http.request({ path: 'x' })).rejects.toThrow('identity provider down');
    await expect(http.request({ path: 'x' })).resolves.toBeInstanceOf(Response);
    expect(calls).toBe(2);
    expect(fetch.calls).toHaveLength(1);
  });

  it('passes the signal to the provider and asks once for many requests', async () => {
    const signals: Array<AbortSignal | undefined> = [];
    const fetch = scriptedFetch([json(200, {})]);
    const http = testClient({ fetch, auth: { type: 'bearer', token: ({ signal }) => (signals.push(signal), 'tok') } });
    await http.request({ path: 'a' });
    await http.request({ path: 'b' });
    expect(signals).toHaveLength(1);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
  });
});

describe('auth schemes on the wire', () => {
  it('basic sends base64(user:password)', async () => {
    const fetch = scriptedFetch([json(200, {})]);
    const http = testClient({ fetch, auth: { type: 'basic', username: 'ada', password: 'pä55:word' } });
    await http.request({ path: 'x' });
    const header = new Headers(fetch.calls[0]?.init.headers).get('authorization');
    expect(header).toBe(`Basic ${Buffer.from('ada:pä55:word', 'utf8').toString('base64')}`);
  });

  it("query auth adds Pulsar's private_token to every attempt, not to the shown URL", async () => {
    const fetch = scriptedFetch([json(503, {}), json(200, {})]);
    const http = testClient({ fetch, auth: { type: 'query', name: 'private_token', value: 's3cr3t' } });
    await http.request({ path: 'jobs/1/status', query: { a: 'b' } });
    expect(fetch.calls.map((c) => c.url.searchParams.get('private_token'))).toEqual(['s3cr3t', 's3cr3t']);
    expect(fetch.calls.map((c) => c.url.searchParams.getAll('private_token').length)).toEqual([1, 1]);
  });

  it('sends client headers and per-request headers, the request winning', async () => {
    const fetch = scriptedFetch([json(200, {})]);
    const http = testClient({ fetch, headers: { 'x-client': 'c', 'x-both': 'client' } });
    await http.request({ path: 'x', headers: { 'x-both': 'request', 'x-req': 'r' } });
    const headers = new Headers(fetch.calls[0]?.init.headers);
    expect([headers.get('x-client'), headers.get('x-both'), headers.get('x-req')]).toEqual(['c', 'request', 'r']);
  });

  it('json bodies get a content type unless one is given', async () => {
    const fetch = scriptedFetch([json(200, {})]);
    const http = testClient({ fetch });
    await http.request({ method: 'POST', path: 'x', json: { a: 1 } });
    await http.request({ method: 'POST', path: 'x', json: { a: 1 }, headers: { 'content-type': 'application/vnd.x+json' } });
    expect(fetch.calls.map((c) => new Headers(c.init.headers).get('content-type'))).toEqual(['application/json', 'application/vnd.x+json']);
  });

  it.each([
    ['bearer', { type: 'bearer', token: 'bearer-secret' }],
    ['basic', { type: 'basic', username: 'u', password: 'basic-secret' }],
    ['query', { type: 'query', name: 'private_token', value: 'query-secret' }],
  ] as const)('%s credentials go to the base URL origin only, not to an absolute url elsewhere', async (_name, auth) => {
    const fetch = scriptedFetch([json(200, {})]);
    const http = testClient({ fetch, auth });
    await http.request({ url: 'http://api.test/v1/same-origin' });
    await http.request({ url: 'http://files.elsewhere.test/data.txt' });
    await http.request({ url: 'http://api.test:8080/v1/other-port' });
    const sent = fetch.calls.map((c) => ({
      authorization: new Headers(c.init.headers).get('authorization'),
      token: c.url.searchParams.get('private_token'),
    }));
    expect(sent[0]?.authorization !== null || sent[0]?.token !== null).toBe(true);
    expect(sent.slice(1)).toEqual([
      { authorization: null, token: null },
      { authorization: null, token: null },
    ]);
  });
});
