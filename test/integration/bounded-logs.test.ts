/**
 * Issue 12, acceptance 3: a Pulsar-shaped and a TES-shaped peer answer a
 * job's stdout with 1 GiB (made on the fly, never held): a real Pulsar and
 * the reference TES server run the job, and a proxy in front of each
 * replaces the stdout download (Pulsar) or the FULL task (TES). The job
 * ends with the tail of the log, and the resident memory of the process
 * that ran it (a child of its own, so vitest does not blur the figure)
 * grows by less than 64 MiB while it reads that log.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { startTesServer, type TesServer } from '../peers/tes-server/server.js';
import { startOverrideProxy, streamBytes, type OverrideProxy } from '../support/override-proxy.js';

const GIB = 1024 ** 3;
/**
 * The child's first job reads a 64 MiB log: what reading a large log costs
 * once (V8's young generation grown to its working size, the hashing
 * worker started) is in the baseline, and the figure is what a 16 times
 * larger log adds.
 */
const WARM_UP = 64 * 1024 ** 2;
const END = 'END-OF-HOSTILE-STDOUT\n';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const child = resolve(root, 'test/peers/memory/log-tail-child.ts');

interface ChildReport {
  state: string;
  stdoutBytes: number;
  stdoutEnd: string;
  beforeMiB: number;
  growthMiB: number;
}

function runChild(args: string[]): Promise<ChildReport> {
  return new Promise((done, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) reject(new Error(`the child ended with ${code}:\n${out}\n${err}`));
      else done(JSON.parse(line) as ChildReport);
    });
  });
}

let pulsar: PulsarServer;
let tes: TesServer;
const proxies: OverrideProxy[] = [];

beforeAll(async () => {
  [pulsar, tes] = await Promise.all([startPulsar(), startTesServer()]);
}, 180_000);
afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await tes?.close();
  await pulsar?.stop();
});

describe('logs from a hostile site are read in bounded memory', () => {
  it('a Pulsar answering 1 GiB of stdout: the job ends with the 64 KiB tail, memory grows by less than 64 MiB', async () => {
    let stdoutDownloads = 0;
    const proxy = await startOverrideProxy(pulsar.url, async (_req, res, upstream) => {
      if (!/\/jobs\/[^/]+\/files$/.test(upstream.pathname) || upstream.searchParams.get('name') !== 'logs/0.stdout') return false;
      // the child's warm-up job gets 64 MiB, the measured one 1 GiB
      const size = ++stdoutDownloads === 1 ? WARM_UP : GIB;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      await streamBytes(res, size, END);
      return true;
    });
    proxies.push(proxy);
    const report = await runChild(['pulsar', proxy.url, pulsar.token as string]);
    expect(stdoutDownloads).toBe(2);
    expect(report).toMatchObject({ state: 'complete', stdoutBytes: 64 * 1024, stdoutEnd: `xx${END}` });
    expect(report.growthMiB, `resident memory grew by ${report.growthMiB.toFixed(1)} MiB from ${report.beforeMiB.toFixed(1)} MiB`).toBeLessThan(64);
  });

  it('a TES server answering a FULL task with 1 GiB of stdout: the job ends with the 64 KiB tail, memory grows by less than 64 MiB', async () => {
    let fullViews = 0;
    const proxy = await startOverrideProxy(tes.url, async (_req, res, upstream) => {
      if (!/\/tasks\/[^/:]+$/.test(upstream.pathname) || upstream.searchParams.get('view') !== 'FULL') return false;
      const size = ++fullViews === 1 ? WARM_UP : GIB;
      // the real task, its stdout replaced by 1 GiB streamed into the middle of the JSON
      const task = (await (await fetch(upstream)).json()) as { logs: Array<{ logs: Array<{ stdout?: string }> }> };
      const log = task.logs.at(-1)?.logs[0];
      if (log) log.stdout = '@@STDOUT@@';
      const [head, tail] = JSON.stringify(task).split('"@@STDOUT@@"') as [string, string];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${head}"`);
      await streamBytes(res, size, `${JSON.stringify(END).slice(1, -1)}"${tail}`);
      return true;
    });
    proxies.push(proxy);
    const report = await runChild(['tes', proxy.url]);
    expect(fullViews).toBe(2);
    expect(report).toMatchObject({ state: 'complete', stdoutBytes: 64 * 1024, stdoutEnd: `xx${END}` });
    expect(report.growthMiB, `resident memory grew by ${report.growthMiB.toFixed(1)} MiB from ${report.beforeMiB.toFixed(1)} MiB`).toBeLessThan(64);
  });
});
