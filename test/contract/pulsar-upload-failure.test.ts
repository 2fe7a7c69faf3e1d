// An upload that finally fails may leave a half-written file under its name on
// the server (Pulsar writes the body as it reads it): staging never submits
// such a job and removes its directory, whatever the cleanup policy.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ServerError, TransferError } from '../../src/index.js';
import { PulsarClient } from '../../src/pulsar-entry.js';
import { runStagedJob } from '../../src/node.js';
import { PulsarSpec, pulsarJobConfig } from './pulsar-openapi.js';

const BASE = 'http://upload-fails.test:8913/';
let spec: PulsarSpec;
let root: string;
const calls: string[] = [];

const server = setupServer(
  http.all(`${BASE}*`, async ({ request }) => {
    const body = new Uint8Array(await request.arrayBuffer());
    const checked = spec.check({ method: request.method, url: request.url, headers: request.headers, bodySize: body.byteLength });
    calls.push(checked.operationId);
    const dir = '/srv/pulsar/u1';
    switch (checked.operationId) {
      case 'setupJob':
        return new Response(
          JSON.stringify(pulsarJobConfig('u1', dir)),
          { headers: { 'content-type': 'text/html' } },
        );
      case 'uploadFile':
        return new Response('<html>disk full</html>', { status: 500 });
      case 'cleanJob':
        return new Response('OK');
      default:
        return new Response('unexpected', { status: 500 });
    }
  }),
);

beforeAll(async () => {
  spec = await PulsarSpec.load();
  server.listen({ onUnhandledRequest: 'error' });
  root = await mkdtemp(join(tmpdir(), 'pulsar-upload-fails-'));
});
afterAll(async () => {
  server.close();
  await rm(root, { recursive: true, force: true });
});

it('cleans the half-staged job up even under cleanup never, and never submits it', async () => {
  const input = join(root, 'in.txt');
  await writeFile(input, 'some input\n');
  const client = new PulsarClient({ url: BASE, retry: { retries: 2, minDelay: 1, maxDelay: 2 } });
  const error = await runStagedJob(client, {
    jobId: 'u1',
    commandLine: `cat ${input} > ${join(root, 'out.txt')}`,
    inputs: [{ path: input }],
    outputs: [join(root, 'out.txt')],
    cleanup: 'never',
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TransferError);
  expect((error as TransferError).cause).toBeInstanceOf(ServerError);
  // Retries 2, plus the first attempt, which moved the transfer further than any before and so used up no retry.
  expect(calls.filter((c) => c === 'uploadFile')).toHaveLength(4);
  expect(calls).not.toContain('submitJob');
  expect(calls.at(-1)).toBe('cleanJob');
});
