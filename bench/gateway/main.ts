/**
 * bench/gateway: what the TES gateway costs a TES client. The same TesClient
 * runs the same tasks, in the same run, against the reference TES server
 * (test/peers/tes-server, executors as local processes) and against the
 * gateway (`pulsar-network gateway`, a child process) over one LocalSite
 * without containers. Figures: milliseconds per create (sequential), and the
 * median and p90 from create to COMPLETE (one task at a time, MINIMAL polls
 * every 50 ms).
 *
 *   npx tsx bench/gateway/main.ts [--tasks 30]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TesClient } from '../../src/index.js';
import { startGatewayProcess } from '../../test/peers/gateway/cli-process.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const i = process.argv.indexOf('--tasks');
const TASKS = i >= 0 ? Number(process.argv[i + 1]) : 30;
const TOKEN = 'bench-token-0123456789abcdef';

async function referenceServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/peers/tes-server/main.ts'), '--max-running', '8'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

async function measure(tes: TesClient): Promise<{ createMs: number; medianMs: number; p90Ms: number }> {
  const task = { name: 'bench', executors: [{ image: 'alpine:3', command: ['true'] }] };
  let start = performance.now();
  const ids: string[] = [];
  for (let n = 0; n < TASKS; n++) ids.push(await tes.createTask(task));
  const createMs = (performance.now() - start) / TASKS;
  for (const id of ids) await tes.waitForTask(id, { view: 'MINIMAL', minInterval: 50, maxInterval: 50 });
  const latencies: number[] = [];
  for (let n = 0; n < TASKS; n++) {
    start = performance.now();
    const id = await tes.createTask(task);
    const done = await tes.waitForTask(id, { view: 'MINIMAL', minInterval: 50, maxInterval: 50 });
    if (done.state !== 'COMPLETE') throw new Error(`a bench task ended ${done.state}`);
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  return { createMs, medianMs: latencies[Math.floor(TASKS / 2)] as number, p90Ms: latencies[Math.floor(TASKS * 0.9)] as number };
}

const dir = await mkdtemp(join(tmpdir(), 'bench-gateway-'));
const config = join(dir, 'network.yaml');
await writeFile(
  config,
  `failover: { pollIntervalMs: 50 }\nsites:\n  - id: laptop\n    kind: local\n    options: { allowNoContainer: true, trusted: true, maxConcurrentJobs: 8, workDir: ${join(dir, 'site')} }\ngateway:\n  store: gateway.db\n  clients: [{ name: bench, token: ${TOKEN} }]\n  limits: { submitsPerMinute: 1000000, maxInFlight: 1000000 }\n`,
);
const reference = await referenceServer();
const gateway = await startGatewayProcess(config);
try {
  const direct = await measure(new TesClient({ baseUrl: reference.url }));
  const through = await measure(new TesClient({ baseUrl: gateway.url, auth: { type: 'bearer', token: TOKEN } }));
  const row = (name: string, f: typeof direct): string => `${name.padEnd(38)} ${f.createMs.toFixed(1).padStart(8)} ${f.medianMs.toFixed(0).padStart(12)} ${f.p90Ms.toFixed(0).padStart(9)}`;
  console.log(`${TASKS} tasks (\`true\`), same TesClient; gateway = LocalSite without containers, SQLite store (synchronous=FULL), network poll 50 ms`);
  console.log(`${'server'.padEnd(38)} ${'ms/create'.padStart(8)} ${'median ms→done'.padStart(12)} ${'p90 ms'.padStart(9)}`);
  console.log(row('reference TES server (peer)', direct));
  console.log(row('pulsar-network gateway → LocalSite', through));
} finally {
  reference.child.kill('SIGTERM');
  gateway.child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
