// One job on a GA4GH TES server (Funnel, TESK, or any TES 1.0/1.1 server),
// its events printed as they come. The server is never started for you:
//
//   TES_URL=http://127.0.0.1:8000 [TES_TOKEN=...] npx tsx examples/tes.ts
//
// Local inputs are passed as file:// URLs when the server reads local files
// (its service-info `storage` says so, as Funnel's does), else inlined when
// small; outputs go to local files, which needs a server on this file system.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeLocalFiles, submitJob, TesClient, TesSite, type JobSpec } from '../src/node.js';
import { printEvents } from './print-events.js';

const url = process.env.TES_URL;
if (!url) {
  console.error('Set TES_URL to a TES server, e.g. TES_URL=http://127.0.0.1:8000 npx tsx examples/tes.ts');
  process.exit(2);
}
const token = process.env.TES_TOKEN;

// probe() finds where the server serves the API (/ga4gh/tes/v1, /v1 or the root).
const client = await TesClient.probe({ baseUrl: url, ...(token ? { auth: { type: 'bearer' as const, token } } : {}) });
const site = new TesSite({ id: 'tes', client, files: nodeLocalFiles() });
const probe = await site.probe();
console.log(`site      ${site.id} at ${client.http.baseUrl.href} (version ${probe.version ?? '?'}, storage ${probe.storages?.join(' ') || 'none'})`);

const here = await mkdtemp(join(tmpdir(), 'pulsar-network-tes-'));
await writeFile(join(here, 'poem.txt'), 'the sea\nthe sky\nthe sea again\n');
const spec: JobSpec = {
  name: 'tes-example',
  inputs: [
    { path: '/data/poem.txt', url: join(here, 'poem.txt') },
    { path: '/data/word.txt', content: 'sea' },
  ],
  outputs: [
    { path: '/out/matches.txt', url: join(here, 'matches.txt') },
    { path: '/out/count.txt', url: join(here, 'count.txt') },
  ],
  executors: [
    { image: 'alpine:3', command: ['grep', '-F', '-f', '/data/word.txt', '/data/poem.txt'], stdout: '/out/matches.txt' },
    { image: 'alpine:3', command: ['sh', '-c', 'sleep 1; wc -l < /out/matches.txt | tr -d " " > /out/count.txt'] },
  ],
};

const job = submitJob(site, spec, { poll: { minIntervalMs: 200 } });
await printEvents(job);
if (job.state === 'complete') console.log(`count.txt says ${(await readFile(join(here, 'count.txt'), 'utf8')).trim()} lines matched`);
console.log(`files in ${here}`);
