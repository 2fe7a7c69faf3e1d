// The README's main job: one job submitted through the network API to the
// embedded local site, no server needed. Two inputs (one inline, one a local
// file), two executors, two outputs; its events are printed as they come,
// then the result and the site-selection decision record.
//
//   npm run quickstart
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Network } from '../src/node.js';
import { poemJob } from './poem-job.js';
import { printEvents } from './print-events.js';

const { spec, here, report } = await poemJob('quickstart');

// A network of one site: the embedded local site. Real networks list TES and
// Pulsar sites here too (or load the same shape from a YAML file). The Node
// entry's Network builds every kind of site without further options.
const network = await Network.create({
  seed: 'quickstart',
  failover: { pollIntervalMs: 200 },
  sites: [{ id: 'laptop', kind: 'local', options: { allowNoContainer: true, workDir: join(here, 'site') } }],
});
try {
  const job = network.submit(spec);
  await printEvents(job);
  await report();
  const decision = network.decision(job); // by handle: a finished job is released, its record stays with the handle
  console.log(`decision  ${decision?.chosen} chosen among [${decision?.candidates.map((c) => c.site).join(', ')}] (seed ${decision?.seed})`);
} finally {
  // The example leaves nothing behind: its scratch folder (inputs, outputs, the site's directory) goes.
  await network.close();
  await rm(here, { recursive: true, force: true });
}
