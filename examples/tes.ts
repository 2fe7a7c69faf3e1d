// One job on a GA4GH TES server (Funnel, TESK, or any TES 1.0/1.1 server),
// its events printed as they come. The server is never started for you:
//
//   TES_URL=http://127.0.0.1:8000 [TES_TOKEN=...] [TES_STORAGE=file:///] npx tsx examples/tes.ts
//
// Local inputs are passed as file:// URLs when the server reads local files,
// else inlined when small; outputs go to local files, which needs a server on
// this file system. The server's service-info `storage` is only a hint (TES
// 1.1: "some, but not necessarily all"; Funnel's is a fixed example list):
// TES_STORAGE names what it really reaches, e.g. file:/// for a Funnel on
// this machine.
import { JobEngine, nodeLocalFiles, submitJob, TesClient, TesSite } from '../src/node.js';
import { poemJob } from './poem-job.js';
import { printEvents } from './print-events.js';

const url = process.env.TES_URL;
if (!url) {
  console.error('Set TES_URL to a TES server, e.g. TES_URL=http://127.0.0.1:8000 npx tsx examples/tes.ts');
  process.exit(2);
}
const token = process.env.TES_TOKEN;

// probe() finds where the server serves the API (/ga4gh/tes/v1, /v1 or the root).
const client = await TesClient.probe({ baseUrl: url, ...(token ? { auth: { type: 'bearer' as const, token } } : {}) });
const storages = (process.env.TES_STORAGE ?? '').split(',').filter(Boolean);
const site = new TesSite({ id: 'tes', client, files: nodeLocalFiles(), storages });
const probe = await site.probe();
console.log(`site      ${site.id} at ${client.http.baseUrl.href} (version ${probe.version ?? '?'}, storage ${probe.storages?.join(' ') || 'none'})`);

const { spec, here, report } = await poemJob('tes-example');
// An engine of our own polls more often than the default (1 s after a change).
const job = submitJob(site, spec, { engine: new JobEngine({ poll: { minIntervalMs: 200 } }) });
await printEvents(job);
if (job.state === 'complete') await report();
console.log(`files in ${here}`);
