/**
 * Issue 15, acceptance 5: Pulsar (pulsar-app 0.16.0) restarted while a job
 * runs. Its job process outlives it (Pulsar gives each job a process group
 * of its own) and ends while the server is down; the restarted server fails
 * to recover the job and reports it `running` for ever. The site finds the
 * manifest the job's command line wrote last, and the job ends `complete`
 * with its outputs, well before the wait's deadline (`lostAfterMs`, 300 s).
 * Two ways to notice: the polls that failed while the server was down, and,
 * when the restart falls between two polls, the job's `running` gone stale.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachJob, JobEngine, nodeLocalFiles, PulsarRestSite, submitJob, type JobSpec } from '../../src/node.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';

let pulsar: PulsarServer;
let dir: string;

beforeAll(async () => {
  pulsar = await startPulsar({ manager: { concurrentJobs: 2 } });
  dir = await mkdtemp(join(tmpdir(), 'pulsar-restart-'));
});
afterAll(async () => {
  await pulsar?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs for a while once it has said it started, then writes its output. */
function spec(id: string, where: string): JobSpec {
  return {
    name: id,
    inputs: [{ path: '/in/name.txt', content: `${id}\n` }],
    outputs: [{ path: '/out/result.txt', url: join(where, 'result.txt') }],
    executors: [{ image: 'none', command: ['sh', '-c', `touch '${join(where, 'started')}'; sleep 3; cat /in/name.txt > /out/result.txt; echo done`] }],
  };
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const ends = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > ends) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
const exists = (path: string): Promise<boolean> => readFile(path).then(() => true, () => false);

describe('Pulsar restarted while a job runs', () => {
  it('the polls that failed while it was down lead to the job manifest: the job ends complete with its output', async () => {
    const where = await mkdtemp(join(dir, 'down-'));
    // Staleness is left at its default (60 s): only the failed polls can end this job early.
    const site = new PulsarRestSite({ client: { url: pulsar.url, token: pulsar.token ?? undefined, retry: { retries: 1, minDelay: 50, maxDelay: 100 } }, files: nodeLocalFiles(), allowNoContainer: true });
    const started = Date.now();
    const job = submitJob(site, spec('restart-down', where), { engine: new JobEngine({ poll: { minIntervalMs: 200, maxIntervalMs: 500 } }) });
    await until(() => exists(join(where, 'started')), 30_000);
    await pulsar.halt({ signal: 'SIGKILL' });
    // Down for longer than the job has left to run, and long enough for polls to fail.
    await new Promise((r) => setTimeout(r, 5000));
    await pulsar.resume();
    const result = await job.wait();
    const seconds = (Date.now() - started) / 1000;
    expect(result.state).toBe('complete');
    expect(result.siteState).toMatch(/running \(ended/);
    expect(result.logs.executors).toEqual([expect.objectContaining({ exitCode: 0, stdout: 'done\n' })]);
    expect(await readFile(join(where, 'result.txt'), 'utf8')).toBe('restart-down\n');
    expect(result.logs.system.join('\n')).toContain('manifest says it ended');
    // Pulsar itself still says running: without the manifest the job would wait out lostAfterMs.
    expect((await site.client.status(result.remoteId as string)).status).toBe('running');
    expect(seconds).toBeLessThan(60);
  });

  it('a site that never saw the server down (attached after the restart): the job gone stale (staleRunningMs) ends by its manifest', async () => {
    const where = await mkdtemp(join(dir, 'stale-'));
    const options = { client: { url: pulsar.url, token: pulsar.token ?? undefined }, files: nodeLocalFiles(), allowNoContainer: true };
    const { remoteId } = await new PulsarRestSite(options).submit(spec('restart-stale', where), { idempotencyKey: 'restart-stale' });
    await until(() => exists(join(where, 'started')), 30_000);
    await pulsar.halt({ signal: 'SIGKILL' });
    await until(() => exists(join(pulsar.stagingDir, remoteId, 'working', 'pulsar-network-manifest.txt')), 30_000);
    await pulsar.resume();
    // A new process: no poll of it ever failed, Pulsar answers `running` every time.
    const site = new PulsarRestSite({ ...options, staleRunningMs: 2000 });
    const attached = Date.now();
    const job = await attachJob(site, remoteId, { engine: new JobEngine({ poll: { minIntervalMs: 300, maxIntervalMs: 600 } }) });
    const result = await job.wait();
    expect(result.state).toBe('complete');
    expect(result.siteState).toMatch(/running \(ended/);
    expect(await readFile(join(where, 'result.txt'), 'utf8')).toBe('restart-stale\n');
    expect(Date.now() - attached).toBeGreaterThanOrEqual(2000);
    expect(Date.now() - attached).toBeLessThan(30_000);
  });
});
