/**
 * The Node side of bench/pulsar: one job shape through `PulsarRestSite` (the
 * library's Pulsar REST pipeline: set-up, uploads, submit, status polls every
 * 250 ms, collect with the manifest check, clean-up), in a process of its own
 * so its peak RSS is its own. Prints one JSON line.
 *
 *   npx tsx bench/pulsar/node_client.ts SHAPE.json
 *
 * SHAPE.json: { url, token, jobId, inputs: [local paths], outputs: [local paths], maxConcurrency? }
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isTerminalState, type JobSpec } from '../../src/index.js';
import { PulsarRestSite } from '../../src/sites-entry.js';
import { nodeHttpFetch, nodeLocalFiles } from '../../src/node.js';

interface Shape {
  url: string;
  token: string;
  jobId: string;
  inputs: string[];
  outputs: string[];
  maxConcurrency?: number;
}

const shape = JSON.parse(await readFile(process.argv[2] as string, 'utf8')) as Shape;
const started = performance.now();
// PULSAR_BENCH_TRACE=1: requests per route, their summed time to headers, and when they ran (on stderr).
const trace = new Map<string, { n: number; ms: number; first: number; last: number }>();
const onEvent = (e: { type: string; method: string; url: string; durationMs?: number }): void => {
  if (e.type !== 'response') return;
  const url = new URL(e.url);
  const key = `${e.method} ${url.pathname.split('/').slice(-1)[0]} ${url.searchParams.get('type') ?? ''}`;
  const t = trace.get(key) ?? { n: 0, ms: 0, first: performance.now() - started, last: 0 };
  t.n++;
  t.ms += e.durationMs ?? 0;
  t.last = performance.now() - started;
  trace.set(key, t);
};
const site = new PulsarRestSite({
  client: { url: shape.url, token: shape.token, fetch: nodeHttpFetch, ...(shape.maxConcurrency && { maxConcurrency: shape.maxConcurrency }), ...(process.env.PULSAR_BENCH_TRACE && { onEvent }) },
  files: nodeLocalFiles(),
  allowNoContainer: true,
  cleanup: 'always',
});
// Input i is copied to output i by one shell command, as the Python side does.
const copies = shape.inputs.map((_, i) => `cat /bench/in/${basename(shape.inputs[i] as string)} > /bench/out/${basename(shape.outputs[i] as string)}`);
const spec: JobSpec = {
  inputs: shape.inputs.map((path) => ({ path: `/bench/in/${basename(path)}`, url: path })),
  outputs: shape.outputs.map((path) => ({ path: `/bench/out/${basename(path)}`, url: path })),
  executors: [{ image: 'none', command: ['sh', '-c', copies.join(' && ')] }],
};
const { remoteId } = await site.submit(spec, { idempotencyKey: shape.jobId });
const submitted = performance.now();
let state = '';
for (;;) {
  const status = (await site.poll([remoteId])).get(remoteId);
  state = status?.state ?? state;
  if (status && isTerminalState(status.state)) break;
  await new Promise((r) => setTimeout(r, 250));
}
const ended = performance.now();
const outcome = await site.collect(remoteId, spec);
const seconds = (performance.now() - started) / 1000;
for (const [key, t] of trace) console.error(`${key}: ${t.n} × ${(t.ms / t.n).toFixed(1)} ms, from ${(t.first / 1000).toFixed(2)} s to ${(t.last / 1000).toFixed(2)} s`);
console.log(
  JSON.stringify({
    status: outcome.state,
    problems: outcome.systemLogs,
    seconds,
    phases: { stageIn: (submitted - started) / 1000, run: (ended - submitted) / 1000, stageOut: (performance.now() - ended) / 1000 },
    max_rss_kib: process.resourceUsage().maxRSS,
    cpu_seconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  }),
);
