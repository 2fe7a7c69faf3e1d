import { describe, expect, it } from 'vitest';
import { ValidationError, type JobSpec } from '../../src/index.js';
import { DEFAULT_CLIENT_LIMITS, DEFAULT_TASK_LIMITS, taskLimitProblems, tokenProblem } from '../../src/internal.js';
import { clientTable } from '../../src/gateway/clients.js';
import { FairUse } from '../../src/gateway/fair-use.js';
import { HttpProblem } from '../../src/gateway/http.js';
import { MemoryTaskStore } from '../../src/node.js';

const executor = { image: 'alpine', command: ['true'] };

describe('caps on one task', () => {
  it('names each limit a task passes: executors, inputs, outputs, volumes, tags, field lengths', () => {
    expect(taskLimitProblems({ executors: Array.from({ length: 30_000 }, () => executor) }, DEFAULT_TASK_LIMITS)).toEqual(['$.executors: has 30000 executors; at most 32 are accepted (limit maxExecutors)']);
    const spec: JobSpec = {
      executors: [executor],
      inputs: Array.from({ length: 3 }, (_, i) => ({ path: `/d/${i}`, content: 'x'.repeat(100) })),
      tags: { a: '1', b: '2' },
    };
    const limits = { ...DEFAULT_TASK_LIMITS, maxInputs: 2, maxTags: 1 };
    expect(taskLimitProblems(spec, limits)).toEqual(['$.inputs: has 3 inputs; at most 2 are accepted (limit maxInputs)', '$.tags: has 2 tags; at most 1 are accepted (limit maxTags)']);
    const long: JobSpec = { name: 'n'.repeat(20), executors: [{ image: 'alpine', command: ['echo', 'w'.repeat(21)] }], inputs: [{ path: '/d', content: 'c'.repeat(500) }] };
    expect(taskLimitProblems(long, { ...DEFAULT_TASK_LIMITS, maxFieldChars: 20 })).toEqual(['$.executors[0].command[1]: is 21 characters long; at most 20 are accepted (limit maxFieldChars)']);
  });
});

describe('per-client fair use', () => {
  it('answers 429 with Retry-After past submissions per minute, per client', () => {
    let now = 1_000_000;
    const fair = new FairUse(new MemoryTaskStore(), () => ({ ...DEFAULT_CLIENT_LIMITS, submitsPerMinute: 2 }), () => now);
    fair.checkRate('alice');
    fair.record('alice');
    now += 10_000;
    fair.record('alice');
    const error = (() => {
      try {
        fair.checkRate('alice');
      } catch (e) {
        return e;
      }
    })() as HttpProblem;
    expect(error).toBeInstanceOf(HttpProblem);
    expect(error.status).toBe(429);
    expect(error.headers['retry-after']).toBe('50');
    expect(error.message).toMatch(/limit submitsPerMinute/);
    expect(() => fair.checkRate('bob')).not.toThrow();
    now += 50_001;
    expect(() => fair.checkRate('alice')).not.toThrow();
  });

  it('answers 429 past tasks in flight or stored bytes, counting from the store', () => {
    const store = new MemoryTaskStore();
    const fair = new FairUse(store, (client) => ({ ...DEFAULT_CLIENT_LIMITS, maxInFlight: 1, maxStoredBytes: client === 'tight' ? 300 : 1e6 }));
    store.insert({ id: 'a1', owner: 'alice', spec: { executors: [executor] }, state: 'RUNNING', creationTime: 'now' });
    expect(() => fair.checkRoom('alice', 10)).toThrow(expect.objectContaining({ status: 429, headers: { 'retry-after': '30' }, message: expect.stringMatching(/has 1 tasks in flight; at most 1 .*maxInFlight/) }));
    expect(() => fair.checkRoom('bob', 10)).not.toThrow();
    store.update('a1', { state: 'COMPLETE' });
    expect(() => fair.checkRoom('alice', 10)).not.toThrow();
    store.insert({ id: 't1', owner: 'tight', spec: { executors: [executor] }, state: 'COMPLETE', creationTime: 'now' });
    expect(() => fair.checkRoom('tight', 250)).toThrow(/limit maxStoredBytes/);
  });
});

describe('client tokens', () => {
  it('one rule for every token: at least 16 characters, no spaces or control characters', () => {
    expect(tokenProblem('x')).toBe('must be at least 16 characters long');
    expect(tokenProblem('exactly-16-chars')).toBeUndefined();
    expect(tokenProblem('sixteen chars ok')).toBe('must not contain spaces or control characters');
    expect(tokenProblem(42)).toBe('must be a string');
  });

  it('the API refuses a one-character token, and two clients sharing one, without echoing it', () => {
    const error = (() => {
      try {
        clientTable({ a: 'x', b: 'shared-token-0123456789', c: { token: 'shared-token-0123456789' } });
      } catch (e) {
        return e;
      }
    })() as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.issues).toEqual([
      { path: 'clients.a.token', message: 'must be at least 16 characters long' },
      { path: 'clients.c.token', message: 'is the token of client b too; each client needs its own' },
    ]);
    expect(error.message).not.toContain('shared-token-0123456789');
  });
});
