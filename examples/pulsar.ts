// One job on a Pulsar server (REST), its events printed as they come. The
// server is never started for you:
//
//   PULSAR_URL=http://127.0.0.1:8913/ PULSAR_TOKEN=... npx tsx examples/pulsar.ts
//
// Inputs are uploaded, the executors run in order as one command line on the
// Pulsar host, and the outputs come back here with their sha256. Images are
// ignored (allowNoContainer); name the server's runtime with PULSAR_CONTAINER
// (apptainer, singularity, docker, podman) to run them in containers instead.
import { JobEngine, nodeLocalFiles, PulsarRestSite, submitJob, type ContainerRuntime } from '../src/node.js';
import { poemJob } from './poem-job.js';
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

const { spec, here, report } = await poemJob('pulsar-example');
// An engine of our own polls more often than the default (1 s after a change).
const job = submitJob(site, spec, { engine: new JobEngine({ poll: { minIntervalMs: 200 } }) });
await printEvents(job);
if (job.state === 'complete') await report();
console.log(`files in ${here}`);
