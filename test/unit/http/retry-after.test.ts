// Retry-After, in seconds and as an HTTP date, honoured and clamped.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRetryAfter, RateLimitError, ServerError } from '../../../src/internal.js';
import { collectEvents, json, scriptedFetch, testClient } from './support.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('Retry-After', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs the request while advancing the fake clock, returns the retry delays. */
  async function delaysFor(retryAfter: string, retry = {}): Promise<{ delays: number[]; calls: number }> {
    const fetch = scriptedFetch([json(429, {}, { 'retry-after': retryAfter }), json(200, { ok: true })]);
    const { of, onEvent } = collectEvents();
    const http = testClient({ fetch, onEvent, retry: { retries: 2, minDelay: 10, jitter: 0, ...retry } });
    const pending = http.json({ path: 'x' });
    await vi.runAllTimersAsync();
    await expect(pending).resolves.toEqual({ ok: true });
    return { delays: of('retry').map((e) => e.delayMs), calls: fetch.calls.length };
  }

  it('waits the number of seconds the server asks for', async () => {
    expect(await delaysFor('7')).toEqual({ delays: [7000], calls: 2 });
  });

  it('waits until the HTTP date the server names', async () => {
    expect(await delaysFor(new Date(NOW + 12_000).toUTCString())).toEqual({ delays: [12_000], calls: 2 });
  });

  it('clamps a long delay in seconds to maxRetryAfter', async () => {
    expect(await delaysFor('3600', { maxRetryAfter: 5000 })).toEqual({ delays: [5000], calls: 2 });
  });

  it('clamps a far HTTP date to maxRetryAfter', async () => {
    expect(await delaysFor(new Date(NOW + 86_400_000).toUTCString(), { maxRetryAfter: 2500 })).toEqual({ delays: [2500], calls: 2 });
  });

  it('clamps to the 60 s default', async () => {
    expect(await delaysFor('86400')).toEqual({ delays: [60_000], calls: 2 });
  });

  it('treats a date in the past as "now"', async () => {
    expect(await delaysFor(new Date(NOW - 60_000).toUTCString())).toEqual({ delays: [0], calls: 2 });
  });

  it('falls back to the backoff when the header is unreadable', async () => {
    expect(await delaysFor('soon, maybe')).toEqual({ delays: [10], calls: 2 });
  });

  it('keeps the asked delay on the error when giving up', async () => {
    const fetch = scriptedFetch([json(503, {}, { 'retry-after': '2' })]);
    const http = testClient({ fetch, retry: { retries: 1 } });
    const pending = http.request({ path: 'x' }).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const error = await pending;
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).retryAfterMs).toBe(2000);
  });

  it('is recorded on a RateLimitError', async () => {
    const fetch = scriptedFetch([json(429, {}, { 'retry-after': '1' })]);
    const http = testClient({ fetch, retry: false });
    const error = await http.request({ path: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, fractions, dates, and rejects the rest', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter(' 2.5 ')).toBe(2500);
    expect(parseRetryAfter('Thu, 15 Jan 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
    expect(parseRetryAfter('tomorrow')).toBeUndefined();
  });
});
