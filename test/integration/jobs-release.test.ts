/**
 * Issue 13, acceptance 3: memory follows live jobs. After 5,000 jobs on the
 * local site have finished and their handles are dropped, the network and
 * its engine hold none of them (the heap figure is in bench/jobs-scale).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalSite, Network } from '../../src/node.js';

const JOBS = 5000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobs-release-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

it('after 5,000 finished jobs whose handles are dropped, the network and its engine hold none', async () => {
  const site = new LocalSite({ id: 'laptop', allowNoContainer: true, workDir: join(dir, 'site'), maxConcurrentJobs: 8 });
  const network = await Network.create({ seed: 'release', failover: { pollIntervalMs: 50 }, sites: [{ id: 'laptop', kind: 'local' }] }, { sites: { laptop: site } });
  try {
    let ended = 0;
    let complete = 0;
    network.on('done', (e) => {
      ended++;
      if (e.result.state === 'complete') complete++;
    });
    // handles are not kept: each job is submitted and forgotten, the network's `done` events count the ends
    for (let i = 0; i < JOBS; i++) network.submit({ name: `j${i}`, executors: [{ image: 'none', command: ['true'] }] });
    expect(network.engine.liveJobs).toBe(JOBS);
    // about a minute on an idle two-core machine: 5,000 processes are started and collected
    while (ended < JOBS) await new Promise((r) => setTimeout(r, 100));
    expect([ended, complete]).toEqual([JOBS, JOBS]);
    expect(network.engine.liveJobs).toBe(0);
    expect(network.liveJobs).toBe(0);
    expect(network.decision('j0')).toBeUndefined();
    expect(network.queue()).toEqual([{ site: 'laptop', inFlight: 0, queue: [] }]);
  } finally {
    await network.close();
  }
}, 600_000);
