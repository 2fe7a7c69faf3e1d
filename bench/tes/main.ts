/**
 * bench/tes: TesClient against py-tes, in the same run, against the same
 * server: the reference TES server (a separate process, so neither client
 * shares an event loop with it), then a real Funnel (built by `npm run peers`;
 * test/peers/funnel.ts). Figures: wall time, requests the reference server
 * counted, and the ratio TesClient / py-tes; the load average beside them.
 *
 *   npx tsx bench/tes/main.ts [--tasks 200] [--list 2000] [--only reference|funnel]
 *
 * Needs py-tes and Funnel: scripts/peers/install-py-tes.sh and install-funnel.sh (npm run peers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TesClient } from '../../src/index.js';
import { startFunnel } from '../../test/peers/funnel.js';
import { runWithPyTes } from '../../test/peers/tes-server/py-tes.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const TASKS = arg('tasks', 200);
const LIST = arg('list', 2000);

/** A server the clients are measured against. */
interface Target {
  /** TES base URL (TesClient). */
  url: string;
  /** Origin (py-tes). */
  origin: string;
  /** Requests the server counted so far, when it counts them. */
  requests?: () => Promise<number>;
  /** How py-tes waits: its `wait()`, or the same loop over its `send_request` where it cannot read MINIMAL. */
  pyTesCreate: 'create' | 'create-raw-wait';
}

interface Figure {
  seconds: number;
  requests: number | undefined;
}

async function startReference(seed: number): Promise<{ child: ChildProcess; origin: string; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/peers/tes-server/main.ts'), '--seed', String(seed), '--max-running', '8'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout as NodeJS.ReadableStream }), 'line')) as [string];
  return { child, ...(JSON.parse(line) as { origin: string; url: string }) };
}

async function referenceRequests(origin: string): Promise<number> {
  const stats = (await (await fetch(`${origin}/_reference/stats`)).json()) as { counts: Record<string, number>; violations: string[]; rejected: string[] };
  if (stats.violations.length > 0 || stats.rejected.length > 0) throw new Error(`the server saw non-conforming traffic: ${JSON.stringify(stats)}`);
  return Object.values(stats.counts).reduce((a, b) => a + b, 0);
}

async function measure(target: Target, run: () => Promise<number>): Promise<Figure> {
  const before = await target.requests?.();
  const seconds = await run();
  const after = await target.requests?.();
  return { seconds, requests: before === undefined || after === undefined ? undefined : after - before };
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
  const out = JSON.parse(await runWithPyTes(join(here, 'py_tes_bench.py'), [origin, ...args], { timeoutMs: 600_000 })) as { seconds: number; tasks: number; complete?: number };
  if (out.tasks !== expected) throw new Error(`py-tes handled ${out.tasks} tasks, expected ${expected}`);
  if (out.complete !== undefined && out.complete !== expected) throw new Error(`py-tes saw ${out.complete} of ${expected} tasks complete`);
  return out.seconds;
}

function row(name: string, a: Figure, b: Figure): string {
  const ratio = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined || y === 0 ? 'n/a' : (x / y).toFixed(2));
  const count = (n: number | undefined) => (n === undefined ? 'not counted' : String(n));
  return `| ${name} | ${a.seconds.toFixed(2)} s | ${count(a.requests)} | ${b.seconds.toFixed(2)} s | ${count(b.requests)} | ${ratio(a.seconds, b.seconds)} | ${ratio(a.requests, b.requests)} |`;
}

/** The three scenarios on one server holding exactly LIST tasks; returns the table's rows. */
async function scenarios(target: Target): Promise<string[]> {
  // Listing first, while the server holds exactly the seeded tasks.
  const listOurs = await measure(target, () => ours(target.url, 'list'));
  const listPy = await measure(target, () => pyTes(target.origin, ['list'], LIST));
  const createOurs = await measure(target, () => ours(target.url, 'create'));
  const createPy = await measure(target, () => pyTes(target.origin, [target.pyTesCreate, String(TASKS)], TASKS));
  const sequentialOurs = await measure(target, () => ours(target.url, 'create-sequential'));
  return [
    row(`list ${LIST} tasks (BASIC, 256 a page)`, listOurs, listPy),
    row(`create ${TASKS} tasks and wait for all`, createOurs, createPy),
    row(`the same, TesClient one request at a time like py-tes (0.5 s polls)`, sequentialOurs, createPy),
  ];
}

function table(title: string, rows: string[]): void {
  console.log(`\n${title}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log('| scenario | TesClient time | TesClient requests | py-tes time | py-tes requests | time ratio | request ratio |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const line of rows) console.log(line);
}

/**
 * Funnel starts empty: LIST tasks are created first (not measured), each failing at once
 * (an input Funnel may not read: SYSTEM_ERROR, no executor started), so the seed is cheap.
 */
async function seedFunnel(url: string, dir: string): Promise<void> {
  const tes = new TesClient({ baseUrl: url, maxConcurrency: 16 });
  const task = { name: 'seed', inputs: [{ path: '/in/x', url: `file://${dir}-not-allowed/x` }], executors: [{ image: 'alpine:3', command: ['true'] }] };
  await Promise.all(Array.from({ length: LIST }, () => tes.createTask(task)));
  for (;;) {
    const pending = await tes.listTasks({ view: 'MINIMAL', pageSize: 2047 }).toArray();
    if (pending.every((t) => t.state === 'SYSTEM_ERROR')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const clients = `TesClient: 16 requests in flight at most, waitForTask polls 0.5 s -> 5 s with jitter; py-tes: one request at a time, wait() polls every 0.5 s`;
console.log(`\nbench/tes: TesClient vs py-tes 1.1.2, the same server for both, Node ${process.version}\n${clients}`);

if (only !== 'funnel') {
  const reference = await startReference(LIST);
  try {
    const rows = await scenarios({ url: reference.url, origin: reference.origin, requests: () => referenceRequests(reference.origin), pyTesCreate: 'create' });
    table('Reference TES server (local processes, 8 at once)', rows);
  } finally {
    reference.child.kill('SIGTERM');
    await once(reference.child, 'exit');
  }
}

if (only !== 'reference') {
  const funnel = await startFunnel();
  try {
    await seedFunnel(funnel.url, funnel.dir);
    const rows = await scenarios({ url: funnel.url, origin: funnel.origin, pyTesCreate: 'create-raw-wait' });
    table(`Funnel ${funnel.version} (local compute, every task at once, executors through the no-Docker driver; requests not counted)`, rows);
    console.log(`py-tes's wait() cannot read Funnel's MINIMAL answer (creation_time "" is not a date to it): its side waits with the same loop over py-tes's send_request, reading only \`state\``);
  } finally {
    await funnel.stop();
  }
}
