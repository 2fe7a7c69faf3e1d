// The README's main job: one job submitted through the network API to the
// embedded local site, no server needed. Two inputs (one inline, one a local
// file), two executors, two outputs; its events are printed as they come,
// then the result and the site-selection decision record.
//
//   npm run quickstart
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Network, nodeSiteRegistry, type JobSpec } from '../src/node.js';

const here = await mkdtemp(join(tmpdir(), 'pulsar-network-quickstart-'));
await writeFile(join(here, 'poem.txt'), 'the sea\nthe sky\nthe sea again\n');

const spec: JobSpec = {
  name: 'quickstart',
  inputs: [
    { path: '/data/poem.txt', url: join(here, 'poem.txt') },
    { path: '/data/word.txt', content: 'sea' },
  ],
  outputs: [
    { path: '/out/matches.txt', url: `file://${join(here, 'matches.txt')}` },
    { path: '/out/count.txt', url: join(here, 'count.txt') },
  ],
  executors: [
    // The image is ignored: the local site runs without containers (allowNoContainer).
    { image: 'alpine:3', command: ['grep', '-F', '-f', '/data/word.txt', '/data/poem.txt'], stdout: '/out/matches.txt' },
    // (It takes a second, as real work does, so the running state shows.)
    { image: 'alpine:3', command: ['sh', '-c', 'sleep 1; wc -l < /out/matches.txt | tr -d " " > /out/count.txt'] },
  ],
};

// A network of one site: the embedded local site. Real networks list TES and
// Pulsar sites here too (or load the same shape from a YAML file).
const network = await Network.create(
  {
    seed: 'quickstart',
    failover: { pollIntervalMs: 200 },
    sites: [{ id: 'laptop', kind: 'local', options: { allowNoContainer: true, workDir: join(here, 'site') } }],
  },
  { registry: nodeSiteRegistry() },
);
const job = network.submit(spec);

for await (const event of job.watch()) {
  switch (event.type) {
    case 'state':
      console.log(`state     ${event.previous ?? '-'} -> ${event.state}${event.siteState ? ` (${event.siteState})` : ''}`);
      break;
    case 'transfer':
      if (event.done) console.log(`transfer  ${event.direction === 'up' ? 'staged   ' : 'delivered'} ${event.file} (${event.bytesDone} bytes)`);
      break;
    case 'log':
      console.log(`log       ${event.stream}${event.executor === undefined ? '' : `[${event.executor}]`}: ${event.text.trimEnd().replaceAll('\n', '\n          ')}`);
      break;
    case 'site':
      console.log(`site      ${event.action} ${event.siteId} ${event.remoteId ?? ''} ${event.reason ?? ''}`);
      break;
    case 'error':
      console.log(`error     ${event.fatal ? 'fatal ' : ''}${event.error.message}`);
      break;
    case 'done':
      console.log(`done      ${event.result.state}`);
      break;
  }
}

const result = await job.wait();
console.log('\nresult', { state: result.state, exitCodes: result.exitCodes, states: result.history.map((h) => h.state) });
for (const output of result.outputs) {
  console.log(`output    ${output.path} -> ${output.url} ${output.sizeBytes} bytes sha256 ${output.sha256}`);
}
console.log(`count.txt says ${(await readFile(join(here, 'count.txt'), 'utf8')).trim()} lines matched`);
const decision = network.decision(job.id);
console.log(`decision  ${decision?.chosen} chosen among [${decision?.candidates.map((c) => c.site).join(', ')}] (seed ${decision?.seed})`);
await network.close();
