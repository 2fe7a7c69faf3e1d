// A Deno notebook cell (or script): runs one job on the embedded local site
// with the BUILT package and streams its events as they come. Paste it into
// a Deno Jupyter notebook (`deno jupyter --install`), or run it:
//
//   npm run build
//   deno run --allow-read --allow-write --allow-run --allow-env --allow-sys examples/deno-notebook.ts
//
// In your own notebook, import from 'npm:pulsar-network/node' instead of ../dist.
// @ts-nocheck -- a Deno program: the repository's Node typecheck runs before dist/ is built and knows no `Deno`.
import { JobEngine, LocalSite, submitJob } from '../dist/node.js';

const here = await Deno.makeTempDir({ prefix: 'pulsar-network-deno-' });
await Deno.writeTextFile(`${here}/numbers.txt`, '3\n1\n2\n');

const site = new LocalSite({ allowNoContainer: true, workDir: `${here}/site` });
const job = submitJob(
  site,
  {
    name: 'deno-notebook',
    inputs: [
      { path: '/data/numbers.txt', url: `${here}/numbers.txt` },
      { path: '/data/label.txt', content: 'sum' },
    ],
    outputs: [{ path: '/out/sum.txt', url: `${here}/sum.txt` }],
    executors: [
      { image: 'alpine:3', command: ['sort', '-n', '/data/numbers.txt'], stdout: '/out/sorted.txt' },
      // (It takes a second, as real work does, so the running state shows.)
      { image: 'alpine:3', command: ['sh', '-c', 'sleep 1; echo "$(cat /data/label.txt) $(awk \'{ s += $1 } END { print s }\' /out/sorted.txt)" > /out/sum.txt'] },
    ],
  },
  // an engine of our own polls more often than the default (1 s after a change)
  { engine: new JobEngine({ poll: { minIntervalMs: 200 } }) },
);

// Every event as it comes; the loop ends after the `done` event.
for await (const event of job.watch()) {
  if (event.type === 'state') console.log(`state ${event.state}`);
  else if (event.type === 'transfer' && event.done) console.log(`transfer ${event.direction} ${event.file} ${event.bytesDone}`);
  else if (event.type === 'done') console.log(`done ${event.result.state}`);
  else if (event.type === 'error') console.log(`error ${event.error.message}`);
}

const result = await job.wait();
console.log(`result ${result.state} exit codes ${result.exitCodes.join(',')}`);
for (const output of result.outputs) console.log(`output ${output.path} ${output.sizeBytes} bytes sha256 ${output.sha256}`);
console.log(`sum.txt: ${(await Deno.readTextFile(`${here}/sum.txt`)).trim()}`);
await site.close();
await Deno.remove(here, { recursive: true });
