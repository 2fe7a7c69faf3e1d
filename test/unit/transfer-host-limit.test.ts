import { describe, expect, it } from 'vitest';
import { AbortError } from '../../src/index.js';
import { HostLimiter } from '../../src/internal.js';

describe('HostLimiter', () => {
  it('lets at most perHost transfers hold one host, others run freely', async () => {
    const limiter = new HostLimiter(2);
    const a = await limiter.acquire(['a:1']);
    const b = await limiter.acquire(['A:1', undefined]);
    let third = false;
    const waiting = limiter.acquire(['a:1']).then((release) => {
      third = true;
      return release;
    });
    const other = await limiter.acquire(['b:1']);
    await Promise.resolve();
    expect(third).toBe(false);
    expect(limiter.active('a:1')).toBe(2);
    a();
    const c = await waiting;
    expect(third).toBe(true);
    b();
    c();
    other();
    expect(limiter.active('a:1')).toBe(0);
  });

  it('takes both hosts of a transfer and gives back the first when the second wait is aborted', async () => {
    const limiter = new HostLimiter(1);
    const holdB = await limiter.acquire(['b:1']);
    const controller = new AbortController();
    const both = limiter.acquire(['b:1', 'a:1'], controller.signal);
    await Promise.resolve();
    expect(limiter.active('a:1')).toBe(1);
    controller.abort();
    await expect(both).rejects.toBeInstanceOf(AbortError);
    expect(limiter.active('a:1')).toBe(0);
    holdB();
  });

  it('needs no slot for local transfers and refuses a bad limit', async () => {
    const limiter = new HostLimiter(1);
    const release = await limiter.acquire([undefined, undefined]);
    release();
    expect(() => new HostLimiter(0)).toThrow(RangeError);
  });
});
