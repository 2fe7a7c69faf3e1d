/**
 * Issue 13, acceptance 1: status requests per poll cycle, counted at the
 * server. 1,000 jobs through `network.submit` on one TES site (the
 * reference server, tasks held queued) and 1,000 tasks posted to the TES
 * gateway cost at most ceil(1000 / page_size) + 1 status requests per cycle
 * and no GetTask; 200 jobs on one real Pulsar site cost at most 200 status
 * requests per cycle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTesGateway,
  MemoryTaskStore,
  Network,
  nodeLocalFiles,
  PulsarRestSite,
  TesSite,
  type Job,
  type JobSpec,
  type Site,
} from '../../src/node.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { startTesServer, type TesServer } from '../peers/tes-server/server.js';
import { startChaosProxy, type ChaosProxy } from '../support/chaos-proxy.js';

const JOBS = 1000;
const PAGE = 100;
const HELD: JobSpec = { executors: [{ image: 'alpine:3', command: ['true'] }] };

/** What one poll cycle of a site cost at the server. */
interface Cycle {
  /** When the poll was sent. */
  at: number;
  jobs: number;
  status: number;
  gets: number;
}

/** Counts, for each poll of `site`, the requests the server received while it ran (one poll is in flight at a time). */
function countCycles(site: Site, counts: () => { status: number; gets: number }): Cycle[] {
  const cycles: Cycle[] = [];
  const poll = site.poll.bind(site);
  site.poll = async (ids, options) => {
    const at = Date.now();
    const before = counts();
    const statuses = await poll(ids, options);
    const after = counts();
    cycles.push({ at, jobs: ids.length, status: after.status - before.status, gets: after.gets - before.gets });
    return statuses;
  };
  return cycles;
}

/** The first three cycles sent after `since`. */
async function threeCyclesSince(cycles: Cycle[], since: number): Promise<Cycle[]> {
  const after = (): Cycle[] => cycles.filter((c) => c.at >= since);
  await until(() => after().length >= 3, 'three poll cycles');
  return after().slice(0, 3);
}

async function until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A network of one site, polling every 100 ms after a change. */
function networkOf(site: Site): Promise<Network> {
  return Network.create({ seed: 'scale', failover: { pollIntervalMs: 100 }, sites: [{ id: site.id, kind: site.kind, url: 'http://127.0.0.1/' }] }, { sites: { [site.id]: site } });
}

describe('TES: 1,000 jobs on one site, tasks held queued', () => {
  let tes: TesServer;
  beforeAll(async () => {
    tes = await startTesServer({ maxRunning: 0 });
  });
  afterAll(async () => {
    expect(tes.violations).toEqual([]);
    await tes.close();
  });
  const serverCounts = (): { status: number; gets: number } => ({ status: (tes.counts.ListTasks ?? 0) + (tes.counts.GetTask ?? 0), gets: tes.counts.GetTask ?? 0 });

  it('through network.submit: at most ceil(1000 / page_size) + 1 status requests per cycle, no GetTask', async () => {
    const site = new TesSite({ id: 'tes', client: { baseUrl: tes.url }, pageSize: PAGE });
    const network = await networkOf(site);
    const cycles = countCycles(site, serverCounts);
    try {
      const jobs = Array.from({ length: JOBS }, (_, i) => network.submit({ ...HELD, name: `n${i}` }));
      await until(() => jobs.every((job) => job.remoteId !== undefined), 'every task created');
      expect(network.engine.poller(site).size).toBe(JOBS);
      const steady = await threeCyclesSince(cycles, Date.now());
      expect(steady.map((c) => c.jobs)).toEqual([JOBS, JOBS, JOBS]);
      for (const cycle of steady) {
        expect(cycle.status).toBeLessThanOrEqual(Math.ceil(JOBS / PAGE) + 1);
        expect(cycle.gets).toBe(0);
      }
      expect(new Set(jobs.map((job) => job.state))).toEqual(new Set(['queued']));
      await cancelAll(jobs);
    } finally {
      await network.close();
    }
  });

  it('through the TES gateway (1,000 tasks posted by a client): the same bound', async () => {
    const site = new TesSite({ id: 'tes', client: { baseUrl: tes.url }, pageSize: PAGE });
    const network = await networkOf(site);
    // one client sending all 1,000: its fair-use limits are raised to fit
    const token = 'scale-client-token-0123456789';
    const gateway = createTesGateway(network, { store: new MemoryTaskStore(), clients: { scale: token }, limits: { maxInFlight: JOBS, submitsPerMinute: JOBS } });
    const auth = { authorization: `Bearer ${token}` };
    const cycles = countCycles(site, serverCounts);
    try {
      const { url } = await gateway.listen();
      const ids: string[] = [];
      // a client posting 50 at a time
      for (let i = 0; i < JOBS; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, JOBS - i) }, async (_, k) => {
            const res = await fetch(`${url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ ...HELD, name: `g${i + k}` }) });
            expect(res.status).toBe(200);
            return ((await res.json()) as { id: string }).id;
          }),
        );
        ids.push(...batch);
      }
      await until(() => network.engine.poller(site).size === JOBS, 'every task created');
      for (const cycle of await threeCyclesSince(cycles, Date.now())) {
        expect(cycle.jobs).toBe(JOBS);
        expect(cycle.status).toBeLessThanOrEqual(Math.ceil(JOBS / PAGE) + 1);
        expect(cycle.gets).toBe(0);
      }
      await Promise.all(ids.map((id) => fetch(`${url}/tasks/${id}:cancel`, { method: 'POST', headers: auth })));
      await gateway.idle();
      expect(gateway.task(ids[0] as string)?.state).toBe('CANCELED');
    } finally {
      await gateway.close();
      await network.close();
    }
  });
});

describe('Pulsar REST: 200 jobs on one real site', () => {
  let pulsar: PulsarServer;
  let proxy: ChaosProxy;
  let status = 0;
  beforeAll(async () => {
    // one slot: one job runs, the others wait queued in Pulsar
    pulsar = await startPulsar({ manager: { concurrentJobs: 1 } });
    proxy = await startChaosProxy({
      target: pulsar.url,
      seed: 1,
      rate: 0,
      eligible: ({ method, path }) => {
        if (method === 'GET' && /\/jobs\/[^/]+\/status$/.test(path.split('?')[0] ?? '')) status++;
        return false;
      },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await pulsar?.stop();
  });

  it('at most 200 status requests per cycle, counted at the server', async () => {
    const site = new PulsarRestSite({ id: 'pulsar', client: { url: proxy.url, token: pulsar.token ?? undefined }, files: nodeLocalFiles(), allowNoContainer: true });
    const network = await networkOf(site);
    const cycles = countCycles(site, () => ({ status, gets: 0 }));
    try {
      const jobs = Array.from({ length: 200 }, (_, i) => network.submit({ name: `p${i}`, executors: [{ image: 'a', command: ['sleep', '60'] }] }));
      await until(() => jobs.every((job) => job.remoteId !== undefined), 'every job submitted', 170_000);
      for (const cycle of await threeCyclesSince(cycles, Date.now())) {
        expect(cycle.jobs).toBe(200);
        expect(cycle.status).toBeGreaterThan(0);
        expect(cycle.status).toBeLessThanOrEqual(200);
      }
      await cancelAll(jobs);
    } finally {
      await network.close();
    }
  }, 300_000);
});

async function cancelAll(jobs: Job[]): Promise<void> {
  await Promise.all(jobs.map((job) => job.cancel()));
  const results = await Promise.all(jobs.map((job) => job.wait()));
  expect(new Set(results.map((r) => r.state))).toEqual(new Set(['canceled']));
}
