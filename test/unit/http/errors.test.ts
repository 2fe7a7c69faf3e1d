// The error hierarchy: instanceof by brand across duplicated copies of the
// library, names, subclass mapping and toJSON.
import { describe, expect, it, vi } from 'vitest';
import * as errors from '../../../src/errors.js';

/**
 * A second, separate instance of the errors modules, every file of the family
 * loaded anew (as when ESM and CJS copies are both loaded).
 */
async function secondCopy(): Promise<typeof errors> {
  vi.resetModules();
  return import('../../../src/errors.js');
}

describe('instanceof across copies', () => {
  it('matches errors made by another copy of the library, by brand', async () => {
    const other = await secondCopy();
    expect(other.NotFoundError).not.toBe(errors.NotFoundError);
    const foreign = new other.NotFoundError({ status: 404, method: 'GET', url: 'http://x/' });
    expect(foreign instanceof errors.NotFoundError).toBe(true);
    expect(foreign instanceof errors.HttpError).toBe(true);
    expect(foreign instanceof errors.PulsarNetworkError).toBe(true);
    expect(foreign instanceof errors.ServerError).toBe(false);
    expect(foreign instanceof errors.ConnectionError).toBe(false);
    expect(errors.isPulsarNetworkError(foreign)).toBe(true);
    const local = new errors.TimeoutError({ scope: 'total', timeoutMs: 5, what: 'GET x' });
    expect(local instanceof other.TimeoutError).toBe(true);
    expect(local instanceof other.AbortError).toBe(false);
  });

  it('does not match look-alikes and plain values', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'NotFoundError', status: 404 });
    expect(lookalike instanceof errors.NotFoundError).toBe(false);
    expect(lookalike instanceof errors.PulsarNetworkError).toBe(false);
    expect((null as unknown) instanceof errors.PulsarNetworkError).toBe(false);
    expect(errors.isPulsarNetworkError('NotFoundError')).toBe(false);
  });

  it('still is a real Error', () => {
    const error = new errors.ValidationError('task', [{ path: '$.executors[0].image', message: 'is required' }]);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('$.executors[0].image: is required');
    expect(String(error.stack)).toContain('ValidationError');
  });
});

describe('HttpError.from', () => {
  it.each([
    [400, 'BadRequestError'],
    [401, 'AuthenticationError'],
    [403, 'PermissionDeniedError'],
    [404, 'NotFoundError'],
    [409, 'ConflictError'],
    [413, 'PayloadTooLargeError'],
    [429, 'RateLimitError'],
    [500, 'ServerError'],
    [503, 'ServerError'],
    [418, 'HttpError'],
  ])('%i becomes %s', (status, name) => {
    const error = errors.HttpError.from({ status, method: 'GET', url: 'http://x/' });
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(errors.HttpError);
    expect(error.status).toBe(status);
  });
});

describe('toJSON', () => {
  it('lists the fields and a plain cause chain', () => {
    const inner = new errors.ConnectionError({ method: 'GET', url: 'http://x/', mayHaveBeenSent: false, reason: 'refused' });
    const error = new errors.TimeoutError({ scope: 'attempt', timeoutMs: 100, what: 'GET http://x/' }, { cause: inner });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'TimeoutError',
      message: 'GET http://x/ timed out after 100 ms (attempt limit)',
      scope: 'attempt',
      timeoutMs: 100,
      cause: {
        name: 'ConnectionError',
        message: 'GET http://x/ failed: refused',
        method: 'GET',
        url: 'http://x/',
        mayHaveBeenSent: false,
        reason: 'refused',
      },
    });
  });
});
