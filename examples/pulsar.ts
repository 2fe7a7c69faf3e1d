// One job on a Pulsar server (REST), its events printed as they come. The
// server is never started for you:
//
//   PULSAR_URL=http://127.0.0.1:8913/ PULSAR_TOKEN=... npx tsx examples/pulsar.ts
//
// Inputs are uploaded, the executors run in order as one command line on the
// Pulsar host, and the outputs come back here with their sha256. Images are
// ignored (allowNoContainer); name the server's runtime with PULSAR_CONTAINER
// (apptainer, singularity, docker, podman) to run them in containers instead.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeLocalFiles, PulsarRestSite, submitJob, type ContainerRuntime, type JobSpec } from '../src/node.js';
import { printEvents } from './print-events.js';

const url = process.env.PULSAR_URL;
if (!url) {
  console.error('Set PULSAR_URL (and PULSAR_TOKEN) to a Pulsar server, e.g. PULSAR_URL=http://127.0.0.1:8913/ npx tsx examples/pulsar.ts');
  process.exit(2);
}
const runtime = process.env.PULSAR_CONTAINER as ContainerRuntime | undefined;

const site = new PulsarRestSite({
  id: 'pulsar',
  client: { url, ...(process.env.PULSAR_TOKEN ? { token: process.env.PULSAR_TOKEN } : {}) },
  files: nodeLocalFiles(),
  ...(runtime ? { containerRuntime: runtime } : { allowNoContainer: true }),
  cleanup: 'onsuccess',
});
const probe = await site.probe();
if (!probe.ok) {
  console.error(`Pulsar at ${url} does not answer: ${probe.error}`);
  process.exit(1);
}
console.log(`site      ${site.id} at ${url} (pulsar ${probe.version})`);

const here = await mkdtemp(join(tmpdir(), 'pulsar-network-pulsar-'));
await writeFile(join(here, 'poem.txt'), 'the sea\nthe sky\nthe sea again\n');
const spec: JobSpec = {
  name: 'pulsar-example',
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
