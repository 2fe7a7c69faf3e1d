// retry(): the one retry mechanism every layer reuses.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveRetryPolicy, retry, ServerError } from '../../../src/internal.js';
import { json, scriptedFetch, testClient, collectEvents } from './support.js';

const fast = resolveRetryPolicy({ retries: 3, minDelay: 1, jitter: 0 });

describe('retry()', () => {
  it('runs until success and numbers the attempts from 1', async () => {
    const attempts: number[] = [];
    const result = await retry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'done';
      },
      fast,
      { shouldRetry: () => true },
    );
    expect(result).toBe('done');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('stops at the first failure shouldRetry refuses, with that very value (even a non-Error)', async () => {
    const thrown = { code: 'not-an-error' };
    let calls = 0;
    const error = await retry(
      async () => {
        calls++;
        throw thrown;
      },
      fast,
      { shouldRetry: () => false },
    ).catch((e: unknown) => e);
    expect(error).toBe(thrown);
    expect(calls).toBe(1);
  });

  it('throws the last failure when the retries are used up', async () => {
    let calls = 0;
    const error = await retry(
      async () => {
        throw new Error(`fail ${++calls}`);
      },
      fast,
      { shouldRetry: () => true },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('fail 4');
  });

  it('does not count failures that made progress against the retries', async () => {
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls <= 6) throw Object.assign(new Error('cut'), { progressed: calls <= 5 });
        return calls;
      },
      resolveRetryPolicy({ retries: 1, minDelay: 1, jitter: 0 }),
      { shouldRetry: () => true, consumesRetry: (e) => !(e as { progressed: boolean }).progressed },
    );
    expect(result).toBe(7);
  });
});

describe('retry time budget (maxRetryTime)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('does not start a wait that would outlast the budget', async () => {
    const fetch = scriptedFetch([json(503, {}, { 'retry-after': '10' }), json(200, {})]);
    const { of, onEvent } = collectEvents();
    const http = testClient({ fetch, onEvent, retry: { retries: 5, maxRetryTime: 5000 } });
    const error = await http.request({ path: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(of('retry')).toEqual([]);
    expect(fetch.calls).toHaveLength(1);
  });

  it('retries while the budget lasts', async () => {
    const fetch = scriptedFetch([json(503, {}, { 'retry-after': '2' })]);
    const http = testClient({ fetch, retry: { retries: 10, maxRetryTime: 5000 } });
    const pending = http.request({ path: 'x' }).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await pending).toBeInstanceOf(ServerError);
    // Waits of 2 s at 0 and 2 s fit in 5 s; a third (4 s + 2 s) would not.
    expect(fetch.calls).toHaveLength(3);
  });
});
