// Which failures the HTTP layer retries, and with which delays.
import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  HttpClient,
  HttpError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
} from '../../../src/internal.js';
import { closedPort, collectEvents, json, networkError, scriptedFetch, startServer, testClient } from './support.js';

describe('retryable failures', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])('retries HTTP %i with growing delays, then succeeds', async (status) => {
    const fetch = scriptedFetch([json(status, {}), json(status, {}), json(status, {}), json(200, { ok: true })]);
    const { of, onEvent } = collectEvents();
    const http = testClient({ fetch, onEvent });
    await expect(http.json({ path: 'thing' })).resolves.toEqual({ ok: true });
    expect(fetch.calls).toHaveLength(4);
    expect(of('retry').map((e) => e.delayMs)).toEqual([10, 20, 40]);
    expect(of('retry').map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(of('retry')[0]?.reason).toContain(`HTTP ${status}`);
  });

  it('retries a network error with growing delays, then succeeds', async () => {
    const fetch = scriptedFetch([networkError('ECONNRESET'), networkError('ECONNRESET'), json(200, { ok: 1 })]);
    const { of, onEvent } = collectEvents();
    const http = testClient({ fetch, onEvent });
    await expect(http.json({ path: 'thing' })).resolves.toEqual({ ok: 1 });
    expect(fetch.calls).toHaveLength(3);
    expect(of('retry').map((e) => e.delayMs)).toEqual([10, 20]);
  });

  it('gives up after the allowed retries with the last typed error', async () => {
    const fetch = scriptedFetch([json(503, { busy: true })]);
    const http = testClient({ fetch });
    const error = await http.json({ path: 'thing' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).status).toBe(503);
    expect(fetch.calls).toHaveLength(4);
  });

  it('caps the delay at maxDelay and jitters it downwards with the injected random source', async () => {
    const fetch = scriptedFetch([json(500, {}), json(500, {}), json(500, {}), json(500, {}), json(200, {})]);
    const { of, onEvent } = collectEvents();
    const http = testClient({
      fetch,
      onEvent,
      retry: { retries: 4, minDelay: 100, factor: 3, maxDelay: 500, jitter: 0.5, random: () => 0.5 },
    });
    await http.request({ path: 'x' });
    // base 100, 300, 900→500, 2700→500; each times (1 - 0.5 * 0.5)
    expect(of('retry').map((e) => e.delayMs)).toEqual([75, 225, 375, 375]);
  });

  it('retries a real server answering 503 twice', async () => {
    let calls = 0;
    const server = await startServer((_req, res) => {
      calls++;
      if (calls <= 2) res.writeHead(503).end('busy');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"calls":3}');
    });
    try {
      const http = testClient({ baseUrl: server.url });
      await expect(http.json({ path: 'x' })).resolves.toEqual({ calls: 3 });
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.close();
    }
  });
});

describe('failures that are never retried', () => {
  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
  ])('HTTP %i is thrown after one attempt', async (status, Class) => {
    const fetch = scriptedFetch([json(status, { message: 'no' }), json(200, {})]);
    const { of, onEvent } = collectEvents();
    const http = testClient({ fetch, onEvent });
    const error = await http.request({ path: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(status);
    expect(fetch.calls).toHaveLength(1);
    expect(of('retry')).toEqual([]);
  });

  it('retries nothing when retry is false', async () => {
    const fetch = scriptedFetch([json(503, {}), json(200, {})]);
    const http = testClient({ fetch, retry: false });
    await expect(http.request({ path: 'x' })).rejects.toBeInstanceOf(ServerError);
    expect(fetch.calls).toHaveLength(1);
  });

  it('retries only the statuses of the policy', async () => {
    const fetch = scriptedFetch([json(429, {}), json(200, {})]);
    const http = testClient({ fetch, retry: { retries: 3, minDelay: 1, statusCodes: [503] } });
    await expect(http.request({ path: 'x' })).rejects.toBeInstanceOf(RateLimitError);
    expect(fetch.calls).toHaveLength(1);
  });
});

describe('non-idempotent requests', () => {
  it('does not retry a POST that failed with 503', async () => {
    const fetch = scriptedFetch([json(503, {}), json(200, {})]);
    const http = testClient({ fetch });
    await expect(http.request({ method: 'POST', path: 'tasks', json: { a: 1 } })).rejects.toBeInstanceOf(ServerError);
    expect(fetch.calls).toHaveLength(1);
  });

  it('does not retry a POST whose connection broke after sending', async () => {
    const fetch = scriptedFetch([networkError('ECONNRESET'), json(200, {})]);
    const http = testClient({ fetch });
    const error = await http.request({ method: 'POST', path: 'tasks', json: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).mayHaveBeenSent).toBe(true);
    expect(fetch.calls).toHaveLength(1);
  });

  it('retries a POST marked idempotent, resending the same body', async () => {
    const fetch = scriptedFetch([json(503, {}), networkError('ECONNRESET'), json(201, { id: 't1' })]);
    const http = testClient({ fetch });
    await expect(http.json({ method: 'POST', path: 'tasks', json: { name: 'x' }, idempotent: true })).resolves.toEqual({ id: 't1' });
    expect(fetch.calls.map((c) => c.init.body)).toEqual(['{"name":"x"}', '{"name":"x"}', '{"name":"x"}']);
  });

  it('does not retry a PATCH unless marked', async () => {
    const fetch = scriptedFetch([json(502, {}), json(200, {})]);
    const http = testClient({ fetch });
    await expect(http.request({ method: 'PATCH', path: 'x', json: {} })).rejects.toBeInstanceOf(ServerError);
    expect(fetch.calls).toHaveLength(1);
  });

  it('retries a POST whose connection was refused (nothing was sent) once, against a real closed port', async () => {
    const port = await closedPort();
    const { of, onEvent } = collectEvents();
    const http = new HttpClient({ baseUrl: `http://127.0.0.1:${port}/`, retry: { retries: 4, minDelay: 1, jitter: 0 }, onEvent });
    const error = await http.request({ method: 'POST', path: 'tasks', json: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).mayHaveBeenSent).toBe(false);
    expect((error as ConnectionError).code).toBe('ECONNREFUSED');
    // a refused connection seldom heals within a backoff: one retry, not the whole budget
    expect(of('request')).toHaveLength(2);
    expect(of('retry')).toHaveLength(1);
  });

  it('retries a refused connection as often as unreachableRetries allows, within the retries', async () => {
    const port = await closedPort();
    const { of, onEvent } = collectEvents();
    const http = new HttpClient({ baseUrl: `http://127.0.0.1:${port}/`, retry: { retries: 2, unreachableRetries: 5, minDelay: 1, jitter: 0 }, onEvent });
    await expect(http.request({ method: 'POST', path: 'tasks', json: {} })).rejects.toBeInstanceOf(ConnectionError);
    expect(of('request')).toHaveLength(3);
  });

  it('does not retry a one-shot stream body', async () => {
    const fetch = scriptedFetch([json(503, {}), json(200, {})]);
    const http = testClient({ fetch });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data'));
        controller.close();
      },
    });
    await expect(http.request({ method: 'PUT', path: 'file', body })).rejects.toBeInstanceOf(ServerError);
    expect(fetch.calls).toHaveLength(1);
  });

  it('retries a PUT whose body is a function (replayable)', async () => {
    const fetch = scriptedFetch([json(503, {}), json(200, {})]);
    const http = testClient({ fetch });
    let made = 0;
    await http.request({ method: 'PUT', path: 'file', body: () => `copy ${++made}` });
    expect(fetch.calls.map((c) => c.init.body)).toEqual(['copy 1', 'copy 2']);
  });
});
