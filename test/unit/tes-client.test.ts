/**
 * TesClient logic with an injected fetch: laziness of lists, refused
 * connections on create, id encoding and state helpers.
 */
import { describe, expect, it, vi } from 'vitest';
import { ConnectionError, isSuccessful, isTerminal, isTesState, TesClient } from '../../src/internal.js';

const refused = () => {
  const error = new TypeError('fetch failed');
  (error as TypeError & { cause?: unknown }).cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  return Promise.reject(error);
};

describe('TesClient with an injected fetch', () => {
  it('sends nothing until a list is awaited or iterated, and one request for the first page', async () => {
    const fetch = vi.fn(async () => Response.json({ tasks: [{ id: 'a', state: 'QUEUED' }], next_page_token: '' }));
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/v1', fetch });
    const list = tes.listTasks({ pageSize: 5 });
    expect(fetch).not.toHaveBeenCalled();
    expect(await list).toEqual({ tasks: [{ id: 'a', state: 'QUEUED' }] });
    expect(await list.toArray()).toEqual([{ id: 'a', state: 'QUEUED' }]);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe('http://tes.invalid/v1/tasks?view=MINIMAL&page_size=5');
  });

  it('does not multiply retries of a refused create: the HTTP layer retried it, nothing was sent', async () => {
    const fetch = vi.fn(refused);
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/ga4gh/tes/v1', fetch, retry: { retries: 2, minDelay: 1, maxDelay: 1 } });
    const error = await tes.createTask({ executors: [{ image: 'a', command: ['true'] }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).mayHaveBeenSent).toBe(false);
    // the HTTP layer retries a refused connection once (unreachableRetries), createTask not again
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('reports a create whose first lookup found the server unreachable as the POST, and sends no more', async () => {
    const fetch = vi.fn(refused);
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/ga4gh/tes/v1', fetch, retry: { retries: 4, minDelay: 1, maxDelay: 1 } });
    const error = await tes.createTask({ executors: [{ image: 'a', command: ['true'] }] }, { idempotencyKey: 'k1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const refusedError = error as ConnectionError;
    expect(refusedError.method).toBe('POST');
    expect(refusedError.url).toBe('http://tes.invalid/ga4gh/tes/v1/tasks');
    expect(refusedError.mayHaveBeenSent).toBe(false);
    expect(refusedError.code).toBe('ECONNREFUSED');
    expect(refusedError.message).toBe('POST http://tes.invalid/ga4gh/tes/v1/tasks failed: cannot connect to tes.invalid:80: connection refused, nothing listens there (ECONNREFUSED)');
    // only the lookup's GET and its one retry: no POST, no lookup loop
    expect(fetch.mock.calls.map((c) => ((c as unknown[])[0] as URL).pathname)).toEqual(['/ga4gh/tes/v1/tasks', '/ga4gh/tes/v1/tasks']);
    expect(fetch.mock.calls.map((c) => ((c as unknown[])[1] as RequestInit).method)).toEqual(['GET', 'GET']);
  });

  it('asks for the MINIMAL view explicitly, so every server returns the typed shape', async () => {
    const fetch = vi.fn(async () => Response.json({ id: 'x y', state: 'RUNNING' }));
    const tes = new TesClient({ baseUrl: 'http://tes.invalid/', fetch });
    await tes.getTask('x y');
    expect(String((fetch.mock.calls[0] as unknown[])[0])).toBe('http://tes.invalid/tasks/x%20y?view=MINIMAL');
  });
});

describe('state helpers', () => {
  it('reads states and tasks', () => {
    expect(isTerminal({ state: 'CANCELING' })).toBe(false);
    expect(isTerminal({})).toBe(false);
    expect(isTerminal('SYSTEM_ERROR')).toBe(true);
    expect(isSuccessful({ state: 'COMPLETE' })).toBe(true);
    expect(isSuccessful('PREEMPTED')).toBe(false);
    expect(isTesState('COMPLETED')).toBe(false);
    expect(isTesState('PAUSED')).toBe(true);
  });
});
