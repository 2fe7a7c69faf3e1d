// Output collection against the job's output manifest (msw): a manifest that
// arrives cut short is fetched again; an output whose bytes never match it is
// reported and never appears under its name; a matching one is verified.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IntegrityError, TransferError } from '../../src/index.js';
import { PulsarClient } from '../../src/pulsar-entry.js';
import { collectOutputs, OUTPUT_MANIFEST_NAME, withOutputManifest, type PulsarJobConfig } from '../../src/internal.js';
import { PulsarSpec } from './pulsar-openapi.js';

const BASE = 'http://manifest.test:8913/';
const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const GOOD = 'good output\n';
const manifest = [
  'pulsar-network-manifest 1',
  `${hex(GOOD)} ${GOOD.length} output:good.dat`,
  `${hex('expected bytes')} 14 output:bad.dat`,
  'end 2',
  '',
].join('\n');

const listing = {
  job_id: 'm1',
  complete: 'true',
  status: 'complete',
  returncode: 0,
  stdout: '',
  stderr: '',
  working_directory_contents: [],
  metadata_directory_contents: [],
  outputs_directory_contents: ['good.dat', 'bad.dat', OUTPUT_MANIFEST_NAME],
  job_directory_contents: [],
  system_properties: { separator: '/' },
};

let spec: PulsarSpec;
let root: string;
const downloads = new Map<string, number>();
const server = setupServer(
  http.all(`${BASE}*`, async ({ request }) => {
    const checked = spec.check({ method: request.method, url: request.url, headers: request.headers });
    if (checked.operationId === 'jobStatus') return new Response(JSON.stringify(listing), { headers: { 'content-type': 'text/html' } });
    if (checked.operationId === 'downloadFile') {
      const name = String(checked.query.name);
      const n = (downloads.get(name) ?? 0) + 1;
      downloads.set(name, n);
      // As Pulsar: no Content-Length (a streamed body).
      const body = (text: string) => new Response(new Blob([text]).stream());
      if (name === OUTPUT_MANIFEST_NAME) return body(n === 1 ? manifest.slice(0, 60) : manifest);
      if (name === 'good.dat') return body(GOOD);
      return body('other bytes!!!');
    }
    return new Response('unexpected', { status: 500 });
  }),
);

beforeAll(async () => {
  spec = await PulsarSpec.load();
  server.listen({ onUnhandledRequest: 'error' });
  root = await mkdtemp(join(tmpdir(), 'pulsar-manifest-'));
});
afterAll(async () => {
  server.close();
  await rm(root, { recursive: true, force: true });
});

it('fetches a cut-short manifest again, verifies what matches it, and never publishes what does not', async () => {
  const client = new PulsarClient({ url: BASE, retry: { retries: 2, minDelay: 1, maxDelay: 2 } });
  const status = await client.status('m1');
  const { collected, failures } = await collectOutputs(client, status, {
    jobId: 'm1',
    commandLine: 'true',
    outputs: [join(root, 'good.dat'), join(root, 'bad.dat')],
  });
  expect(downloads.get(OUTPUT_MANIFEST_NAME)).toBe(2);
  expect(collected).toEqual([
    expect.objectContaining({ name: 'good.dat', verified: true, attempts: 1, sha256: hex(GOOD), size: GOOD.length }),
  ]);
  expect(await readFile(join(root, 'good.dat'), 'utf8')).toBe(GOOD);

  // The bad output was fetched again and then reported; nothing sits under its name. (Retries 2, plus the
  // first attempt, which moved the transfer further than any before and so used up no retry: 4.)
  expect(downloads.get('bad.dat')).toBe(4);
  expect(failures).toHaveLength(1);
  expect(failures[0]).toMatchObject({ name: 'bad.dat', required: true });
  expect(failures[0]!.error).toBeInstanceOf(TransferError);
  expect((failures[0]!.error as TransferError).cause).toBeInstanceOf(IntegrityError);
  expect(existsSync(join(root, 'bad.dat'))).toBe(false);
  expect((await readdir(root)).sort()).toEqual(['good.dat']);
});

it('appends the manifest step only for POSIX servers and when the job wants it', () => {
  const config = (separator: string) => ({ separator, directories: { outputs: '/srv/j/outputs', working: '/srv/j/working' } }) as PulsarJobConfig;
  const job = { jobId: 'j', commandLine: 'run', outputs: ['/local/out.dat'], workDirOutputs: [{ source: 'a.txt', destination: '/local/a' }, { source: 'b_*', destination: '/local/b' }] };
  const posix = withOutputManifest('run', job, config('/'));
  expect(posix.startsWith('run\n')).toBe(true);
  expect(posix).toContain("'/srv/j/outputs/out.dat' 'output:out.dat'");
  expect(posix).toContain("'/srv/j/working/a.txt' 'output_workdir:a.txt'");
  expect(posix).not.toContain('b_*');
  expect(posix).toContain(`/srv/j/outputs/${OUTPUT_MANIFEST_NAME}`);
  expect(withOutputManifest('run', job, config('\\'))).toBe('run');
  expect(withOutputManifest('run', { ...job, manifest: false }, config('/'))).toBe('run');
});
