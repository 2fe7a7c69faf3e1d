// PulsarClient's requests checked against spec/pulsar.openapi.yaml through msw, and
// the faults a real Pulsar will not produce on demand: 500s, broken streams,
// hostile answers, a token echoed back.
import { createHash } from 'node:crypto';
import SwaggerParser from '@apidevtools/swagger-parser';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, ProtocolError, ServerError, TimeoutError, ValidationError } from '../../src/index.js';
import { bytesSource, streamSink as streamSinkOf } from '../../src/transfer-entry.js';
import { PulsarClient } from '../../src/pulsar-entry.js';
import { HostLimiter } from '../../src/internal.js';
import { PulsarSpec, pulsarFinalStatus, pulsarJobConfig, SPEC_PATH, type CheckedRequest } from './pulsar-openapi.js';

const BASE = 'http://pulsar.test:8913/';
const TOKEN = 'contract-secret-7d1e4b';
const STAGING = '/srv/pulsar/staging';

interface Seen extends CheckedRequest {
  method: string;
  body: Uint8Array;
}

const seen: Seen[] = [];
let spec: PulsarSpec;
/** Per-test overrides: answer instead of the default fake, by operationId. */
let override: ((request: Seen, attempt: number) => Response | undefined) | undefined;

function jobConfig(jobId: string): Record<string, unknown> {
  return pulsarJobConfig(jobId, `${STAGING}/${jobId}`);
}

function fullStatus(jobId: string, outputs: string[] = ['out.txt']): Record<string, unknown> {
  return pulsarFinalStatus(jobId, `${STAGING}/${jobId}`, { working: ['w.txt'], metadata: ['job_stdout'], outputs, job: ['return_code'] });
}

/** Answers as pulsar-app does: JSON labelled text/html, checked against the document. */
function answer(operationId: string, body: unknown): Response {
  spec.checkResponse(operationId, body);
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { headers: { 'content-type': 'text/html; charset=UTF-8' } });
}

function fake(request: Seen): Response {
  const jobId = request.path.job_id ?? request.query.job_id ?? '';
  switch (request.operationId) {
    case 'healthz':
      return answer('healthz', { version: '0.16.0' });
    case 'setupJob':
      return answer('setupJob', jobConfig(jobId));
    case 'uploadFile':
      return answer('uploadFile', { path: `${STAGING}/${jobId}/inputs/${request.query.name}` });
    case 'filePath':
      return answer('filePath', { path: `${STAGING}/${jobId}/inputs/${request.query.name}` });
    case 'jobStatus':
      return answer('jobStatus', fullStatus(jobId));
    case 'downloadFile':
      return new Response('output bytes\n', { headers: { 'content-type': 'text/html; charset=UTF-8' } });
    default:
      return answer(request.operationId, 'OK');
  }
}

const counts = new Map<string, number>();
const server = setupServer(
  http.all(`${BASE}*`, async ({ request }) => {
    const body = new Uint8Array(await request.clone().arrayBuffer());
    const checked = spec.check({ method: request.method, url: request.url, headers: request.headers, bodySize: body.byteLength });
    const entry: Seen = { ...checked, method: request.method, body };
    seen.push(entry);
    const key = `${entry.operationId} ${entry.path.job_id ?? ''} ${entry.query.name ?? ''}`;
    const attempt = (counts.get(key) ?? 0) + 1;
    counts.set(key, attempt);
    return override?.(entry, attempt) ?? fake(entry);
  }),
);

const client = (extra: Partial<ConstructorParameters<typeof PulsarClient>[0]> = {}) =>
  new PulsarClient({ url: BASE, token: TOKEN, retry: { retries: 3, minDelay: 1, maxDelay: 5 }, ...extra });

beforeAll(async () => {
  spec = await PulsarSpec.load();
  server.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => {
  server.resetHandlers();
  seen.length = 0;
  counts.clear();
  override = undefined;
});
afterAll(() => server.close());

describe('spec/pulsar.openapi.yaml', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const api = (await SwaggerParser.validate(SPEC_PATH)) as { openapi: string; paths: Record<string, unknown> };
    expect(api.openapi).toBe('3.1.0');
    expect(Object.keys(api.paths).sort()).toEqual(
      ['/healthz', '/jobs', '/jobs/{job_id}', '/jobs/{job_id}/cancel', '/jobs/{job_id}/files', '/jobs/{job_id}/files/path', '/jobs/{job_id}/status', '/jobs/{job_id}/submit'].sort(),
    );
  });

  it('rejects requests that break it (the checker can fail)', () => {
    const headers = new Headers();
    expect(() => spec.check({ method: 'POST', url: `${BASE}jobs`, headers })).toThrow(/missing required query parameter job_id/);
    expect(() => spec.check({ method: 'GET', url: `${BASE}jobs/1/files?name=x&type=input`, headers })).toThrow(/type/);
    expect(() => spec.check({ method: 'POST', url: `${BASE}jobs/1/submit?command_line=x&env=notjson`, headers })).toThrow(/env is not JSON/);
    expect(() => spec.check({ method: 'GET', url: `${BASE}jobs/1/cancel`, headers })).toThrow(/no operation/);
    expect(() => spec.check({ method: 'GET', url: `${BASE}jobs/1/status?job=1`, headers })).toThrow(/unknown query parameter job/);
  });
});

describe('PulsarClient requests follow the Pulsar document', () => {
  it('sends every route as the document says, the token only in the query', async () => {
    const pulsar = client();
    await pulsar.healthz();
    const job = await pulsar.setup('job-1', { toolId: 'cat1', toolVersion: '1.0' });
    await pulsar.upload(job.jobId, 'a b/ünï.txt', 'input', 'hello');
    await pulsar.upload(job.jobId, 'blob.bin', 'tool', new Blob([new Uint8Array(10)]));
    await pulsar.upload(job.jobId, 'stream.bin', 'unstructured', () => new Blob([new Uint8Array(7)]).stream(), 7);
    await pulsar.upload(job.jobId, 'empty', 'input', new Uint8Array(0));
    await pulsar.filePath(job.jobId, 'x.txt', 'input');
    await pulsar.submit(job.jobId, {
      commandLine: 'cat a > b',
      params: { native_specification: '-q x' },
      env: [{ name: 'A', value: '1' }, { file: '/etc/profile' }, { execute: 'true' }],
      dependenciesDescription: { requirements: [{ name: 'samtools', type: 'package', version: '1.9' }] },
      remoteStaging: {},
      submitExtras: { setup: false },
      touchOutputs: ['out.txt'],
      dynamicFileSources: [{ type: 'galaxy', path: 'galaxy.json' }],
    });
    await pulsar.status(job.jobId);
    expect(await new Response(await pulsar.download(job.jobId, 'out.txt')).text()).toBe('output bytes\n');
    await pulsar.cancel(job.jobId);
    await pulsar.clean(job.jobId);
    expect(seen.map((s) => s.operationId)).toEqual([
      'healthz',
      'setupJob',
      'uploadFile',
      'uploadFile',
      'uploadFile',
      'uploadFile',
      'filePath',
      'submitJob',
      'jobStatus',
      'downloadFile',
      'cancelJob',
      'cleanJob',
    ]);
    expect(seen.every((s) => s.query.private_token === TOKEN)).toBe(true);
    expect(seen.filter((s) => s.operationId === 'uploadFile').map((s) => s.body.byteLength)).toEqual([5, 10, 7, 0]);
    const submit = seen.find((s) => s.operationId === 'submitJob') as Seen;
    expect(JSON.parse(submit.query.submit_extras as string)).toEqual({ setup: false, touch_outputs: ['out.txt'] });
    expect(JSON.parse(submit.query.env as string)).toHaveLength(3);
    expect(submit.query.command_line).toBe('cat a > b');
  });

  it('prefixes every route with /managers/{name} for a named manager', async () => {
    const pulsar = client({ manager: 'gpu queue' });
    const job = await pulsar.setup('m-1');
    await pulsar.status(job.jobId);
    expect(seen.map((s) => s.path.manager_name)).toEqual(['gpu queue', 'gpu queue']);
  });

  it('downloads only names the final status lists, without asking the server otherwise', async () => {
    const pulsar = client();
    await expect(pulsar.download('job-2', 'not-listed.txt')).rejects.toBeInstanceOf(ValidationError);
    await expect(pulsar.download('job-2', 'w.txt', 'output')).rejects.toThrow(/not among the outputs files/);
    expect(seen.some((s) => s.operationId === 'downloadFile')).toBe(false);
    await pulsar.download('job-2', 'w.txt', 'output_workdir');
    expect(seen.filter((s) => s.operationId === 'downloadFile')).toHaveLength(1);
  });

  it('refuses a download before the job finished', async () => {
    override = (r) => (r.operationId === 'jobStatus' ? answer('jobStatus', { complete: 'false', status: 'running', job_id: 'job-3' }) : undefined);
    await expect(client().download('job-3', 'out.txt')).rejects.toThrow(/is running: outputs can be downloaded once it is finished/);
  });

  it('refuses bad input before sending anything', async () => {
    const pulsar = client();
    await expect(pulsar.setup('a/b')).rejects.toBeInstanceOf(ValidationError);
    await expect(pulsar.upload('j', '../escape', 'input', 'x')).rejects.toBeInstanceOf(ValidationError);
    await expect(pulsar.upload('j', 'x', 'bogus' as 'input', 'x')).rejects.toBeInstanceOf(ValidationError);
    await expect(pulsar.upload('j', 'x', 'input', () => new Blob([]).stream())).rejects.toThrow(/needs its exact size/);
    await expect(pulsar.upload('j', 'x', 'input', 'abc', 4)).rejects.toThrow(/is 4 but the body has 3 bytes/);
    await expect(pulsar.submit('j', { commandLine: ' ' })).rejects.toBeInstanceOf(ValidationError);
    expect(seen).toHaveLength(0);
  });
});

describe('PulsarClient under faults', () => {
  it('retries a 500 on status, and a 500 on upload with the whole body sent again', async () => {
    override = (r, attempt) => (attempt === 1 && ['jobStatus', 'uploadFile'].includes(r.operationId) ? new Response('<html>boom</html>', { status: 500 }) : undefined);
    const pulsar = client();
    expect((await pulsar.status('job-4')).status).toBe('complete');
    await pulsar.upload('job-4', 'data.bin', 'input', () => new Blob([new Uint8Array(1000).fill(7)]).stream(), 1000);
    const uploads = seen.filter((s) => s.operationId === 'uploadFile');
    expect(uploads).toHaveLength(2);
    expect(uploads.map((u) => u.body.byteLength)).toEqual([1000, 1000]);
    expect(uploads[1]?.body.every((b) => b === 7)).toBe(true);
  });

  it('waits through 503s and non-terminal answers until the job is terminal', async () => {
    override = (r, attempt) => {
      if (r.operationId !== 'jobStatus') return undefined;
      if (attempt <= 3) return new Response('<html>busy</html>', { status: 503 });
      if (attempt <= 5) return answer('jobStatus', { complete: 'false', status: attempt === 4 ? 'queued' : 'running', job_id: 'job-9' });
      return undefined;
    };
    const statuses: string[] = [];
    const final = await client().wait('job-9', { interval: 5, onStatus: (s) => statuses.push(s.status) });
    expect(final.status).toBe('complete');
    expect(statuses).toEqual(['queued', 'running', 'complete']);
  });

  it('ends a wait at its deadline when the job never finishes', async () => {
    override = (r) => (r.operationId === 'jobStatus' ? answer('jobStatus', { complete: 'false', status: 'running', job_id: 'job-10' }) : undefined);
    const error = await client()
      .wait('job-10', { interval: 20, timeout: 150 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).scope).toBe('wait');
    expect((error as TimeoutError).message).toMatch(/last status running/);
  });

  it('never repeats a submit that failed with 500', async () => {
    override = (r) => (r.operationId === 'submitJob' ? new Response('<html>Internal Server Error</html>', { status: 500 }) : undefined);
    await expect(client().submit('job-5', { commandLine: 'true' })).rejects.toBeInstanceOf(ServerError);
    expect(seen.filter((s) => s.operationId === 'submitJob')).toHaveLength(1);
  });

  it('starts a download again when its stream breaks, handing the consumer a fresh stream', async () => {
    override = (r, attempt) => {
      if (r.operationId !== 'downloadFile' || attempt > 1) return undefined;
      const broken = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('outp'));
          controller.error(new TypeError('terminated'));
        },
      });
      return new Response(broken, { headers: { 'content-type': 'text/html' } });
    };
    const pulsar = client();
    let calls = 0;
    const text = await pulsar.downloadWith('job-6', 'out.txt', 'output', async (body) => {
      calls++;
      return new Response(body).text();
    });
    expect(text).toBe('output bytes\n');
    expect(calls).toBe(2);
  });

  it('turns hostile answers into ProtocolError', async () => {
    const cases: unknown[] = [
      '<html>not json</html>',
      { job_id: 'x', status: 'running', complete: 'maybe' },
      { job_id: 'x', status: 'exploded', complete: 'false' },
      { ...fullStatus('x'), returncode: '0' },
      { ...fullStatus('x'), outputs_directory_contents: 'out.txt' },
      [],
    ];
    for (const body of cases) {
      override = (r) => (r.operationId === 'jobStatus' ? new Response(typeof body === 'string' ? body : JSON.stringify(body)) : undefined);
      await expect(client().status('x')).rejects.toBeInstanceOf(ProtocolError);
    }
    override = (r) => (r.operationId === 'setupJob' ? new Response(JSON.stringify({ ...jobConfig('x'), system_properties: {}, path_separator: '' })) : undefined);
    await expect(client().setup('x')).rejects.toThrow(/separator/);
    override = (r) => (r.operationId === 'cancelJob' ? new Response('maybe') : undefined);
    await expect(client().cancel('x')).rejects.toThrow(/expected the answer OK/);
  });

  it('keeps the token out of errors even when the server echoes it', async () => {
    override = () => new Response(`<html>bad request for private_token=${TOKEN}</html>`, { status: 500 });
    const error = await client({ retry: false })
      .status('job-7')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    const e = error as ServerError;
    for (const shown of [e.message, e.stack ?? '', JSON.stringify(e), JSON.stringify(e.toJSON())]) expect(shown).not.toContain(TOKEN);
  });

  it('keeps at most 3 requests in flight by default', async () => {
    let inFlight = 0;
    let most = 0;
    server.use(
      http.all(`${BASE}*`, async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return answer('jobStatus', fullStatus('job-8'));
      }),
    );
    const pulsar = client();
    await Promise.all(Array.from({ length: 10 }, () => pulsar.status('job-8')));
    expect(most).toBe(3);
  });
});

describe('PulsarClient moves bytes through the transfer engine', () => {
  it('uploads with progress, a final report, the sha256 of the bytes sent and the server path', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => i & 0xff);
    const progress: Array<{ bytesDone: number; done: boolean; direction: string; file: string }> = [];
    const sent = await client().uploadFrom('job-11', 'big.bin', 'input', bytesSource(bytes, 'big.bin'), {
      onProgress: (p) => progress.push(p),
    });
    expect(sent.path).toBe(`${STAGING}/job-11/inputs/big.bin`);
    expect(sent.size).toBe(bytes.byteLength);
    expect(sent.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(progress.at(-1)).toEqual({ direction: 'up', file: 'big.bin', bytesDone: bytes.byteLength, bytesTotal: bytes.byteLength, done: true });
    expect(progress.filter((p) => p.done)).toHaveLength(1);
    expect(seen.filter((s) => s.operationId === 'uploadFile').map((s) => s.body.byteLength)).toEqual([bytes.byteLength]);
  });

  it('fetches a download again when it ends short of what the manifest says', async () => {
    const whole = 'output bytes\n';
    // Like Pulsar: no Content-Length, and the body just ends early.
    const short = () => new Blob([whole.slice(0, 5)]).stream();
    override = (r, attempt) => (r.operationId === 'downloadFile' && attempt === 1 ? new Response(short()) : undefined);
    const texts: string[] = [];
    let calls = 0;
    const text = await client().downloadWith('job-12', 'out.txt', 'output', async (body) => {
      calls++;
      texts.push(await new Response(body).text());
      return texts.at(-1);
    }, {
      expected: { size: whole.length, sha256: createHash('sha256').update(whole).digest('hex') },
    });
    // The short body errors the first consumer's stream (it never looks whole), and a second one gets it all.
    expect(calls).toBe(2);
    expect(texts).toEqual([whole]);
    expect(text).toBe(whole);
    expect(seen.filter((s) => s.operationId === 'downloadFile')).toHaveLength(2);
  });

  it('streams a download into a stream sink', async () => {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const text = new Response(readable).text();
    const got = await client().downloadTo('job-15', 'out.txt', 'output', streamSinkOf(writable));
    expect(await text).toBe('output bytes\n');
    expect(got.sha256).toBe(createHash('sha256').update('output bytes\n').digest('hex'));
  });

  it('throws what a downloadWith consumer throws, without a retry', async () => {
    const boom = new RangeError('consumer broke');
    await expect(client().downloadWith('job-13', 'out.txt', 'output', async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(seen.filter((s) => s.operationId === 'downloadFile')).toHaveLength(1);
  });

  it('keeps uploads to one host under the transfer cap', async () => {
    let inFlight = 0;
    let most = 0;
    server.use(
      http.all(`${BASE}*`, async ({ request }) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await request.arrayBuffer();
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return answer('uploadFile', { path: '/x' });
      }),
    );
    const pulsar = client({ transferLimiter: new HostLimiter(2) });
    await Promise.all(Array.from({ length: 6 }, (_, i) => pulsar.upload('job-14', `f${i}`, 'input', 'data')));
    expect(most).toBe(2);
  });
});

describe('PulsarClient options: baseUrl, auth and http, as TesClient takes them', () => {
  it('sends a query auth value as private_token, and asks a token provider again after a 401', async () => {
    const asked: boolean[] = [];
    const pulsar = new PulsarClient({
      baseUrl: BASE,
      auth: { type: 'query', name: 'private_token', value: ({ refresh }) => (asked.push(refresh), refresh ? TOKEN : 'expired-token-aaaaaaaa') },
      retry: false,
    });
    override = (request) => (request.query.private_token === TOKEN ? undefined : new Response('unauthorized', { status: 401 }));
    expect(await pulsar.healthz()).toEqual({ version: '0.16.0' });
    expect(asked).toEqual([false, true]);
    expect(seen.map((s) => s.query.private_token)).toEqual(['expired-token-aaaaaaaa', TOKEN]);
  });

  it('sends through a given HttpClient, under its base URL', async () => {
    const http = new HttpClient({ baseUrl: `${BASE}managers/m1/`, auth: { type: 'query', name: 'private_token', value: TOKEN } });
    const pulsar = new PulsarClient({ http });
    expect(pulsar.http).toBe(http);
    await pulsar.status('job-1');
    expect(seen.map((s) => [s.operationId, s.path.manager_name, s.path.job_id])).toEqual([['jobStatus', 'm1', 'job-1']]);
    expect(seen[0]?.query.private_token).toBe(TOKEN);
  });

  it('keeps the deprecated url and token, and refuses options that contradict each other', () => {
    expect(new PulsarClient({ url: `http://${TOKEN}@pulsar.test:8913` }).http.baseUrl.href).toBe(BASE);
    const refused = (options: ConstructorParameters<typeof PulsarClient>[0]): ValidationError => {
      try {
        new PulsarClient(options);
      } catch (error) {
        return error as ValidationError;
      }
      throw new Error('not refused');
    };
    expect(refused({}).issues).toEqual([{ path: '$.baseUrl', message: 'give the server as baseUrl (or http)' }]);
    expect(refused({ baseUrl: BASE, url: BASE }).issues[0]?.message).toBe('give one of baseUrl, url');
    expect(refused({ baseUrl: BASE, token: TOKEN, auth: { type: 'none' } }).issues[0]?.path).toBe('$.token');
    expect(refused({ http: new HttpClient({ baseUrl: BASE }), manager: 'm1' }).issues[0]?.path).toBe('$.manager');
    // Next to a given HttpClient, what it was made from is refused, not silently dropped.
    const beside = refused({ http: new HttpClient({ baseUrl: BASE }), auth: { type: 'query', name: 'private_token', value: TOKEN }, timeout: 5 });
    expect(beside.issues).toEqual([
      { path: '$.auth', message: 'with http, set it on the HttpClient given' },
      { path: '$.timeout', message: 'with http, set it on the HttpClient given' },
    ]);
    expect(beside.message).not.toContain(TOKEN);
    for (const e of [refused({}), refused({ baseUrl: BASE, url: BASE })]) expect(e).toBeInstanceOf(ValidationError);
  });

  it('takes per-call headers, retries and timeout on its small requests', async () => {
    const pulsar = client();
    override = (request) => (request.operationId === 'cancelJob' ? new Response('busy', { status: 503 }) : undefined);
    const headersSeen: (string | null)[] = [];
    server.events.on('request:start', ({ request }) => void headersSeen.push(request.headers.get('x-request-id')));
    await pulsar.status('job-1', { headers: { 'x-request-id': 'run-42' } });
    expect(headersSeen).toEqual(['run-42']);
    await expect(pulsar.cancel('job-1', { retries: 0 })).rejects.toBeInstanceOf(ServerError);
    expect(seen.filter((s) => s.operationId === 'cancelJob')).toHaveLength(1);
    await expect(pulsar.cancel('job-1')).rejects.toBeInstanceOf(ServerError);
    expect(seen.filter((s) => s.operationId === 'cancelJob')).toHaveLength(5);
    override = (request) => (request.operationId === 'healthz' ? new Response('slow', { status: 503, headers: { 'retry-after': '5' } }) : undefined);
    await expect(pulsar.healthz({ timeout: 300 })).rejects.toBeInstanceOf(TimeoutError);
    server.events.removeAllListeners();
  });
});
