// The job-files server Pulsar pulls inputs from and pushes outputs to: each job's own key,
// only its registered files, no traversal; refused requests get 403 and nothing is read or written.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobFilesServer, newJobFilesKey } from '../../src/internal.js';

const SECRET = 'input bytes of job A\n';
const OTHER = 'input bytes of job B\n';

let server: JobFilesServer;
let root: string;
let outA: string;
let endpointA: string;
let endpointB: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'job-files-'));
  outA = join(root, 'out-a');
  await mkdir(outA);
  await mkdir(join(root, 'out-b'));
  await writeFile(join(root, 'a.txt'), SECRET);
  await writeFile(join(root, 'b.txt'), OTHER);
  server = new JobFilesServer();
  await server.listen();
  endpointA = server.register('jobA', {
    inputs: new Map([
      ['/data/in.txt', { kind: 'file', path: join(root, 'a.txt') }],
      ['/data/inline.txt', { kind: 'bytes', bytes: new TextEncoder().encode('inline') }],
    ]),
    outputs: new Map([['output-0', join(outA, 'result.txt')]]),
  });
  endpointB = server.register('jobB', {
    inputs: new Map([['/data/in.txt', { kind: 'file', path: join(root, 'b.txt') }]]),
    outputs: new Map([['output-0', join(root, 'out-b', 'result.txt')]]),
  });
});

afterAll(async () => {
  await server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

function url(endpoint: string, path: string, fileType: string, replaceKey?: string): string {
  const target = new URL(endpoint);
  if (replaceKey !== undefined) target.searchParams.set('job_key', replaceKey);
  target.searchParams.set('path', path);
  target.searchParams.set('file_type', fileType);
  return target.href;
}

function post(target: string, body: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([body]), 'filename');
  return fetch(target, { method: 'POST', body: form });
}

/** A request with the path sent exactly as written (fetch would normalise `..`). */
function raw(method: string, path: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const keyOf = (endpoint: string) => new URL(endpoint).searchParams.get('job_key') as string;

describe('JobFilesServer', () => {
  it('serves a registered input to its job and takes a registered output, streamed and hashed', async () => {
    const got = await fetch(url(endpointA, '/data/in.txt', 'input'));
    expect(got.status).toBe(200);
    expect(await got.text()).toBe(SECRET);
    expect(await (await fetch(url(endpointA, '/data/inline.txt', 'input'))).text()).toBe('inline');

    const big = 'y'.repeat(5 * 1024 * 1024 + 3);
    const sent = await post(url(endpointA, 'output-0', 'output'), big);
    expect(sent.status).toBe(200);
    const received = server.received('jobA').get('output-0');
    expect(received).toMatchObject({ destination: join(outA, 'result.txt'), sizeBytes: big.length, sha256: createHash('sha256').update(big).digest('hex') });
    // Received, not delivered: it waits under a hidden name until the site verified it.
    expect(await readdir(outA)).toEqual(['.result.txt.jobA.received']);
  });

  it('gives each job its own key: a wrong key, or another job\'s key, gets 403 and nothing is read or written', async () => {
    const before = await readdir(join(root, 'out-b'));
    for (const key of ['', 'guess', keyOf(endpointA)]) {
      const read = await fetch(url(endpointB, '/data/in.txt', 'input', key));
      expect(read.status).toBe(403);
      expect(await read.text()).toBe('forbidden');
      const write = await post(url(endpointB, 'output-0', 'output', key), 'overwrite attempt');
      expect(write.status).toBe(403);
    }
    const noKey = new URL(url(endpointB, '/data/in.txt', 'input'));
    noKey.searchParams.delete('job_key');
    expect((await fetch(noKey)).status).toBe(403);
    expect(await readdir(join(root, 'out-b'))).toEqual(before);
    expect(server.received('jobB').size).toBe(0);
  });

  it('refuses with 403 any path or type not registered for the job, and writes nothing', async () => {
    const refused = [
      url(endpointA, '/etc/passwd', 'input'),
      url(endpointA, join(root, 'b.txt'), 'input'),
      url(endpointA, '/data/in.txt', 'output'),
      url(endpointA, 'output-0', 'input'),
      url(endpointA, 'output-1', 'output'),
    ];
    for (const target of refused) {
      const response = await fetch(target);
      expect(response.status).toBe(403);
      expect(await response.text()).toBe('forbidden');
    }
    const before = server.received('jobA').get('output-0');
    for (const target of [url(endpointA, 'output-1', 'output'), url(endpointA, '/data/in.txt', 'input'), url(endpointA, join(outA, 'result.txt'), 'output')]) {
      expect((await post(target, 'planted')).status).toBe(403);
    }
    expect(server.received('jobA').get('output-0')).toBe(before);
    expect(await readdir(outA)).toEqual(['.result.txt.jobA.received']);
    // Wrong methods are refused too.
    expect((await fetch(url(endpointA, '/data/in.txt', 'input'), { method: 'DELETE' })).status).toBe(403);
    expect((await fetch(url(endpointA, 'output-0', 'output'), { method: 'PUT', body: 'x' })).status).toBe(403);
  });

  it('refuses path traversal in the path parameter and in the URL with 403', async () => {
    const key = keyOf(endpointA);
    const attempts = [
      url(endpointA, '/data/../data/in.txt', 'input'),
      url(endpointA, '../../../../etc/passwd', 'input'),
      url(endpointA, '/data/in.txt/../../b.txt', 'input'),
      url(endpointA, '%2e%2e/%2e%2e/etc/passwd', 'input'),
    ];
    for (const target of attempts) expect((await fetch(target)).status).toBe(403);
    for (const path of [
      `/api/jobs/jobA/../jobB/files?job_key=${key}&path=/data/in.txt&file_type=input`,
      `/api/jobs/..%2FjobB/files?job_key=${key}&path=/data/in.txt&file_type=input`,
      `/api/jobs/jobA/files/../files?job_key=${key}&path=/data/in.txt&file_type=input`,
      `/api/jobs/jobB/files/../../jobA/files?job_key=${key}&path=/data/in.txt&file_type=input`,
    ]) {
      const answer = await raw('GET', path);
      expect(answer).toEqual({ status: 403, body: 'forbidden' });
    }
    const planted = await raw('POST', `/api/jobs/jobA/../jobB/files?job_key=${key}&path=output-0&file_type=output`);
    expect(planted.status).toBe(403);
    expect(server.received('jobB').size).toBe(0);
  });

  it('answers 400 to an authorised POST without a multipart "file" field, and keeps nothing', async () => {
    const form = new FormData();
    form.append('other', 'value');
    const response = await fetch(url(endpointB, 'output-0', 'output'), { method: 'POST', body: form });
    expect(response.status).toBe(400);
    const plain = await fetch(url(endpointB, 'output-0', 'output'), { method: 'POST', body: 'not multipart' });
    expect(plain.status).toBe(400);
    expect(server.received('jobB').size).toBe(0);
    expect(await readdir(join(root, 'out-b'))).toEqual([]);
  });

  it('forgets a job: its key stops working and what it received is deleted', async () => {
    await server.forget('jobA');
    expect((await fetch(url(endpointA, '/data/in.txt', 'input'))).status).toBe(403);
    expect(await readdir(outA)).toEqual([]);
  });

  it('after a restart: the same key on the same port works again, and outputs the first server received (kept on close) are taken back', async () => {
    const dir = await mkdtemp(join(root, 'restart-'));
    const grant = { inputs: new Map([['/data/in.txt', { kind: 'file' as const, path: join(root, 'a.txt') }]]), outputs: new Map([['output-0', join(dir, 'r.txt')], ['output-1', join(dir, 's.txt')]]) };
    const key = newJobFilesKey();
    const first = new JobFilesServer();
    await first.listen();
    const endpoint = first.register('jobR', grant, key);
    expect((await post(url(endpoint, 'output-0', 'output'), 'first half')).status).toBe(200);
    await first.close({ keepReceived: true });
    const port = Number(new URL(endpoint).port);
    const second = new JobFilesServer({ port });
    try {
      await second.listen();
      expect(second.register('jobR', grant, key)).toBe(endpoint);
      // A link planted under the hidden name of the other output is not taken for it.
      await symlink(join(root, 'b.txt'), join(dir, '.s.txt.jobR.received'));
      await second.recover('jobR');
      expect([...second.received('jobR').keys()]).toEqual(['output-0']);
      expect(second.received('jobR').get('output-0')).toMatchObject({ sizeBytes: 10, sha256: createHash('sha256').update('first half').digest('hex') });
      expect((await fetch(url(endpoint, '/data/in.txt', 'input'))).status).toBe(200);
      expect((await post(url(endpoint, 'output-1', 'output'), 'second half')).status).toBe(200);
      expect([...second.received('jobR').keys()].sort()).toEqual(['output-0', 'output-1']);
      expect(() => second.register('jobS', grant, 'not-a-key')).toThrow(RangeError);
    } finally {
      await second.close();
    }
    // The real output replaced the planted link (not its target); a close without keepReceived deletes what was received.
    expect(await readFile(join(root, 'b.txt'), 'utf8')).toBe(OTHER);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('what the job-files server takes from a peer is bounded', () => {
  it('an output past the per-output cap is answered 413 and nothing of it is kept, streamed or declared', async () => {
    const capped = new JobFilesServer({ maxOutputBytes: 1024 * 1024 });
    await capped.listen();
    const dir = join(root, 'capped');
    await mkdir(dir);
    const endpoint = capped.register('jobC', { inputs: new Map(), outputs: new Map([['output-0', join(dir, 'result.txt')]]) });
    try {
      // streamed (chunked, nothing declared): 5 MiB of output
      const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const boundary = 'xyzzy';
        const req = request(url(endpoint, 'output-0', 'output'), { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="f"\r\ncontent-type: application/octet-stream\r\n\r\n`);
        const chunk = Buffer.alloc(64 * 1024, 7);
        let sent = 0;
        const pump = (): void => {
          while (sent < 5 * 1024 * 1024) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end(`\r\n--${boundary}--\r\n`);
        };
        req.on('response', () => undefined);
        pump();
      }).catch((error: unknown) => ({ status: -1, body: String(error) }));
      // the server answers 413 and closes: the client sees the answer, or a reset if it was still sending
      expect([413, -1]).toContain(chunked.status);
      if (chunked.status === 413) expect(chunked.body).toBe('the output is larger than 1048576 bytes');
      const declared = await post(url(endpoint, 'output-0', 'output'), 'x'.repeat(2 * 1024 * 1024));
      expect(declared.status).toBe(413);
      expect(await declared.text()).toBe('the output may be at most 1048576 bytes');
      const small = await post(url(endpoint, 'output-0', 'output'), 'fits');
      expect(small.status).toBe(200);
      expect(capped.received('jobC').get('output-0')?.sizeBytes).toBe(4);
      expect((await readdir(dir)).filter((n) => !n.endsWith('.received'))).toEqual([]);
    } finally {
      await capped.close();
    }
  });

  it('an oversized multipart part header is a 413, a malformed one a 400, neither with the parser’s words', async () => {
    const boundary = 'b0undary';
    const fresh = new JobFilesServer();
    await fresh.listen();
    const endpoint = fresh.register('jobD', { inputs: new Map(), outputs: new Map([['output-0', join(root, 'd-result.txt')]]) });
    const post = (header: string): Promise<Response> =>
      fetch(url(endpoint, 'output-0', 'output'), {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="f"\r\n${header}\r\n\r\nbytes\r\n--${boundary}--\r\n`,
      });
    const huge = await post(`x-padding: ${'p'.repeat(500 * 1024)}`).finally(() => undefined);
    expect(huge.status).toBe(413);
    expect(await huge.text()).toBe('a multipart part header may be at most 16384 bytes');
    const malformed = await post('no colon in this header line');
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toBe('the multipart body is malformed');
    await fresh.close();
  });
});
