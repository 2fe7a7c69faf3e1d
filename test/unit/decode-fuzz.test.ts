// Hostile or broken server answers: seeded mutations of valid TES and Pulsar
// answers. Every decoder either returns or throws a ProtocolError; nothing
// else escapes (no TypeError from a field that changed type), and the error
// names where it came from without repeating a planted secret.
import { describe, expect, it } from 'vitest';
import { ProtocolError, ValidationError } from '../../src/index.js';
import { assertValidTask, parsePulsarJobConfig, parsePulsarStatus, seededRandom } from '../../src/internal.js';
import { parsePulsarPath } from '../../src/pulsar/status.js';
import { SecretSet } from '../../src/redact.js';
import { decodeCreated, decodeList, decodeServiceInfo, decodeTask } from '../../src/tes/decode.js';
import { pulsarJobConfig } from '../contract/pulsar-openapi.js';

const SECRET = 'sEcReT-token-4711';
const secrets = new SecretSet();
secrets.add(SECRET);

/** The library's seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  const source = seededRandom(seed);
  return () => source.next();
}

function junk(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * 11);
  switch (pick) {
    case 0: return null;
    case 1: return Math.floor(next() * 1e6) - 5e5;
    case 2: return next() < 0.5 ? Number.NaN : 1.5;
    case 3: return '';
    case 4: return `x${SECRET}y`;
    case 5: return 'x'.repeat(Math.floor(next() * 5000));
    case 6: return next() < 0.5;
    case 7: return depth > 3 ? [] : [junk(next, depth + 1), junk(next, depth + 1)];
    case 8: return depth > 3 ? {} : { a: junk(next, depth + 1), job_id: junk(next, depth + 1) };
    case 9: return 'COMPLETE';
    default: return { toString: 1, __proto__: null, constructor: 'x' };
  }
}

/** A copy of `value` with one to four random changes deep inside. */
function mutate(value: unknown, next: () => number): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const changes = 1 + Math.floor(next() * 4);
  for (let n = 0; n < changes; n++) {
    let node: unknown = copy;
    // walk down a random path, then change one entry of the container reached
    for (let d = 0; d < 4; d++) {
      const keys = node && typeof node === 'object' ? Object.keys(node) : [];
      const key = keys[Math.floor(next() * keys.length)];
      const child = key === undefined ? undefined : (node as Record<string, unknown>)[key];
      if (!child || typeof child !== 'object' || next() < 0.3) break;
      node = child;
    }
    if (!node || typeof node !== 'object') continue;
    const keys = Object.keys(node);
    const key = keys[Math.floor(next() * keys.length)] ?? 'extra';
    if (next() < 0.2) delete (node as Record<string, unknown>)[key];
    else (node as Record<string, unknown>)[key] = junk(next);
  }
  return next() < 0.05 ? junk(next) : copy;
}

const TES_TASK = {
  id: 'task-1',
  state: 'COMPLETE',
  name: 'n',
  creation_time: '2026-11-26T10:00:00Z',
  tags: { a: 'b' },
  inputs: [{ path: '/in', url: 'https://example.org/in' }],
  outputs: [{ path: '/out', url: 's3://b/out' }],
  executors: [{ image: 'alpine', command: ['true'] }],
  logs: [{ logs: [{ exit_code: 0, stdout: 'o', stderr: 'e' }], outputs: [{ url: 's3://b/out', path: '/out', size_bytes: '3' }], system_logs: ['s'] }],
};
const PULSAR_STATUS = {
  job_id: '7',
  status: 'complete',
  complete: 'true',
  returncode: 0,
  stdout: 'o',
  stderr: 'e',
  job_stdout: '',
  job_stderr: '',
  outputs_directory_contents: ['a.txt'],
  working_directory_contents: ['root/a'],
  metadata_directory_contents: [],
  job_directory_contents: [],
  job_directory: '/s/7',
  working_directory: '/s/7/working',
  metadata_directory: '/s/7/metadata',
  system_properties: { separator: '/' },
  pulsar_version: '0.16.0',
  realized_dynamic_file_sources: [{ path: 'exit-codes', contents: '0\n' }],
};
const PULSAR_CONFIG = pulsarJobConfig('7', '/s/7');

const CASES: Array<[string, unknown, (value: unknown) => unknown]> = [
  ['TES task', TES_TASK, (v) => decodeTask(v, { where: 'GET /tasks/{id}', secrets })],
  ['TES list', { tasks: [TES_TASK, TES_TASK], next_page_token: 'p2' }, (v) => decodeList(v, { where: 'GET /tasks', secrets })],
  ['TES create', { id: 'task-1' }, (v) => decodeCreated(v, { where: 'POST /tasks', secrets })],
  ['TES service-info', { id: 'org.example', name: 'x', type: { group: 'org.ga4gh', artifact: 'tes', version: '1.1.0' }, storage: ['s3://b'] }, (v) => decodeServiceInfo(v, { where: 'GET /service-info', secrets })],
  ['Pulsar status', PULSAR_STATUS, (v) => parsePulsarStatus(v, 'GET /jobs/{id}/status')],
  ['Pulsar job config', PULSAR_CONFIG, (v) => parsePulsarJobConfig(v, 'POST /jobs')],
  ['Pulsar path', { path: '/s/7/inputs/a' }, (v) => parsePulsarPath(v, 'POST /jobs/{id}/files')],
];

describe('decoders under mutated answers', () => {
  it.each(CASES)('%s: 400 seeded mutations either decode or throw a ProtocolError', (_name, valid, decode) => {
    expect(() => decode(valid)).not.toThrow();
    const next = random(4711);
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const answer = mutate(valid, next);
      try {
        decode(answer);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw new Error(`mutation ${i} escaped as ${String(error)}: ${JSON.stringify(answer)?.slice(0, 300)}`);
        expect(error.message.length).toBeLessThan(1000);
        refused++;
      }
    }
    // The mutations do reach the checks: a good share of them is refused.
    expect(refused).toBeGreaterThan(40);
  });

  it('a malformed task from a client (what the gateway and createTask check) is a ValidationError naming each problem, never a crash', () => {
    const task = { name: 'n', inputs: [{ path: '/in', content: 'x' }], outputs: [{ path: '/out', url: 's3://b/out' }], resources: { cpu_cores: 1, ram_gb: 1 }, executors: [{ image: 'alpine', command: ['true'], env: { A: 'b' } }], tags: { a: 'b' } };
    expect(() => assertValidTask(task)).not.toThrow();
    const next = random(123);
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const mutated = mutate(task, next);
      try {
        assertValidTask(mutated);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw new Error(`mutation ${i} escaped as ${String(error)}: ${JSON.stringify(mutated)?.slice(0, 300)}`);
        expect(error.issues.length).toBeGreaterThan(0);
        expect(error.issues.every((issue) => issue.path.startsWith('$'))).toBe(true);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(100);
  });

  it('a TES error names no secret the client holds, wherever the server put it', () => {
    const next = random(99);
    for (let i = 0; i < 200; i++) {
      const answer = mutate(TES_TASK, next);
      try {
        decodeTask(answer, { where: 'GET /tasks/{id}', secrets });
      } catch (error) {
        expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(SECRET);
      }
    }
  });
});

describe('field names a server chooses', () => {
  it('keeps a field named like an Object.prototype member as it was sent, and never takes it as the prototype', () => {
    const answer = JSON.parse('{"id":"t1","state":"QUEUED","constructor":"c","toString":1,"__proto__":{"state":"COMPLETE"}}') as unknown;
    const task = decodeTask(answer, { where: 'GET /tasks/{id}' }) as unknown as Record<string, unknown>;
    expect(Object.keys(task)).toEqual(['id', 'state', 'constructor', 'toString', '__proto__']);
    expect(task.constructor).toBe('c');
    expect(Object.getPrototypeOf(task)).toBe(Object.prototype);
  });
});
