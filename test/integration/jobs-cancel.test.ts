/**
 * Issue 15 (engine side): cancel means stop. A job canceled while its large
 * output is being delivered stops the download: it ends `canceled`, and
 * nothing is left at the destination — on the local site and on a real
 * Pulsar site. How long the stop took is printed, not asserted
 * (bench/jobs-scale measures it too).
 */
import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, LocalSite, nodeLocalFiles, PulsarRestSite, submitJob, type Site } from '../../src/node.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';

const MIB = 1024 * 1024;
const engine = new JobEngine({ poll: { minIntervalMs: 100, maxIntervalMs: 300 } });
let dir: string;
let pulsar: PulsarServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobs-cancel-'));
  pulsar = await startPulsar();
});
afterAll(async () => {
  engine.close();
  await pulsar?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Submits a job writing `mib` MiB to one output, cancels it as soon as that output's download has begun. */
async function cancelWhileCollecting(site: Site, mib: number): Promise<void> {
  const out = await mkdtemp(join(dir, `${site.id}-`));
  const job = submitJob(
    site,
    {
      outputs: [{ path: '/data/big.bin', url: join(out, 'big.bin') }],
      executors: [{ image: 'alpine:3', command: ['sh', '-c', `head -c ${mib * MIB} /dev/zero > /data/big.bin`] }],
    },
    { engine },
  );
  let canceledAt = 0;
  let downloaded = 0;
  job.on('transfer', (e) => {
    if (e.direction !== 'down') return;
    downloaded = Math.max(downloaded, e.bytesDone);
    if (canceledAt === 0 && e.bytesDone > 0) {
      canceledAt = performance.now();
      void job.cancel();
    }
  });
  const result = await job.wait();
  const tookMs = performance.now() - canceledAt;
  console.log(`${site.id}: canceled after ${(downloaded / MIB).toFixed(1)} of ${mib} MiB; the job ended ${result.state} ${tookMs.toFixed(0)} ms after cancel()`);
  expect(canceledAt).toBeGreaterThan(0);
  expect(result.state).toBe('canceled');
  expect(result.history.map((h) => h.state)).toContain('canceling');
  expect(result.logs.system.at(-1)).toBe('canceled while collecting the outputs: the downloads were stopped');
  expect(result.outputs).toEqual([]);
  // nothing delivered, not even a partial file
  expect(await readdir(out)).toEqual([]);
}

describe('cancel while the outputs are collected', () => {
  it('on the local site: the copy stops, nothing is left', async () => {
    await cancelWhileCollecting(new LocalSite({ id: 'local', allowNoContainer: true, workDir: join(dir, 'site') }), 1024);
  });

  it('on a real Pulsar site: the download stops, nothing is left', async () => {
    await cancelWhileCollecting(new PulsarRestSite({ id: 'pulsar', client: { url: pulsar.url, token: pulsar.token ?? undefined }, files: nodeLocalFiles(), allowNoContainer: true }), 1024);
  });
});
