/**
 * bench/pulsar: 1 GiB staged in, `cat` into an output, staged out, through this
 * library (PulsarClient + runStagedJob) and through Pulsar's own Python client
 * (pulsar.client from the same venv), against the same Pulsar in the same run.
 *
 *   npx tsx bench/pulsar/run.ts            # 1024 MiB
 *   PULSAR_BENCH_MIB=64 npx tsx bench/pulsar/run.ts
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

const root = await mkdtemp(join(tmpdir(), 'pulsar-bench-'));
const pulsar = await startPulsar();
try {
  const input = join(root, 'input.bin');
  console.log(`writing ${sizeMiB} MiB of random data…`);
  await writeInput(input);
  const expected = await sha256(input);
  const bytes = (await stat(input)).size;
  const rssBefore = process.resourceUsage().maxRSS;

  // This library.
  const tsDir = join(root, 'ts');
  await mkdir(join(tsDir, 'work'), { recursive: true });
  const tsOutput = join(tsDir, 'output.bin');
  const client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined, fetch: nodeHttpFetch });
  let started = performance.now();
  const phases: Record<string, number> = {};
  const result = await runStagedJob(client, {
    jobId: 'bench-ts',
    commandLine: `cat '${input}' > '${tsOutput}'`,
    inputs: [{ path: input }],
    outputs: [tsOutput],
    workingDirectory: join(tsDir, 'work'),
    cleanup: 'always',
  }, {
    interval: 250,
    onEvent: (e) => {
      if (e.type === 'submitted' || (e.type === 'status' && e.status.terminal)) phases[e.type] = performance.now() - started;
    },
  });
  const tsSeconds = (performance.now() - started) / 1000;
  const nodeRssMiB = process.resourceUsage().maxRSS / 1024;
  if (!result.ok) throw new Error(`TypeScript run failed: ${result.status.status} ${JSON.stringify(result.failures)}`);
  const tsOk = (await sha256(tsOutput)) === expected;

  // Pulsar's own Python client.
  const pyDir = join(root, 'py');
  await mkdir(join(pyDir, 'work'), { recursive: true });
  const pyOutput = join(pyDir, 'output.bin');
  started = performance.now();
  const py = await runPython([pulsar.url, pulsar.token ?? '', 'bench-py', input, pyOutput, join(pyDir, 'work')]);
  const pySeconds = (performance.now() - started) / 1000;
  if (py.status !== 'complete' || py.failures.length > 0) throw new Error(`Python run failed: ${JSON.stringify(py)}`);
  const pyOk = (await sha256(pyOutput)) === expected;

  const moved = (2 * bytes) / MIB;
  const rows = [
    ['client', 'wall s', 'MiB/s (in+out)', 'peak RSS MiB', 'output sha256 ok'],
    ['pulsar-network (Node)', tsSeconds.toFixed(2), (moved / tsSeconds).toFixed(1), nodeRssMiB.toFixed(0), String(tsOk)],
    ['pulsar.client (Python)', pySeconds.toFixed(2), (moved / pySeconds).toFixed(1), (py.max_rss_kib / 1024).toFixed(0), String(pyOk)],
    ['  same, after its imports', py.seconds.toFixed(2), (moved / py.seconds).toFixed(1), '', ''],
  ];
  console.log(`\nPulsar ${pulsar.version} on ${pulsar.url}, ${sizeMiB} MiB staged in and out (${moved} MiB moved per client)`);
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(i === 0 ? 26 : 18)).join(''));
  const submitted = (phases.submitted ?? 0) / 1000;
  const finished = (phases.status ?? 0) / 1000;
  console.log(`Node phases: stage-in ${submitted.toFixed(2)} s, run ${(finished - submitted).toFixed(2)} s, stage-out + clean ${(tsSeconds - finished).toFixed(2)} s`);
  console.log(`ratio Python/Node wall: ${(pySeconds / tsSeconds).toFixed(2)} (process), ${(py.seconds / tsSeconds).toFixed(2)} (after Python's imports)`);
  console.log(`Node peak RSS was ${(rssBefore / 1024).toFixed(0)} MiB before the Node run (input generation included). Both poll status every 250 ms.`);
} finally {
  await pulsar.stop();
  await rm(root, { recursive: true, force: true });
}

