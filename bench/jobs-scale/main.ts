/**
 * bench/jobs-scale: how the job engine scales (issue 13, acceptance 3 and 4).
 *
 * 1. 10,000 jobs through `network.submit` on one TES site (the reference
 *    server in its own process, tasks held queued): time until every task is
 *    created, status requests per poll cycle (counted by the server), heap.
 *    Beside it, in the same run: the same through `network.submit` with
 *    polling off (what status traffic costs creation), and the peer, the same
 *    10,000 creates sent with a bare `TesClient` (same concurrency cap, no
 *    engine, no polling).
 * 2. 1,000 jobs on two TES sites: the same figures per site.
 * 3. 5,000 jobs on the local site: heap with them live, and once they have
 *    ended and their handles are dropped (the engine's live count beside).
 *
 * Figures are printed, not asserted. Heap figures are after a full GC.
 *
 *   npx tsx bench/jobs-scale/main.ts [--jobs 10000] [--two 1000] [--local 5000]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LocalSite, Network, TesClient, TesSite, type Job, type Site } from '../../src/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  // Heap figures need a full GC: run again with --expose-gc.
  const again = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
  process.exit(again.status ?? 1);
}

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const JOBS = arg('jobs', 10_000);
const TWO = arg('two', 1000);
const LOCAL = arg('local', 5000);
const PAGE = 256;
const CAP = 16;
const HELD = { executors: [{ image: 'alpine:3', command: ['true'] }] };

interface Server {
  child: ChildProcess;
  origin: string;
  url: string;
}

async function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/peers/tes-server/main.ts'), '--max-running', '0'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  return { child, ...(JSON.parse(line) as { origin: string; url: string }) };
}

async function stopServer(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}

async function counts(server: Server): Promise<Record<string, number>> {
  return ((await (await fetch(`${server.origin}/_reference/stats`)).json()) as { counts: Record<string, number> }).counts;
}

/** Heap used after full GCs, with the finalizers they queued run (fetch unhooks its abort listeners in finalizers). */
async function heapMiB(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

/** Status requests (ListTasks + GetTask, counted by the server) of the next `n` polls of `site`, and the jobs each covered. */
async function cycles(site: Site, server: Server, n: number): Promise<Array<{ jobs: number; requests: number }>> {
  const seen: Array<{ jobs: number; requests: number }> = [];
  const poll = site.poll.bind(site);
  site.poll = async (ids, options) => {
    const before = await counts(server);
    const statuses = await poll(ids, options);
    const after = await counts(server);
    const status = (c: Record<string, number>): number => (c.ListTasks ?? 0) + (c.GetTask ?? 0);
    seen.push({ jobs: ids.length, requests: status(after) - status(before) });
    return statuses;
  };
  await until(() => seen.length >= n);
  site.poll = poll;
  return seen;
}

/** Submits `jobs` jobs through a network of the given TES servers; the creation time, per-site cycles and heap. */
async function throughNetwork(servers: Server[], jobs: number, polling = true): Promise<void> {
  const sites = servers.map((s, i) => new TesSite({ id: `tes-${i}`, client: { baseUrl: s.url, maxConcurrency: CAP }, pageSize: PAGE }));
  const network = await Network.create(
    { seed: 'bench', strategy: 'roundRobin', failover: { pollIntervalMs: polling ? 1000 : 3_600_000 }, sites: sites.map((s) => ({ id: s.id, kind: 'tes' as const, url: 'http://127.0.0.1/' })) },
    { sites: Object.fromEntries(sites.map((s) => [s.id, s])) },
  );
  const before = await heapMiB();
  const started = performance.now();
  let handles: Job[] = Array.from({ length: jobs }, (_, i) => network.submit({ ...HELD, name: `bench-${i}` }));
  await until(() => handles.every((job) => job.remoteId !== undefined));
  const createdS = (performance.now() - started) / 1000;
  if (!polling) {
    console.log(`${jobs} jobs on ${sites.length} TES site(s), polling off: every task created in ${createdS.toFixed(1)} s (${(jobs / createdS).toFixed(0)} jobs/s)`);
    await network.close();
    return;
  }
  const live = await heapMiB();
  const perSite = await Promise.all(sites.map((site, i) => cycles(site, servers[i] as Server, 3)));
  console.log(`${jobs} jobs on ${sites.length} TES site(s): every task created in ${createdS.toFixed(1)} s (${(jobs / createdS).toFixed(0)} jobs/s)`);
  perSite.forEach((seen, i) => {
    const worst = Math.max(...seen.map((c) => c.requests));
    console.log(`  ${sites[i]?.id}: ${seen.map((c) => `${c.jobs} jobs/${c.requests} requests`).join(', ')} per cycle (bound ceil(jobs/${PAGE}) + 1 = ${Math.ceil((seen[0]?.jobs ?? 0) / PAGE) + 1}; worst ${worst})`);
  });
  console.log(`  heap: ${before.toFixed(1)} MiB before, ${live.toFixed(1)} MiB with ${jobs} live jobs (${(((live - before) * 1024) / jobs).toFixed(1)} KiB a job); engine live jobs ${network.engine.liveJobs}`);
  const canceling = performance.now();
  await Promise.all(handles.map((job) => job.cancel()));
  await Promise.all(handles.map((job) => job.wait()));
  handles = [];
  console.log(`  canceled and ended in ${((performance.now() - canceling) / 1000).toFixed(1)} s; handles dropped: heap ${(await heapMiB()).toFixed(1)} MiB, engine live jobs ${network.engine.liveJobs}`);
  await network.close();
}

/** The peer: the same creates with a bare TesClient (same cap), no engine and no polling. */
async function bareCreates(server: Server, jobs: number): Promise<void> {
  const tes = new TesClient({ baseUrl: server.url, maxConcurrency: CAP });
  const started = performance.now();
  await Promise.all(Array.from({ length: jobs }, (_, i) => tes.createTask({ ...HELD, name: `peer-${i}` })));
  const s = (performance.now() - started) / 1000;
  console.log(`peer: ${jobs} bare TesClient.createTask (cap ${CAP}, nothing polled): ${s.toFixed(1)} s (${(jobs / s).toFixed(0)} tasks/s)`);
}

async function localJobs(jobs: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-jobs-scale-'));
  try {
    const site = new LocalSite({ id: 'laptop', allowNoContainer: true, workDir: join(dir, 'site'), maxConcurrentJobs: 8 });
    const network = await Network.create({ seed: 'bench', failover: { pollIntervalMs: 200 }, sites: [{ id: 'laptop', kind: 'local' }] }, { sites: { laptop: site } });
    const before = await heapMiB();
    let ended = 0;
    network.on('done', () => void ended++);
    const started = performance.now();
    for (let i = 0; i < jobs; i++) network.submit({ name: `local-${i}`, executors: [{ image: 'none', command: ['true'] }] });
    const live = await heapMiB();
    await until(() => ended === jobs);
    const s = (performance.now() - started) / 1000;
    console.log(`${jobs} jobs on the local site: all ended in ${s.toFixed(1)} s (${(jobs / s).toFixed(0)} jobs/s)`);
    console.log(`  heap: ${before.toFixed(1)} MiB before, ${live.toFixed(1)} MiB just submitted, ${(await heapMiB()).toFixed(1)} MiB once ended and dropped; engine live jobs ${network.engine.liveJobs}`);
    await network.close();
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`bench/jobs-scale: Node ${process.version}, load average ${load()} at the start`);
{
  const server = await startServer();
  try {
    await throughNetwork([server], JOBS);
  } finally {
    await stopServer(server);
  }
  const quiet = await startServer();
  try {
    await throughNetwork([quiet], JOBS, false);
  } finally {
    await stopServer(quiet);
  }
  const peer = await startServer();
  try {
    await bareCreates(peer, JOBS);
  } finally {
    await stopServer(peer);
  }
}
{
  const servers = [await startServer(), await startServer()];
  try {
    await throughNetwork(servers, TWO);
  } finally {
    await Promise.all(servers.map(stopServer));
  }
}
await localJobs(LOCAL);
console.log(`load average ${load()} at the end`);
