import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, defaultEngine, JobEngine, submitJob, type JobEvent, type JobOutcome, type Site, type SiteCallOptions } from '../../src/internal.js';
import { FakeSite, SPEC } from './jobs-fake-site.js';

const POLL = { minIntervalMs: 100, maxIntervalMs: 100, jitter: 0 };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets the job's microtasks and the site's promises run. */
async function settle(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('JobEngine', () => {
  it('follows every job of a site with one poller: one poll per cycle for all of them, and no poller once they end', async () => {
    const site = new FakeSite();
    const engine = new JobEngine({ poll: POLL });
    const jobs = ['a', 'b', 'c'].map(() => engine.submit(site, SPEC));
    await settle();
    expect(engine.liveJobs).toBe(3);
    expect(engine.poller(site).size).toBe(3);
    await settle(300);
    expect(site.polled).toEqual([['r1', 'r2', 'r3'], ['r1', 'r2', 'r3'], ['r1', 'r2', 'r3']]);
    for (const job of jobs) site.set(job.remoteId as string, 'complete');
    await settle(100);
    expect((await Promise.all(jobs.map((job) => job.wait()))).map((r) => r.state)).toEqual(['complete', 'complete', 'complete']);
    expect(engine.liveJobs).toBe(0);
    const polls = site.calls.poll;
    await settle(1000);
    expect(site.calls.poll).toBe(polls);
  });

  it('submitJob and Job.attach use one shared default engine unless given one', async () => {
    const site = new FakeSite();
    submitJob(site, SPEC);
    submitJob(site, SPEC);
    await settle();
    expect(defaultEngine()).toBe(defaultEngine());
    expect(defaultEngine().poller(site).size).toBe(2);
    const own = new JobEngine();
    submitJob(site, SPEC, { engine: own });
    await settle();
    expect(own.poller(site).size).toBe(1);
    expect(defaultEngine().poller(site).size).toBe(2);
    own.close();
    defaultEngine().poller(site).close();
  });

  it('announces a job its site stops reporting with a `silent` site event, then ends it lost without collecting', async () => {
    const site = new FakeSite();
    const engine = new JobEngine({ poll: POLL, silentAfterMs: 200, lostAfterMs: 500 });
    const job = engine.submit(site, SPEC);
    const sites: JobEvent[] = [];
    job.on('site', (e) => sites.push(e));
    await settle(100);
    site.jobs.clear();
    await settle(700);
    const result = await job.wait();
    expect(result.state).toBe('lost');
    expect(result.logs.system[0]).toMatch(/^not reported for \d+ ms: the site does not report the job$/);
    expect(sites.map((e) => (e.type === 'site' ? e.action : ''))).toEqual(['trying', 'submitted', 'silent']);
    expect(sites.at(-1)).toMatchObject({ siteId: 'fake', remoteId: 'r1', reason: expect.stringMatching(/^not reported for \d+ ms: the site does not report the job$/) });
    expect(site.calls.collect).toBe(0);
    expect(engine.liveJobs).toBe(0);
  });

  it('takes live logs per job: liveLogs false reads none', async () => {
    const site = new FakeSite();
    const reads: string[] = [];
    Object.assign(site, { readLogs: async (id: string) => (reads.push(id), { chunks: [], cursor: '' }) });
    const engine = new JobEngine({ poll: POLL });
    const quiet = engine.submit(site, SPEC, { liveLogs: false });
    const chatty = engine.submit(site, SPEC);
    quiet.on('log', () => undefined);
    chatty.on('log', () => undefined);
    await settle();
    site.set('r1', 'running');
    site.set('r2', 'running');
    await settle(200);
    expect(new Set(reads)).toEqual(new Set(['r2']));
    engine.close();
  });
});

describe('cancel means stop', () => {
  it('aborts staging: the site sees the abort, the job ends canceled, and the job a submit may have made is canceled by its key', async () => {
    const site = new FakeSite();
    let signal: AbortSignal | undefined;
    const made: string[] = [];
    (site as Site).submit = async (_spec, options) => {
      signal = options.signal;
      made.push(options.idempotencyKey);
      await new Promise((_, reject) => options.signal?.addEventListener('abort', () => reject(new AbortError('staging', { cause: options.signal?.reason }))));
      return { remoteId: 'never' };
    };
    Object.assign(site, { lookup: async (key: string) => (made.includes(key) ? 'r-made' : undefined) });
    const cancels: string[] = [];
    site.cancel = async (id) => void cancels.push(id);
    const job = submitJob(site, SPEC, { engine: new JobEngine({ poll: POLL }) });
    await settle();
    await job.cancel();
    const result = await job.wait();
    expect(signal?.aborted).toBe(true);
    expect(result.state).toBe('canceled');
    expect(result.error).toBeInstanceOf(AbortError);
    await settle();
    expect(cancels).toEqual(['r-made']);
  });

  it('aborts collecting: nothing is delivered and the job ends canceled', async () => {
    const site = new FakeSite();
    let collecting: SiteCallOptions | undefined;
    site.collect = (_id: string, _spec?: unknown, options: SiteCallOptions = {}): Promise<JobOutcome> => {
      collecting = options;
      return new Promise((_, reject) => options.signal?.addEventListener('abort', () => reject(new AbortError('downloading'))));
    };
    const job = submitJob(site, SPEC, { engine: new JobEngine({ poll: POLL }) });
    await settle();
    site.set('r1', 'complete');
    await settle(100);
    expect(collecting?.signal?.aborted).toBe(false);
    await job.cancel();
    const result = await job.wait();
    expect(collecting?.signal?.aborted).toBe(true);
    expect(result).toMatchObject({ state: 'canceled', outputs: [], logs: { system: ['canceled while collecting the outputs: the downloads were stopped'] } });
  });

  it('a job the site reports complete after the cancel was asked is not collected: it ends canceled', async () => {
    const site = new FakeSite();
    site.cancel = async () => undefined; // the site takes the cancel, but the job ends complete first
    const job = submitJob(site, SPEC, { engine: new JobEngine({ poll: POLL }) });
    await settle();
    site.set('r1', 'running');
    await settle(100);
    await job.cancel();
    site.set('r1', 'complete');
    await settle(100);
    const result = await job.wait();
    expect(result.state).toBe('canceled');
    expect(result.logs.system[0]).toMatch(/before the cancel reached it; nothing was collected/);
    expect(site.calls.collect).toBe(0);
  });
});
