/**
 * Issue 7, acceptance 2: a network of two real Pulsar servers (pulsar-app,
 * test/peers/pulsar.ts) built by `nodeSiteRegistry()` from a configuration
 * whose tokens are environment-variable references. Twenty jobs are spread
 * over both by round-robin; one server is stopped (its process and its jobs
 * are gone) while its jobs run. Every job must end `complete` with its output
 * delivered, no job may have run twice, and the decision records must show
 * the failovers away from the stopped server with their causes. A second
 * case brings a downed server back with its persisted jobs: the network's
 * pending cancels must reach it, so it does not run the jobs moved away.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Network, nodeSiteRegistry, pinned, PulsarClient, roundRobin, type Job, type JobResult, type JobSpec } from '../../src/node.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';

const JOBS = 20;
/** Jobs each Pulsar runs at once: the stopped one has some running and some queued. */
const SLOTS = 3;
const TOKEN_ENV = { a: 'PN_FAILOVER_TEST_TOKEN_A', b: 'PN_FAILOVER_TEST_TOKEN_B' } as const;

let a: PulsarServer;
let b: PulsarServer;
let dir: string;

beforeAll(async () => {
  [a, b] = await Promise.all([startPulsar({ manager: { concurrentJobs: SLOTS } }), startPulsar({ manager: { concurrentJobs: SLOTS } })]);
  process.env[TOKEN_ENV.a] = a.token ?? '';
  process.env[TOKEN_ENV.b] = b.token ?? '';
  dir = await mkdtemp(join(tmpdir(), 'network-failover-pulsar-'));
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  delete process.env[TOKEN_ENV.a];
  delete process.env[TOKEN_ENV.b];
  await rm(dir, { recursive: true, force: true });
});

/**
 * The job spec, and what "ran" means. A job's visible effect outside Pulsar is one line in a
 * shared append-only ledger on this host, written as the job's LAST action,
 * after its work (a sleep) and its output: the append is the run's commit.
 * A run killed before it (its server stopped under it) did not run in this
 * sense; it leaves only its `start` line in a second file, which tells what
 * the stopped server had begun. So "no job ran twice" is: exactly one ledger
 * line per job, written in the working directory of the attempt the network
 * reports as the job's final one.
 *
 * The server is stopped while all its slots are busy with jobs that started
 * under a second before and sleep for several, so none of its runs could have
 * committed unseen. A run that commits on a server in the instant before that
 * server vanishes, unseen by any client, can only be re-run (its outputs died
 * with the server): no client can tell it from a killed run, so that narrow
 * window is at-least-once by nature and is not what this test measures.
 *
 * "Stopped" is the server and its jobs gone at once (a host going down, or a
 * service manager killing the server's control group): Pulsar gives each job
 * a process group of its own, so a Pulsar process that dies alone leaves its
 * jobs running, and a job the network moved on from would then finish there
 * too. No client can stop a job on a server it cannot reach; what the network
 * does is cancel it the moment that server answers again (the second test).
 */
function spec(id: string, where = dir): JobSpec {
  const line = `${id} $(pwd)`;
  return {
    name: id,
    outputs: [{ path: '/out/result.txt', url: join(where, `${id}.out`) }],
    executors: [
      {
        image: 'none',
        command: ['sh', '-c', `echo "${line}" >> '${join(where, 'starts.txt')}'; sleep 3; echo "done ${id}" > /out/result.txt; echo "${line}" >> '${join(where, 'ledger.txt')}'`],
      },
    ],
  };
}

const lines = async (name: string, where = dir): Promise<string[][]> =>
  (await readFile(join(where, name), 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' '));

describe('a network of two real Pulsar servers', () => {
  it('moves the jobs of a stopped server to the other: every job completes once, and the records show the failovers', async () => {
    const network = await Network.create(
      {
        seed: 'failover-test',
        failover: { maxAttempts: 3, lostAfterMs: 1500, pollIntervalMs: 250, backoff: { minDelay: 100, maxDelay: 500 }, waitForSiteMs: 10_000 },
        health: { breaker: { failureThreshold: 2, window: 10, minimumCalls: 4, openMs: 60_000, maxOpenMs: 60_000 } },
        sites: (['a', 'b'] as const).map((id) => ({
          id,
          kind: 'pulsar-rest' as const,
          url: (id === 'a' ? a : b).url,
          auth: { type: 'query' as const, name: 'private_token', valueEnv: TOKEN_ENV[id] },
          maxInFlight: 8,
          options: { allowNoContainer: true },
        })),
      },
      { registry: nodeSiteRegistry(), strategy: roundRobin() },
    );
    const startedAt = Date.now();
    const timeline: string[] = [];
    const mark = (what: string): void => void timeline.push(`${((Date.now() - startedAt) / 1000).toFixed(1)}s ${what}`);
    // where each job runs now: the site of its last accepted attempt
    const siteOf = new Map<string, string>();
    network.on('site', ({ jobId, action, siteId, reason }) => {
      if (action === 'submitted') siteOf.set(jobId, siteId);
      if (action === 'failover') mark(`${jobId} left ${siteId}: ${reason}`);
    });
    network.on('breaker', ({ site, from, to, reason }) => mark(`breaker ${site} ${from} → ${to} (${reason})`));

    // Stop server a once every one of its slots runs a job and a job's command has begun there
    // (Pulsar says `running` from its own set-up on; the `start` line says the command began).
    const runningOnA = new Set<string>();
    let stopping: Promise<void> | undefined;
    let stoppedAt = 0;
    const stopWhenBegun = async (): Promise<void> => {
      for (let i = 0; i < 100 && !(await lines('starts.txt')).some(([, pwd]) => pwd?.startsWith(a.stagingDir)); i++) await new Promise((r) => setTimeout(r, 20));
      mark(`stopping a (running there: ${[...runningOnA].join(', ')})`);
      await a.stop();
      stoppedAt = Date.now();
      mark('a stopped');
    };
    network.on('state', ({ jobId, state }) => {
      if (siteOf.get(jobId) !== 'a' || state !== 'running') return;
      runningOnA.add(jobId);
      if (runningOnA.size >= SLOTS) stopping ??= stopWhenBegun();
    });

    try {
      const ids = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(2, '0')}`);
      const jobs: Job[] = ids.map((id) => network.submit(spec(id), { id }));
      const results: JobResult[] = await Promise.all(jobs.map((job) => job.wait()));
      mark('all jobs ended');
      await stopping;
      expect(stoppedAt).toBeGreaterThan(0);

      // every job complete, its output delivered
      expect(results.map((r) => [r.jobId, r.state])).toEqual(ids.map((id) => [id, 'complete']));
      for (const id of ids) expect(await readFile(join(dir, `${id}.out`), 'utf8')).toBe(`done ${id}\n`);

      // no job ran twice: one ledger line each, from the final attempt's working directory
      const ledger = await lines('ledger.txt');
      expect(ledger.map(([id]) => id).sort()).toEqual(ids);
      const finalDir = new Map(results.map((r) => [r.jobId, `${(r.siteId === 'a' ? a : b).stagingDir}/${r.remoteId}/`]));
      for (const [id, pwd] of ledger) expect(pwd?.startsWith(finalDir.get(id as string) as string), `${id} committed in ${pwd}`).toBe(true);

      // the decision records: each job that a held when it stopped failed over to b, with its cause
      const records = jobs.map((job) => network.decision(job)!);
      const movedFromA = records.filter((r) => r.attempts.some((t) => t.site === 'a' && t.ending !== 'complete'));
      const startedOnA = (await lines('starts.txt')).filter(([, pwd]) => pwd?.startsWith(a.stagingDir)).map(([id]) => id);
      expect(movedFromA.length).toBeGreaterThan(0);
      // some jobs had begun their command on a when it was killed: they ran to completion once, on b
      expect(startedOnA.length).toBeGreaterThan(0);
      for (const id of startedOnA) expect(results.find((r) => r.jobId === id)?.siteId).toBe('b');
      for (const id of runningOnA) expect(movedFromA.map((r) => r.job.id)).toContain(id);
      for (const record of movedFromA) {
        const fromA = record.failovers.filter((f) => f.from === 'a');
        expect(fromA, record.job.id).toHaveLength(1);
        expect(fromA[0]).toMatchObject({ to: 'b', cause: expect.stringMatching(/^(lost|failed: |circuit breaker open)/) });
        const onA = record.attempts.find((t) => t.site === 'a');
        expect(onA).toMatchObject({ ending: expect.stringMatching(/^(lost|failed)$/), endedAt: expect.any(String) });
        expect(onA?.cause ?? onA?.ending).toBe(fromA[0]?.cause);
        expect(record.attempts.at(-1)).toMatchObject({ site: 'b', ending: 'complete' });
        expect(record.outcome).toMatchObject({ state: 'complete', site: 'b' });
      }
      // jobs a finished before it stopped were not moved
      for (const job of jobs.filter((j) => j.siteId === 'a')) expect(network.decision(job)?.failovers).toEqual([]);

      // what happened, for the reader of the test log (figures are not asserted)
      const seconds = (iso: string | undefined): string => ((Date.parse(iso ?? '') - stoppedAt) / 1000).toFixed(1);
      const killed = startedOnA.filter((id) => results.find((r) => r.jobId === id)?.siteId !== 'a');
      console.log(
        [
          ...timeline,
          `a stopped at ${((stoppedAt - startedAt) / 1000).toFixed(1)}s; ${results.filter((r) => r.siteId === 'a').length} jobs completed on a before; ${killed.length} killed mid-run there (${killed.join(', ')})`,
          ...movedFromA.map((r) => {
            const onA = r.attempts.find((t) => t.site === 'a');
            return `${r.job.id}: ${onA?.ending} on a at +${seconds(onA?.endedAt)}s after the stop, failed over at +${seconds(r.failovers[0]?.at)}s (${r.failovers[0]?.cause}), complete on b at +${seconds(r.timestamps.finishedAt)}s`;
          }),
        ].join('\n'),
      );
    } finally {
      await network.close();
    }
  }, 90_000);

  it('cancels the jobs it moved away from a server that went down as soon as it answers again, so a restarted Pulsar does not run them', async () => {
    // c goes down as a host does (server and jobs killed), the network moves c's jobs to b, then c comes back
    // with its persisted jobs, which Pulsar recovers on start-up. The network's pending cancels reach it at its first good probe.
    const c = await startPulsar({ manager: { concurrentJobs: 2 } });
    const where = await mkdtemp(join(dir, 'restart-'));
    process.env.PN_FAILOVER_TEST_TOKEN_C = c.token ?? '';
    const network = await Network.create(
      {
        seed: 'restart-test',
        failover: { maxAttempts: 3, lostAfterMs: 1500, pollIntervalMs: 250, backoff: { minDelay: 100, maxDelay: 500 }, waitForSiteMs: 10_000 },
        health: { probeIntervalMs: 300, probeJitter: 0.2, probeTimeoutMs: 2000, breaker: { failureThreshold: 2, window: 10, minimumCalls: 4, openMs: 60_000, maxOpenMs: 60_000 } },
        sites: [
          { id: 'c', kind: 'pulsar-rest', url: c.url, auth: { type: 'query', name: 'private_token', valueEnv: 'PN_FAILOVER_TEST_TOKEN_C' }, options: { allowNoContainer: true } },
          { id: 'b', kind: 'pulsar-rest', url: b.url, auth: { type: 'query', name: 'private_token', valueEnv: TOKEN_ENV.b }, options: { allowNoContainer: true } },
        ],
      },
      { registry: nodeSiteRegistry(), strategy: pinned('c', 'b') },
    );
    // no startProbes(): the network probes c by itself while c holds cancels it could not send
    try {
      const running = new Set<string>();
      const siteOf = new Map<string, string>();
      let halting: Promise<void> | undefined;
      network.on('site', ({ jobId, action, siteId }) => action === 'submitted' && siteOf.set(jobId, siteId));
      network.on('state', ({ jobId, state }) => {
        if (siteOf.get(jobId) === 'c' && state === 'running') running.add(jobId);
        if (running.size >= 2) halting ??= c.halt({ signal: 'SIGKILL', killJobs: true });
      });
      const ids = Array.from({ length: 6 }, (_, i) => `restart-${i}`);
      const jobs = ids.map((id) => network.submit(spec(id, where), { id }));
      const results = await Promise.all(jobs.map((job) => job.wait()));
      await halting;
      expect(results.map((r) => [r.jobId, r.state, r.siteId])).toEqual(ids.map((id) => [id, 'complete', 'b']));
      // c had accepted the jobs it was running or queueing; a submit still under way when c went down failed instead
      const attemptsOnC = jobs.map((job) => network.decision(job)!.attempts.find((t) => t.site === 'c')!);
      const onC = attemptsOnC.filter((t) => t.remoteId !== undefined);
      expect(onC.length).toBeGreaterThanOrEqual(2);
      expect(onC.map((t) => [t.ending, t.cancel])).toEqual(onC.map(() => ['lost', 'pending']));
      for (const t of attemptsOnC.filter((x) => x.remoteId === undefined)) expect(t, JSON.stringify(t)).toMatchObject({ ending: 'failed', cause: expect.stringMatching(/^failed: /) });
      console.log(`attempts on c: ${JSON.stringify(attemptsOnC.map((t) => [t.idempotencyKey, t.ending, t.cause, t.ambiguous, t.cancel]))}`);

      await c.resume();
      const client = new PulsarClient({ url: c.url, token: c.token ?? undefined });
      // every job c recovered ends (canceled) once the network reaches c again
      await vi.waitFor(() => expect(onC.map((t) => t.cancel)).toEqual(onC.map(() => 'requested')), { timeout: 20_000, interval: 200 });
      await vi.waitFor(
        async () => {
          const statuses = await Promise.all(onC.map((t) => client.status(t.remoteId!)));
          expect(statuses.filter((x) => x.status === 'queued' || x.status === 'running')).toEqual([]);
        },
        { timeout: 20_000, interval: 300 },
      );
      const ledger = await lines('ledger.txt', where);
      expect(ledger.map(([id]) => id).sort()).toEqual(ids);
      for (const [id, pwd] of ledger) expect(pwd?.startsWith(b.stagingDir), `${id} committed in ${pwd}`).toBe(true);
      console.log(`c's jobs after its restart: ${JSON.stringify((await Promise.all(onC.map((t) => client.status(t.remoteId!)))).map((s) => s.status))}`);
    } finally {
      await network.close();
      await c.stop();
      delete process.env.PN_FAILOVER_TEST_TOKEN_C;
    }
  }, 90_000);
});
