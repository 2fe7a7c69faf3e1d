// Output collection against a hostile Pulsar (msw): listed names that climb out of
// their directory are refused, the rest is still collected.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProtocolError } from '../../src/index.js';
import { PulsarClient } from '../../src/pulsar-entry.js';
import { collectOutputs } from '../../src/internal.js';
import { PulsarSpec } from './pulsar-openapi.js';

const BASE = 'http://hostile.test:8913/';
let spec: PulsarSpec;
let root: string;

const listing = {
  job_id: 'h1',
  complete: 'true',
  status: 'complete',
  returncode: 0,
  stdout: '',
  stderr: '',
  working_directory_contents: ['galaxy.json', 'primary_ok.txt', 'primary_x/../../../escaped-1', 'dataset_1_files/../../../escaped-2', 'listed'],
  metadata_directory_contents: ['metadata_ok', 'metadata_x/../../../escaped-3'],
  outputs_directory_contents: ['out.dat', 'out_files/extra', 'out_files/../../../escaped-4'],
  job_directory_contents: [],
  system_properties: { separator: '/' },
  realized_dynamic_file_sources: [{ type: 'galaxy', path: 'galaxy.json', contents: JSON.stringify([{ filename: '../escaped-5' }, { filename: 'listed' }]) }],
};

const server = setupServer(
  http.all(`${BASE}*`, async ({ request }) => {
    const checked = spec.check({ method: request.method, url: request.url, headers: request.headers });
    if (checked.operationId === 'jobStatus') {
      spec.checkResponse('jobStatus', listing);
      return new Response(JSON.stringify(listing), { headers: { 'content-type': 'text/html; charset=UTF-8' } });
    }
    if (checked.operationId === 'downloadFile') return new Response(`bytes of ${checked.query.name}`);
    return new Response('unexpected', { status: 500 });
  }),
);

beforeAll(async () => {
  spec = await PulsarSpec.load();
  server.listen({ onUnhandledRequest: 'error' });
  root = await mkdtemp(join(tmpdir(), 'pulsar-hostile-'));
});
afterAll(async () => {
  server.close();
  await rm(root, { recursive: true, force: true });
});

it('refuses server-listed names that would land outside their directory, and collects the rest', async () => {
  const deep = join(root, 'a', 'b', 'c');
  await mkdir(join(deep, 'work'), { recursive: true });
  await mkdir(join(deep, 'meta'), { recursive: true });
  const client = new PulsarClient({ url: BASE, token: 't', retry: false });
  const status = await client.status('h1');
  const { collected, failures } = await collectOutputs(client, status, {
    jobId: 'h1',
    commandLine: 'true',
    outputs: [join(deep, 'out.dat')],
    workingDirectory: join(deep, 'work'),
    metadataDirectory: join(deep, 'meta'),
  });

  const refused = failures.filter((f) => f.error instanceof ProtocolError).map((f) => f.name).sort();
  // (galaxy.json's '../escaped-5' is not in the listing, so it is never asked for.)
  expect(refused).toEqual(['dataset_1_files/../../../escaped-2', 'metadata_x/../../../escaped-3', 'out_files/../../../escaped-4', 'primary_x/../../../escaped-1']);
  expect(failures.length).toBe(refused.length);
  for (const n of [1, 2, 3, 4, 5]) {
    for (const dir of [root, join(root, 'a'), join(root, 'a', 'b'), deep]) expect(existsSync(join(dir, `escaped-${n}`))).toBe(false);
  }
  expect(collected.map((c) => c.name).sort()).toEqual(['galaxy.json', 'listed', 'metadata_ok', 'out.dat', 'out_files/extra', 'primary_ok.txt']);
  expect(await readFile(join(deep, 'out_files', 'extra'), 'utf8')).toBe('bytes of out_files/extra');
  expect(await readFile(join(deep, 'work', 'listed'), 'utf8')).toBe('bytes of listed');
});
