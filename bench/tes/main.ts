/**
 * bench/tes: TesClient against py-tes, in the same run, against the same
 * reference TES server (a separate process, so neither client shares an event
 * loop with it). Figures: wall time, requests the server counted, and the
 * ratio TesClient / py-tes.
 *
 *   npx tsx bench/tes/main.ts [--tasks 200] [--list 2000]
 *
 * Needs py-tes: scripts/peers/install-py-tes.sh (npm run peers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TesClient } from '../../src/index.js';
import { runWithPyTes } from '../../test/peers/tes-server/py-tes.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TASKS = arg('tasks', 200);
const LIST = arg('list', 2000);

interface Figure {
  seconds: number;
  requests: number;
}

async function startServer(seed: number): Promise<{ child: ChildProcess; origin: string; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/peers/tes-server/main.ts'), '--seed', String(seed), '--max-running', '8'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  return { child, ...(JSON.parse(line) as { origin: string; url: string }) };
}

async function requests(origin: string): Promise<number> {
  const stats = (await (await fetch(`${origin}/_reference/stats`)).json()) as { counts: Record<string, number>; violations: string[]; rejected: string[] };
  if (stats.violations.length > 0 || stats.rejected.length > 0) throw new Error(`the server saw non-conforming traffic: ${JSON.stringify(stats)}`);
  return Object.values(stats.counts).reduce((a, b) => a + b, 0);
}

async function measure(origin: string, run: () => Promise<number>): Promise<Figure> {
  const before = await requests(origin);
  const seconds = await run();
  return { seconds, requests: (await requests(origin)) - before };
}

async function ours(url: string, scenario: 'create' | 'create-sequential' | 'list'): Promise<number> {
  const tes = new TesClient({ baseUrl: url, maxConcurrency: 16 });
  const start = performance.now();
  if (scenario === 'create-sequential') {
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) ids.push(await tes.createTask({ name: 'bench-ts', executors: [{ image: 'alpine:3', command: ['true'] }] }));
    for (const id of ids) {
      if ((await tes.waitForTask(id, { view: 'MINIMAL', minInterval: 500, maxInterval: 500 })).state !== 'COMPLETE') throw new Error('a bench task did not complete');
    }
  } else if (scenario === 'create') {
    const ids = await Promise.all(
      Array.from({ length: TASKS }, () => tes.createTask({ name: 'bench-ts', executors: [{ image: 'alpine:3', command: ['true'] }] })),
    );
    const done = await Promise.all(ids.map((id) => tes.waitForTask(id, { view: 'MINIMAL', minInterval: 500, maxInterval: 5000 })));
    if (done.some((t) => t.state !== 'COMPLETE')) throw new Error('a bench task did not complete');
  } else {
    const all = await tes.listTasks({ view: 'BASIC', pageSize: 256 }).toArray();
    if (all.length !== LIST) throw new Error(`listed ${all.length} tasks, expected ${LIST}`);
  }
  return (performance.now() - start) / 1000;
}

async function pyTes(origin: string, args: string[], expected: number): Promise<number> {
  const out = JSON.parse(await runWithPyTes(join(here, 'py_tes_bench.py'), [origin, ...args], { timeoutMs: 600_000 })) as { seconds: number; tasks: number };
  if (out.tasks !== expected) throw new Error(`py-tes handled ${out.tasks} tasks, expected ${expected}`);
  return out.seconds;
}

function row(name: string, a: Figure, b: Figure): string {
  const ratio = (x: number, y: number) => (y === 0 ? 'n/a' : (x / y).toFixed(2));
  return `| ${name} | ${a.seconds.toFixed(2)} s | ${a.requests} | ${b.seconds.toFixed(2)} s | ${b.requests} | ${ratio(a.seconds, b.seconds)} | ${ratio(a.requests, b.requests)} |`;
}

const server = await startServer(LIST);
try {
  // Listing first, while the server holds exactly the seeded tasks.
  const listOurs = await measure(server.origin, () => ours(server.url, 'list'));
  const listPy = await measure(server.origin, () => pyTes(server.origin, ['list'], LIST));
  const createOurs = await measure(server.origin, () => ours(server.url, 'create'));
  const createPy = await measure(server.origin, () => pyTes(server.origin, ['create', String(TASKS)], TASKS));
  const sequentialOurs = await measure(server.origin, () => ours(server.url, 'create-sequential'));
  console.log(`\nbench/tes: TesClient vs py-tes 1.1.2, same reference TES server (local processes, 8 at once), Node ${process.version}`);
  console.log(`TesClient: 16 requests in flight at most, waitForTask polls 0.5 s -> 5 s with jitter; py-tes: one request at a time, wait() polls every 0.5 s\n`);
  console.log('| scenario | TesClient time | TesClient requests | py-tes time | py-tes requests | time ratio | request ratio |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  console.log(row(`list ${LIST} tasks (BASIC, 256 a page)`, listOurs, listPy));
  console.log(row(`create ${TASKS} tasks and wait for all`, createOurs, createPy));
  console.log(row(`the same, TesClient one request at a time like py-tes (0.5 s polls)`, sequentialOurs, createPy));
} finally {
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}
