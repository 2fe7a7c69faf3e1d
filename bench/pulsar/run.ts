/**
 * bench/pulsar: job shapes staged in, `cat` of each input into an output, staged
 * out and cleaned up, through this library (`PulsarRestSite`, the one Pulsar REST
 * pipeline) and through Pulsar's own Python client (pulsar.client from the same
 * venv), each in a process of its own, against the same Pulsar in the same run;
 * plus curl alone on the upload and download routes (the server's bound).
 *
 *   npx tsx bench/pulsar/run.ts                 # 200 × 1 MiB, 10 × 100 MiB, 1 × 1 GiB
 *   PULSAR_BENCH_SHAPES=small PULSAR_BENCH_RUNS=3 npx tsx bench/pulsar/run.ts
 *   PULSAR_BENCH_SCALE=0.1 …                    # every file a tenth (a quick check)
 *   PULSAR_BENCH_CONCURRENCY=6 …                # the library's maxConcurrency (default: its own)
 *
 * Prints, per shape and run, wall time (after imports, and of the whole process),
 * peak RSS and whether every output came back byte-identical; the load average
 * before and after. Not part of the tests.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PulsarClient } from '../../src/pulsar-entry.js';
import { pulsarPaths, startPulsar, type PulsarServer } from '../../test/peers/pulsar.js';
import { type ClientRun, curlConfig, runChild, sha256, shapes, type Shape, writeInputs } from './shapes.js';

const here = dirname(fileURLToPath(import.meta.url));
const runs = Math.max(1, Number(process.env.PULSAR_BENCH_RUNS ?? 1));
const concurrency = process.env.PULSAR_BENCH_CONCURRENCY ? Number(process.env.PULSAR_BENCH_CONCURRENCY) : undefined;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const rows: string[][] = [['shape', 'client', 'wall s', 'process s', 'vs Python', 'peak RSS MiB', 'outputs ok', 'notes']];

/** curl alone: every input uploaded, then downloaded back, one at a time and `parallel` at once. */
async function curlRows(pulsar: PulsarServer, client: PulsarClient, shape: Shape, inputs: string[], dir: string): Promise<void> {
  for (const parallel of shape.files > 1 ? [1, 3] : [1]) {
    const jobId = `bench-curl-${shape.name}-${parallel}`;
    await mkdir(dir, { recursive: true });
    await client.setup(jobId);
    const route = (name: string, type: string): string =>
      `${pulsar.url}jobs/${jobId}/files?name=${encodeURIComponent(name)}&type=${type}${pulsar.token ? `&private_token=${pulsar.token}` : ''}`;
    const up = ['request = "POST"', ...inputs.flatMap((p) => [`url = "${route(basename(p), 'workdir')}"`, `upload-file = "${p}"`, 'output = "/dev/null"'])];
    const upSeconds = await curlConfig(up, join(dir, 'curl-up.conf'), parallel);
    await mkdir(join(dir, 'curl-down'), { recursive: true });
    const down = inputs.flatMap((p) => [`url = "${route(basename(p), 'output_workdir')}"`, `output = "${join(dir, 'curl-down', basename(p))}"`]);
    const downSeconds = await curlConfig(down, join(dir, 'curl-down.conf'), parallel);
    await client.clean(jobId);
    await rm(join(dir, 'curl-down'), { recursive: true, force: true });
    const mib = shape.files * shape.mib;
    rows.push([shape.name, `curl upload ×${parallel}`, upSeconds.toFixed(2), '', '', '', '', `${(mib / upSeconds).toFixed(0)} MiB/s`]);
    rows.push([shape.name, `curl download ×${parallel}`, downSeconds.toFixed(2), '', '', '', '', `${(mib / downSeconds).toFixed(0)} MiB/s`]);
  }
}

/** One run of one client: its outputs checked against the inputs, then removed. */
async function runClient(kind: 'node' | 'python', pulsar: PulsarServer, inputs: { paths: string[]; sha256: string[] }, dir: string, jobId: string): Promise<ClientRun & { ok: boolean }> {
  await mkdir(join(dir, 'out'), { recursive: true });
  await mkdir(join(dir, 'work'), { recursive: true });
  const outputs = inputs.paths.map((p) => join(dir, 'out', basename(p)));
  const shape = { url: pulsar.url, token: pulsar.token ?? '', jobId, inputs: inputs.paths, outputs, workdir: join(dir, 'work'), ...(concurrency && { maxConcurrency: concurrency }) };
  const result =
    kind === 'node'
      ? await runChild(process.execPath, [...(process.env.PULSAR_BENCH_NODE_ARGS?.split(' ') ?? []), '--import', 'tsx', join(here, 'node_client.ts')], join(dir, 'shape.json'), shape)
      : await runChild(pulsarPaths().python, [join(here, 'python_client.py')], join(dir, 'shape.json'), shape);
  let ok = result.status === 'complete' && (result.failures ?? []).length === 0;
  for (const [i, output] of outputs.entries()) ok = ok && (await sha256(output).catch(() => '')) === inputs.sha256[i];
  await rm(dir, { recursive: true, force: true });
  return { ...result, ok };
}

const root = await mkdtemp(join(tmpdir(), 'pulsar-bench-'));
const pulsar = await startPulsar();
const client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined });
console.log(`Pulsar ${pulsar.version} on ${pulsar.url}; load average at start ${load()}`);
try {
  for (const shape of shapes()) {
    console.log(`${shape.name}: writing ${shape.files} × ${shape.mib} MiB of random data…`);
    const inputs = await writeInputs(join(root, 'inputs', shape.name), shape);
    await curlRows(pulsar, client, shape, inputs.paths, join(root, 'curl'));
    for (let n = 0; n < runs; n++) {
      const order: Array<'node' | 'python'> = n % 2 === 0 ? ['node', 'python'] : ['python', 'node'];
      const got: Record<string, ClientRun & { ok: boolean }> = {};
      for (const kind of order) got[kind] = await runClient(kind, pulsar, inputs, join(root, `${kind}-${n}`), `bench-${kind}-${shape.name}-${n}`);
      const node = got.node as ClientRun & { ok: boolean };
      const py = got.python as ClientRun & { ok: boolean };
      const phases = node.phases ? `cpu ${node.cpu_seconds?.toFixed(1)} s; stage-in ${node.phases.stageIn.toFixed(2)}, run ${node.phases.run.toFixed(2)}, stage-out ${node.phases.stageOut.toFixed(2)}` : '';
      const problems = [...(node.problems ?? []), ...(node.failures ?? [])].join('; ').slice(0, 200);
      rows.push([shape.name, 'pulsar-network (Node)', node.seconds.toFixed(2), node.processSeconds.toFixed(2), `${(py.seconds / node.seconds).toFixed(2)}×`, (node.max_rss_kib / 1024).toFixed(0), String(node.ok), problems || phases]);
      rows.push([shape.name, 'pulsar.client (Python)', py.seconds.toFixed(2), py.processSeconds.toFixed(2), '', (py.max_rss_kib / 1024).toFixed(0), String(py.ok), `run ${n + 1}, load ${load()}`]);
    }
    await rm(join(root, 'inputs', shape.name), { recursive: true, force: true });
  }
} finally {
  await pulsar.stop();
  await rm(root, { recursive: true, force: true });
}
const widths = [8, 24, 8, 11, 11, 14, 12, 0];
console.log(`\nwall s: after imports (inside the client's process); vs Python: Python wall / Node wall (above 1 = Node faster). Status polled every 250 ms by both.`);
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(''));
console.log(`load average at end ${load()} (2 cores, shared with other jobs)`);
