/**
 * Issue 15, acceptance 1: a real Pulsar behind the fault-injecting proxy
 * (test/support/chaos-proxy.ts). A submit whose answer is lost after Pulsar
 * acted on it (or that never reached Pulsar) ends in a job that ran exactly
 * once; and 30 network jobs with 35 % of all their requests faulted (resets,
 * stalls, 502/503 answers, bodies cut short) all complete once, with their
 * outputs byte-identical. "Ran once" is counted by a side effect outside
 * Pulsar: each run appends one line to a ledger on this host.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JobEngine,
  Network,
  nodeHttpFetch,
  nodeLocalFiles,
  PulsarClient,
  PulsarRestSite,
  runStagedJob,
  SiteRegistry,
  submitJob,
  type Job,
  type JobSpec,
  type PulsarClientOptions,
} from '../../src/node.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { startChaosProxy, type ChaosProxy, type FaultKind } from '../support/chaos-proxy.js';

const engine = new JobEngine({ poll: { minIntervalMs: 150, maxIntervalMs: 400 } });
let pulsar: PulsarServer;
let dir: string;

beforeAll(async () => {
  pulsar = await startPulsar({ manager: { concurrentJobs: 4 } });
  dir = await mkdtemp(join(tmpdir(), 'pulsar-faults-'));
});
afterAll(async () => {
  await pulsar?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A client of the server behind `proxy`, retrying quickly. */
const clientOptions = (proxy: ChaosProxy, extra: Partial<PulsarClientOptions> = {}): PulsarClientOptions => ({
  url: proxy.url,
  token: pulsar.token ?? undefined,
  fetch: nodeHttpFetch,
  retry: { retries: 6, minDelay: 20, maxDelay: 500 },
  idleTimeout: 2500,
  ...extra,
});

/** The first request that `matches` gets `kind`; later ones pass. */
function once(kind: FaultKind, matches: (request: { method: string; path: string }) => boolean): (request: { method: string; path: string }) => FaultKind | undefined {
  let done = false;
  return (request) => {
    if (done || !matches(request)) return undefined;
    done = true;
    return kind;
  };
}
const isSubmit = ({ method, path }: { method: string; path: string }): boolean => method === 'POST' && /\/submit\?/.test(path);

/** One input copied to one output; each run appends `<id>` to the ledger once it has written its output. */
function copyJob(id: string, input: string, where: string): JobSpec {
  return {
    name: id,
    inputs: [{ path: '/in/data.bin', url: input }],
    outputs: [{ path: '/out/data.bin', url: join(where, `${id}.out`) }],
    executors: [{ image: 'none', command: ['sh', '-c', `cp /in/data.bin /out/data.bin && echo ${id} >> '${join(where, 'ledger.txt')}'`] }],
  };
}

const ledger = async (where: string): Promise<string[]> => (await readFile(join(where, 'ledger.txt'), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('a submit whose answer is lost (real Pulsar, fault-injecting proxy)', () => {
  for (const [kind, what] of [
    ['reset', 'after Pulsar launched the job'],
    ['status', 'before it reached Pulsar (a 502 from the proxy)'],
  ] as const) {
    it(`PulsarRestSite: the job completes, having run exactly once, when the answer is lost ${what}`, async () => {
      const where = await mkdtemp(join(dir, `site-${kind}-`));
      await writeFile(join(where, 'in.bin'), 'one input\n');
      const proxy = await startChaosProxy({ target: pulsar.url, seed: 1, rate: 0, plan: once(kind, isSubmit) });
      try {
        const site = new PulsarRestSite({ id: 'via-proxy', client: clientOptions(proxy), files: nodeLocalFiles(), allowNoContainer: true });
        const result = await submitJob(site, copyJob(`lost-${kind}`, join(where, 'in.bin'), where), { engine }).wait();
        expect(result.state).toBe('complete');
        expect(proxy.injected).toEqual([expect.objectContaining({ kind, method: 'POST', path: expect.stringContaining('/submit?') })]);
        expect(await ledger(where)).toEqual([`lost-${kind}`]);
        expect(await readFile(join(where, `lost-${kind}.out`), 'utf8')).toBe('one input\n');
      } finally {
        await proxy.close();
      }
    });
  }

  it('runStagedJob: the job completes once and is collected when the submit answer is lost after the launch', async () => {
    const where = await mkdtemp(join(dir, 'staged-'));
    await writeFile(join(where, 'in.txt'), 'staged input\n');
    const proxy = await startChaosProxy({ target: pulsar.url, seed: 2, rate: 0, plan: once('reset', isSubmit) });
    try {
      const result = await runStagedJob(
        new PulsarClient(clientOptions(proxy)),
        {
          jobId: 'lost-submit-staged',
          commandLine: `cp ${join(where, 'in.txt')} ${join(where, 'out.txt')} && echo ran >> ${join(where, 'ledger.txt')}`,
          inputs: [{ path: join(where, 'in.txt') }],
          outputs: [join(where, 'out.txt')],
          cleanup: 'always',
        },
        { interval: 150, timeout: 60_000 },
      );
      expect(result).toMatchObject({ ok: true, cleaned: true, status: { status: 'complete' } });
      expect(proxy.total).toBe(1);
      expect(await ledger(where)).toEqual(['ran']);
      expect(await readFile(join(where, 'out.txt'), 'utf8')).toBe('staged input\n');
    } finally {
      await proxy.close();
    }
  });
});

describe('30 network jobs with 35 % of their requests faulted (real Pulsar, fault-injecting proxy)', () => {
  it('all complete, each ran once, every output byte-identical', { timeout: 600_000 }, async () => {
    const where = await mkdtemp(join(dir, 'thirty-'));
    await mkdir(join(where, 'in'));
    const ids = Array.from({ length: 30 }, (_, i) => `chaos-${String(i).padStart(2, '0')}`);
    const digests = new Map<string, string>();
    for (const [i, id] of ids.entries()) {
      // 0 B to about 400 KiB: empty files, bodies shorter and longer than where the proxy strikes.
      const bytes = randomBytes(i === 0 ? 0 : (i * 13_729) % 400_000);
      await writeFile(join(where, 'in', id), bytes);
      digests.set(id, sha(bytes));
    }
    const proxy = await startChaosProxy({ target: pulsar.url, seed: Number(process.env.CHAOS_SEED ?? 20261206), rate: 0.35, stallMs: 1500, maxOffset: 128 * 1024 });
    const registry = new SiteRegistry().register(
      'pulsar-rest',
      ({ description }, { onHttpEvent }) =>
        new PulsarRestSite({ id: description.id, client: clientOptions(proxy, { onEvent: onHttpEvent }), files: nodeLocalFiles(), allowNoContainer: true }),
    );
    const network = await Network.create({ seed: 'chaos-35', failover: { pollIntervalMs: 300 }, sites: [{ id: 'pulsar', kind: 'pulsar-rest', url: proxy.url }] }, { registry });
    const started = Date.now();
    try {
      const jobs: Job[] = ids.map((id) => network.submit(copyJob(id, join(where, 'in', id), where), { id }));
      const results = await Promise.all(jobs.map((job) => job.wait()));
      const seconds = (Date.now() - started) / 1000;
      console.log(`30 jobs, 35 % faulted: ${seconds.toFixed(1)} s, ${proxy.requests} requests, ${proxy.total} faults ${JSON.stringify(proxy.counts)}`);
      // Diagnostics: a job that did not complete, or needed more than one attempt.
      for (const r of results.filter((r) => r.state !== 'complete' || (network.decision(r.jobId)?.attempts.length ?? 0) > 1)) {
        console.log(r.jobId, r.state, r.error?.message, r.logs.system, JSON.stringify(network.decision(r.jobId)?.attempts));
      }
      expect(results.map((r) => [r.jobId, r.state])).toEqual(ids.map((id) => [id, 'complete']));
      expect((await ledger(where)).sort()).toEqual(ids);
      for (const id of ids) expect(sha(await readFile(join(where, `${id}.out`)))).toBe(digests.get(id));
      expect(proxy.total).toBeGreaterThan(100);
    } finally {
      await network.close();
      await proxy.close();
    }
  });
});
