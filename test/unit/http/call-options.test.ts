// Per-call options of the API clients ({ signal, timeout, retries, headers }) and what an
// HttpError keeps of the answer: its headers (secrets redacted) and the server's request id.
import { describe, expect, it } from 'vitest';
import { HttpError, ServerError, TesClient, TimeoutError } from '../../../src/index.js';
import { hangingFetch, json, scriptedFetch } from './support.js';

const fastRetry = { retries: 3, minDelay: 1, maxDelay: 1, jitter: 0 };

describe('per-call options of TesClient', () => {
  it('retries: 0 sends a retryable failure once; without it the client policy retries', async () => {
    const fetch = scriptedFetch([json(503, { msg: 'busy' })]);
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/v1', fetch, retry: fastRetry });
    expect(await tes.serviceInfo({ retries: 0 }).catch((e: unknown) => e)).toBeInstanceOf(ServerError);
    expect(fetch.calls).toHaveLength(1);
    expect(await tes.getTask('t1', { retries: 1 }).catch((e: unknown) => e)).toBeInstanceOf(ServerError);
    expect(fetch.calls).toHaveLength(3);
    expect(await tes.serviceInfo().catch((e: unknown) => e)).toBeInstanceOf(ServerError);
    expect(fetch.calls).toHaveLength(7);
  });

  it('timeout limits the whole call (scope total)', async () => {
    const fetch = hangingFetch();
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/v1', fetch, timeout: 60_000 });
    const started = Date.now();
    const error = await tes.listTasks({ timeout: 150 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).scope).toBe('total');
    expect((error as TimeoutError).timeoutMs).toBe(150);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('headers go with each request of the call and win over the client headers; a credential among them is redacted from errors', async () => {
    const seen: Array<Headers> = [];
    const fetch = async (input: URL | Request | string, init?: RequestInit): Promise<Response> => {
      seen.push(new Headers(input instanceof Request ? input.headers : init?.headers));
      return json(404, { echo: 'token sekret-call-token-123' });
    };
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/v1', fetch, headers: { 'x-team': 'a', 'x-client': 'c' } });
    const error = await tes.cancelTask('t1', { headers: { 'x-team': 'b', 'x-api-key': 'sekret-call-token-123' } }).catch((e: unknown) => e);
    expect(seen[0]?.get('x-team')).toBe('b');
    expect(seen[0]?.get('x-client')).toBe('c');
    expect(seen[0]?.get('x-api-key')).toBe('sekret-call-token-123');
    expect(error).toBeInstanceOf(HttpError);
    expect(JSON.stringify((error as HttpError).toJSON())).not.toContain('sekret-call-token-123');
  });
});

describe('HttpError keeps the answer headers and the request id', () => {
  it('names the request id in the message and redacts credential-carrying headers', async () => {
    const fetch = scriptedFetch([
      json(500, { error: 'boom' }, { 'x-request-id': 'req-7f3a', 'set-cookie': 'session=abc123secret', 'www-authenticate': 'Bearer realm="x"', 'x-upstream-token': 'tok-999', 'x-served-by': 'node-4' }),
    ]);
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/v1', fetch, retry: false });
    const error = (await tes.serviceInfo().catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(ServerError);
    expect(error.requestId).toBe('req-7f3a');
    expect(error.message).toContain('failed with HTTP 500 (request id req-7f3a)');
    expect(error.headers?.['x-served-by']).toBe('node-4');
    expect(error.headers?.['content-type']).toBe('application/json');
    expect(error.headers?.['set-cookie']).toBe('[REDACTED]');
    expect(error.headers?.['www-authenticate']).toBe('[REDACTED]');
    expect(error.headers?.['x-upstream-token']).toBe('[REDACTED]');
    expect(JSON.stringify(error.toJSON())).not.toMatch(/abc123secret|tok-999/);
  });

  it('keeps what a hostile answer sends bounded: 64 headers at most, each value cut at 256 characters', async () => {
    const many: Record<string, string> = { 'x-request-id': 'r'.repeat(5_000) };
    for (let i = 0; i < 200; i++) many[`x-h${String(i).padStart(3, '0')}`] = 'v'.repeat(1_000);
    const fetch = scriptedFetch([json(500, {}, many)]);
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/v1', fetch, retry: false });
    const error = (await tes.serviceInfo().catch((e: unknown) => e)) as HttpError;
    expect(Object.keys(error.headers ?? {})).toHaveLength(64);
    expect(Math.max(...Object.values(error.headers ?? {}).map((v) => v.length))).toBe(257);
    expect(error.requestId).toBe(`${'r'.repeat(256)}…`);
    expect(error.message.length).toBeLessThan(1_000);
  });

  it('has no request id when the server gave none', async () => {
    const fetch = scriptedFetch([json(404, {})]);
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/v1', fetch });
    const error = (await tes.getTask('nope').catch((e: unknown) => e)) as HttpError;
    expect(error.status).toBe(404);
    expect(error.requestId).toBeUndefined();
    expect(error.message).not.toContain('request id');
  });
});
