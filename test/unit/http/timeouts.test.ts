// Per-attempt and total timeouts, and aborts during a request and during a
// backoff sleep. Fake timers make "prompt" exact: the request must settle
// when the clock reaches the limit, not when the long sleep would end.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, ServerError, TimeoutError } from '../../../src/index.js';
import { collectEvents, hangingFetch, json, scriptedFetch, startServer, testClient } from './support.js';

/** Starts a request and records how it settles. */
function track<T>(promise: Promise<T>): { settled: () => boolean; result: Promise<unknown> } {
  let done = false;
  const result = promise.then(
    (value) => {
      done = true;
      return value;
    },
    (error: unknown) => {
      done = true;
      return error;
    },
  );
  return { settled: () => done, result };
}

describe('timeouts and aborts (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('per-attempt timeout: each attempt is cut at the limit and retried, then a TimeoutError with scope "attempt"', async () => {
    const fetch = hangingFetch();
    const { of, onEvent } = collectEvents();
    const http = testClient({ fetch, onEvent, timeout: 1000, retry: { retries: 2, minDelay: 10, jitter: 0 } });
    const call = track(http.request({ path: 'slow' }));
    await vi.advanceTimersByTimeAsync(999);
    expect(fetch.calls).toBe(1);
    expect(call.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1 + 10 + 1000 + 20 + 1000);
    const error = await call.result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).scope).toBe('attempt');
    expect((error as TimeoutError).timeoutMs).toBe(1000);
    expect(fetch.calls).toBe(3);
    expect(of('retry').map((e) => e.reason)).toEqual([expect.stringContaining('TimeoutError'), expect.stringContaining('TimeoutError')]);
  });

  it('per-attempt timeout of a POST is not retried', async () => {
    const fetch = hangingFetch();
    const http = testClient({ fetch, timeout: 500 });
    const call = track(http.request({ method: 'POST', path: 'tasks', json: {} }));
    await vi.advanceTimersByTimeAsync(500);
    expect(call.settled()).toBe(true);
    expect(await call.result).toBeInstanceOf(TimeoutError);
    expect(fetch.calls).toBe(1);
  });

  it('total timeout: stops a hanging attempt with a TimeoutError of scope "total"', async () => {
    const fetch = hangingFetch();
    const http = testClient({ fetch, timeout: 60_000, totalTimeout: 2000 });
    const call = track(http.request({ path: 'slow' }));
    await vi.advanceTimersByTimeAsync(1999);
    expect(call.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(call.settled()).toBe(true);
    const error = await call.result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).scope).toBe('total');
    expect((error as TimeoutError).timeoutMs).toBe(2000);
    expect(fetch.calls).toBe(1);
  });

  it('total timeout: interrupts a long backoff sleep', async () => {
    const fetch = scriptedFetch([json(503, {}, { 'retry-after': '30' })]);
    const { of, onEvent } = collectEvents();
    const http = testClient({ fetch, onEvent, totalTimeout: 3000 });
    const call = track(http.request({ path: 'busy' }));
    await vi.advanceTimersByTimeAsync(3000);
    expect(call.settled()).toBe(true);
    const error = await call.result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).scope).toBe('total');
    expect((error as TimeoutError).cause).toBeDefined();
    expect(of('retry').map((e) => e.delayMs)).toEqual([30_000]);
    expect(fetch.calls).toHaveLength(1);
  });

  it('abort during a request: AbortError at once, no retry', async () => {
    const fetch = hangingFetch();
    const http = testClient({ fetch, timeout: 60_000 });
    const controller = new AbortController();
    const call = track(http.request({ path: 'slow', signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(100);
    expect(fetch.calls).toBe(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(call.settled()).toBe(true);
    const error = await call.result;
    expect(error).toBeInstanceOf(AbortError);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect(fetch.calls).toBe(1);
  });

  it('abort during a backoff sleep: AbortError at once, no further attempt', async () => {
    const fetch = scriptedFetch([json(503, {}, { 'retry-after': '30' }), json(200, {})]);
    const { of, onEvent } = collectEvents();
    const http = testClient({ fetch, onEvent });
    const controller = new AbortController();
    const call = track(http.request({ path: 'busy', signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(of('retry')).toHaveLength(1);
    expect(call.settled()).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(call.settled()).toBe(true);
    const error = await call.result;
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).message).toBe('GET http://api.test/v1/busy was aborted');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.calls).toHaveLength(1);
  });

  it('an already aborted signal sends nothing', async () => {
    const fetch = scriptedFetch([json(200, {})]);
    const http = testClient({ fetch });
    const error = await http.request({ path: 'x', signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(fetch.calls).toHaveLength(0);
  });

  it('a user abort wins over a later total timeout', async () => {
    const fetch = scriptedFetch([json(503, {}, { 'retry-after': '10' })]);
    const http = testClient({ fetch, totalTimeout: 5000 });
    const controller = new AbortController();
    const call = track(http.request({ path: 'busy', signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await call.result).toBeInstanceOf(AbortError);
  });

  it('last failure stays a ServerError when retries run out before the total timeout', async () => {
    const fetch = scriptedFetch([json(500, {})]);
    const http = testClient({ fetch, totalTimeout: 60_000, retry: { retries: 1, minDelay: 10 } });
    const call = track(http.request({ path: 'x' }));
    await vi.advanceTimersByTimeAsync(100);
    expect(await call.result).toBeInstanceOf(ServerError);
  });
});

describe('timeouts against a real server', () => {
  it('a server that accepts but never answers hits the per-attempt timeout', async () => {
    const server = await startServer(() => undefined);
    try {
      const http = testClient({ baseUrl: server.url, timeout: 100, retry: { retries: 1, minDelay: 1 } });
      const error = await http.request({ path: 'never' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as TimeoutError).scope).toBe('attempt');
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('a body that stalls after the headers hits the per-attempt timeout while reading', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    try {
      const http = testClient({ baseUrl: server.url, timeout: 100, retry: false });
      const error = await http.json({ path: 'stall' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as TimeoutError).scope).toBe('attempt');
    } finally {
      await server.close();
    }
  });
});
