/**
 * Issue 15, acceptances 2 and 4: an abort in the middle of an upload or a
 * download against a real Pulsar, through `nodeHttpFetch` and through the
 * global fetch, with `PulsarClient` and with `PulsarRestSite` (its submit and
 * its collect). Each runs in a child process (test/support/pulsar-abort-child.ts)
 * so that what it leaves behind shows: it must reject with AbortError within
 * a second, also when the server has stopped reading the upload (a stalling
 * proxy), end on its own (a promise that never settles makes it exit with
 * code 13), warn of no file handle closed on garbage collection, and leave no
 * partial file locally. On the server, the site removes what it staged (the
 * job was never launched) and, with `cleanup: 'always'`, the job whose
 * collect was aborted.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeLocalFiles, PulsarRestSite } from '../../src/node.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { startChaosProxy, type FaultKind } from '../support/chaos-proxy.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const child = join(repo, 'test', 'support', 'pulsar-abort-child.ts');
const MIB = 1024 * 1024;
let pulsar: PulsarServer;
let dir: string;
let input: string;

beforeAll(async () => {
  pulsar = await startPulsar({ manager: { concurrentJobs: 4 } });
  dir = await mkdtemp(join(tmpdir(), 'pulsar-abort-'));
  input = join(dir, 'big.bin');
  // Sparse: reads as zeros, costs no disk.
  await writeFile(input, '');
  await truncate(input, 256 * MIB);
});
afterAll(async () => {
  await pulsar?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface ChildRun {
  outcome: { name: string; message?: string; ms: number };
  stderr: string;
  code: number;
}

function runChild(env: Record<string, string>): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--trace-warnings', '--import', 'tsx', child],
      { cwd: repo, env: { ...process.env, PULSAR_URL: pulsar.url, PULSAR_TOKEN: pulsar.token ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve({ outcome: JSON.parse(line) as ChildRun['outcome'], stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 });
        } catch {
          reject(new Error(`the child printed no outcome (exit ${String((error as { code?: number } | null)?.code)}):\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

/** A finished job with one 64 MiB output, left on the server (not collected) for a download to abort. */
async function finishedJob(name: string): Promise<string> {
  const site = new PulsarRestSite({ client: { url: pulsar.url, token: pulsar.token ?? undefined }, files: nodeLocalFiles(), allowNoContainer: true });
  const spec = { outputs: [{ path: '/out/big.bin', url: join(dir, 'delivered', `${name}.bin`) }], executors: [{ image: 'none', command: ['sh', '-c', 'head -c 67108864 /dev/zero > /out/big.bin'] }] };
  const { remoteId } = await site.submit(spec, { idempotencyKey: name });
  for (;;) {
    const status = (await site.poll([remoteId])).get(remoteId);
    if (status?.state === 'complete') return remoteId;
    if (status && status.state !== 'queued' && status.state !== 'running') throw new Error(`the job ended ${status.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const expectCleanAbort = (run: ChildRun): void => {
  expect(run.outcome.name).toBe('AbortError');
  expect(run.outcome.ms).toBeGreaterThanOrEqual(0);
  expect(run.outcome.ms).toBeLessThan(1000);
  expect(run.code).toBe(0);
  expect(run.stderr).not.toMatch(/Closing file descriptor|FileHandle|Warning/);
};

describe.each(['node', 'global'] as const)('an abort mid-transfer with %s fetch (real Pulsar)', (fetch) => {
  it('PulsarClient.uploadFrom: AbortError within 1 s, no file handle left open', async () => {
    expectCleanAbort(await runChild({ FETCH: fetch, CASE: 'client-upload', INPUT: input }));
  });

  it('PulsarClient.uploadFrom to a server that stopped reading (a stalled proxy): AbortError within 1 s, no file handle left open', async () => {
    const stalls = (request: { method: string; path: string }): FaultKind | undefined => (request.method === 'POST' && /\/files\?/.test(request.path) ? 'stall' : undefined);
    const proxy = await startChaosProxy({ target: pulsar.url, seed: 3, rate: 0, stallMs: 60_000, plan: stalls });
    try {
      expectCleanAbort(await runChild({ FETCH: fetch, CASE: 'client-upload', INPUT: input, PULSAR_URL: proxy.url, ABORT_AFTER_MS: '1500' }));
      expect(proxy.counts.stall).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('PulsarRestSite.submit mid-upload: AbortError within 1 s, and the never-launched job is gone from the server with its partial upload', async () => {
    const run = await runChild({ FETCH: fetch, CASE: 'site-upload', INPUT: input });
    expectCleanAbort(run);
    expect(existsSync(join(pulsar.stagingDir, `abort-site-upload-${fetch}`))).toBe(false);
  });

  it('PulsarClient.downloadTo: AbortError within 1 s, nothing at the destination', async () => {
    const job = await finishedJob(`client-download-${fetch}`);
    const dest = await mkdtemp(join(dir, 'dest-'));
    const run = await runChild({ FETCH: fetch, CASE: 'client-download', JOB: job, DEST: dest });
    expectCleanAbort(run);
    expect(await readdir(dest)).toEqual([]);
  });

  it('PulsarRestSite.collect mid-download: AbortError within 1 s, nothing delivered, and cleanup always removes the job', async () => {
    const job = await finishedJob(`site-download-${fetch}`);
    await mkdir(join(dir, 'delivered'), { recursive: true });
    const run = await runChild({ FETCH: fetch, CASE: 'site-download', JOB: job });
    expectCleanAbort(run);
    // Neither the output nor a temporary part of it.
    expect(await readdir(join(dir, 'delivered'))).toEqual([]);
    expect(existsSync(join(pulsar.stagingDir, job))).toBe(false);
  });
});
