/**
 * bench/pulsar: 1 GiB staged in, `cat` into an output, staged out, through this
 * library (PulsarClient + runStagedJob) and through Pulsar's own Python client
 * (pulsar.client from the same venv), against the same Pulsar in the same run.
 *
 *   npx tsx bench/pulsar/run.ts            # 1024 MiB
 *   PULSAR_BENCH_MIB=64 PULSAR_BENCH_RUNS=3 npx tsx bench/pulsar/run.ts
 *
 * Prints wall time, throughput (bytes moved both ways / wall time), the ratio, and
 * the peak RSS of the Node process (and of the Python one). Not part of the tests.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PulsarClient } from '../../src/pulsar/index.js';
import { nodeHttpFetch, runStagedJob } from '../../src/node/index.js';
import { pulsarPaths, startPulsar } from '../../test/peers/pulsar.js';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.env.PULSAR_BENCH_MIB ?? 1024);
const here = dirname(fileURLToPath(import.meta.url));

async function writeInput(path: string): Promise<void> {
  const block = randomBytes(MIB);
  const out = createWriteStream(path);
  for (let i = 0; i < sizeMiB; i++) {
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function runPython(args: string[]): Promise<{ seconds: number; max_rss_kib: number; status: string; failures: string[] }> {
  return new Promise((done, fail) => {
    const child = spawn(pulsarPaths().python, [join(here, 'python_client.py'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) fail(new Error(`python client exited ${code}: ${err.slice(-2000)}`));
      else done(JSON.parse(line) as { seconds: number; max_rss_kib: number; status: string; failures: string[] });
    });
  });
}

interface Run {
  seconds: number;
  /** Python only: seconds after its imports. */
  innerSeconds?: number;
  rssMiB: number;
  ok: boolean;
  phases?: string;
}

const runs = Math.max(1, Number(process.env.PULSAR_BENCH_RUNS ?? 1));
const root = await mkdtemp(join(tmpdir(), 'pulsar-bench-'));
const pulsar = await startPulsar();
try {
  const input = join(root, 'input.bin');
  console.log(`writing ${sizeMiB} MiB of random data…`);
  await writeInput(input);
  const expected = await sha256(input);
  const bytes = (await stat(input)).size;
  const rssBefore = process.resourceUsage().maxRSS;
  const client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined, fetch: nodeHttpFetch });

  /** This library: runStagedJob over PulsarClient with the node:http fetch. */
  const runNode = async (n: number): Promise<Run> => {
    const dir = join(root, `ts-${n}`);
    await mkdir(join(dir, 'work'), { recursive: true });
    const output = join(dir, 'output.bin');
    const phases: Record<string, number> = {};
    const started = performance.now();
    const result = await runStagedJob(
      client,
      { jobId: `bench-ts-${n}`, commandLine: `cat '${input}' > '${output}'`, inputs: [{ path: input }], outputs: [output], workingDirectory: join(dir, 'work'), cleanup: 'always' },
      {
        interval: 250,
        onEvent: (e) => {
          if (e.type === 'submitted' || (e.type === 'status' && e.status.terminal)) phases[e.type] = performance.now() - started;
        },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const rssMiB = process.resourceUsage().maxRSS / 1024;
    if (!result.ok) throw new Error(`Node run failed: ${result.status.status} ${JSON.stringify(result.failures)}`);
    const ok = (await sha256(output)) === expected;
    await rm(dir, { recursive: true, force: true });
    const submitted = (phases.submitted ?? 0) / 1000;
    const finished = (phases.status ?? 0) / 1000;
    const shown = `stage-in ${submitted.toFixed(2)} s, run ${(finished - submitted).toFixed(2)} s, stage-out + clean ${(seconds - finished).toFixed(2)} s`;
    return { seconds, rssMiB, ok, phases: shown };
  };

  /** Pulsar's own Python client, in a child process. */
  const runPy = async (n: number): Promise<Run> => {
    const dir = join(root, `py-${n}`);
    await mkdir(join(dir, 'work'), { recursive: true });
    const output = join(dir, 'output.bin');
    const started = performance.now();
    const py = await runPython([pulsar.url, pulsar.token ?? '', `bench-py-${n}`, input, output, join(dir, 'work')]);
    const seconds = (performance.now() - started) / 1000;
    if (py.status !== 'complete' || py.failures.length > 0) throw new Error(`Python run failed: ${JSON.stringify(py)}`);
    const ok = (await sha256(output)) === expected;
    await rm(dir, { recursive: true, force: true });
    return { seconds, innerSeconds: py.seconds, rssMiB: py.max_rss_kib / 1024, ok };
  };

  const node: Run[] = [];
  const python: Run[] = [];
  for (let n = 0; n < runs; n++) {
    // Alternate who goes first, so neither always meets a warm (or busy) server.
    if (n % 2 === 0) {
      node.push(await runNode(n));
      python.push(await runPy(n));
    } else {
      python.push(await runPy(n));
      node.push(await runNode(n));
    }
  }

  const moved = (2 * bytes) / MIB;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] as number;
  console.log(`\nPulsar ${pulsar.version} on ${pulsar.url}, ${sizeMiB} MiB staged in and out (${moved} MiB moved per client), ${runs} run(s) each, status polled every 250 ms`);
  const table: string[][] = [['run', 'client', 'wall s', 'MiB/s (in+out)', 'peak RSS MiB', 'sha256 ok']];
  for (let n = 0; n < runs; n++) {
    const a = node[n] as Run;
    const b = python[n] as Run;
    table.push([String(n + 1), 'pulsar-network (Node)', a.seconds.toFixed(2), (moved / a.seconds).toFixed(1), a.rssMiB.toFixed(0), String(a.ok)]);
    table.push([String(n + 1), 'pulsar.client (Python)', b.seconds.toFixed(2), (moved / b.seconds).toFixed(1), b.rssMiB.toFixed(0), String(b.ok)]);
    table.push([String(n + 1), '  Python after imports', (b.innerSeconds ?? 0).toFixed(2), (moved / (b.innerSeconds ?? 1)).toFixed(1), '', '']);
  }
  for (const row of table) console.log(row.map((cell, i) => cell.padEnd(i === 1 ? 26 : i === 0 ? 5 : 16)).join(''));
  for (const [n, run] of node.entries()) console.log(`Node run ${n + 1} phases: ${run.phases}`);
  const nodeMedian = median(node.map((r) => r.seconds));
  console.log(
    `median wall: Node ${nodeMedian.toFixed(2)} s, Python ${median(python.map((r) => r.seconds)).toFixed(2)} s ` +
      `(${median(python.map((r) => r.innerSeconds ?? 0)).toFixed(2)} s after imports); ` +
      `ratio Python/Node ${(median(python.map((r) => r.seconds)) / nodeMedian).toFixed(2)} (${(median(python.map((r) => r.innerSeconds ?? 0)) / nodeMedian).toFixed(2)} after imports)`,
  );
  console.log(`Node peak RSS over the whole run: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (${(rssBefore / 1024).toFixed(0)} MiB before the first transfer)`);
} finally {
  await pulsar.stop();
  await rm(root, { recursive: true, force: true });
}
