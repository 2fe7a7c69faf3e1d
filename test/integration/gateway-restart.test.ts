/**
 * Issue 9, acceptance 3: the gateway (a real child process) is killed with
 * SIGKILL while tasks are in flight, then started again on the same store.
 * Every task reaches its true terminal state, its outputs arrive, and none
 * runs twice.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killProcess, startGatewayProcess, type GatewayProcess } from '../peers/gateway/cli-process.js';

const TOKEN = 'restart-token-0123456789';
let dir: string;
let config: string;
const running: GatewayProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-restart-'));
  config = join(dir, 'network.yaml');
  await writeFile(
    config,
    [
      'seed: restart',
      'failover: { pollIntervalMs: 100 }',
      'sites:',
      '  - id: laptop',
      '    kind: local',
      `    options: { allowNoContainer: true, trusted: true, maxConcurrentJobs: 2, workDir: ${join(dir, 'site')} }`,
      'gateway:',
      '  store: gateway.db',
      `  urls: { outputs: { roots: [${dir}] } }`,
      '  clients:',
      '    - { name: tester, tokenEnv: RESTART_TOKEN }',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  for (const gw of running) await killProcess(gw.child, 'SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

const env = { RESTART_TOKEN: TOKEN };
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** A task that records each run in its own file, works a while, then exits with `code`. */
function task(n: number, code: number): Record<string, unknown> {
  const runs = join(dir, `runs-${n}.txt`);
  return {
    name: `restart-${n}`,
    outputs: [{ path: '/out/result.txt', url: `file://${join(dir, `result-${n}.txt`)}` }],
    executors: [{ image: 'alpine', command: ['sh', '-c', `echo run >> ${runs}; sleep 3; echo task-${n} > /out/result.txt; exit ${code}`] }],
  };
}

async function state(gw: GatewayProcess, id: string): Promise<string> {
  const res = await fetch(`${gw.url}/tasks/${id}`, { headers });
  return ((await res.json()) as { state: string }).state;
}

it('a gateway killed with tasks in flight re-attaches to every one on restart', async () => {
  const first = await startGatewayProcess(config, { env });
  running.push(first);
  const codes = [0, 0, 3];
  const ids: string[] = [];
  for (const [n, code] of codes.entries()) {
    const res = await fetch(`${first.url}/tasks`, { method: 'POST', headers, body: JSON.stringify(task(n, code)) });
    expect(res.status).toBe(200);
    ids.push(((await res.json()) as { id: string }).id);
  }
  // two run (maxConcurrentJobs: 2), the third waits on the site
  await expect.poll(async () => (await Promise.all(ids.map((id) => state(first, id)))).filter((s) => s === 'RUNNING').length, { timeout: 30_000, interval: 100 }).toBe(2);

  await killProcess(first.child, 'SIGKILL');
  const second = await startGatewayProcess(config, { env });
  running.push(second);
  expect([...second.resumed].sort()).toEqual([...ids].sort());

  await expect.poll(async () => Promise.all(ids.map((id) => state(second, id))), { timeout: 60_000, interval: 200 }).toEqual(['COMPLETE', 'COMPLETE', 'EXECUTOR_ERROR']);
  for (const n of codes.keys()) {
    // ran exactly once, and (when it completed) its output arrived
    expect(await readFile(join(dir, `runs-${n}.txt`), 'utf8')).toBe('run\n');
    if (codes[n] === 0) expect(await readFile(join(dir, `result-${n}.txt`), 'utf8')).toBe(`task-${n}\n`);
  }
  const failed = (await (await fetch(`${second.url}/tasks/${ids[2]}?view=FULL`, { headers })).json()) as { logs: Array<{ logs: Array<{ exit_code: number }> }> };
  expect(failed.logs[0]?.logs.map((l) => l.exit_code)).toEqual([3]);

  // a third start finds nothing left in flight
  await killProcess(second.child, 'SIGTERM');
  const third = await startGatewayProcess(config, { env });
  running.push(third);
  expect(third.resumed).toEqual([]);
});
