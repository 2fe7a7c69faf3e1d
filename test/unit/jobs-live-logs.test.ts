import { describe, expect, it } from 'vitest';
import {
  attachJob,
  createJob,
  JobEngine,
  readLogStreams,
  submitJob,
  type Job,
  type JobLogEvent,
  type JobState,
  type LogRead,
  type LogStream,
  type ReadLogsOptions,
} from '../../src/internal.js';
import { FakeSite, SPEC, until } from './jobs-fake-site.js';

const FAST = { engine: new JobEngine({ poll: { minIntervalMs: 1, maxIntervalMs: 4, jitter: 0 } }) };

/** A fake site whose jobs' stdout and stderr the test writes, read back with the shared log reader. */
class LoggingSite extends FakeSite {
  readonly output = new Map<string, string>();
  readLogsCalls = 0;
  readLogsError: Error | undefined;
  /** How many bytes of each stream the final outcome carries (a tail), or all. */
  tailBytes = Number.POSITIVE_INFINITY;

  constructor() {
    super('logging');
    this.outcome = (id, status) => ({
      state: status.state,
      executors: [{ exitCode: 0, stdout: this.#tail(id, 'stdout'), stderr: this.#tail(id, 'stderr') }],
      outputs: [],
      systemLogs: [],
    });
  }

  write(id: string, stream: 'stdout' | 'stderr', text: string): void {
    this.output.set(`${id}.${stream}`, (this.output.get(`${id}.${stream}`) ?? '') + text);
  }

  async readLogs(id: string, cursor: string | undefined, options?: ReadLogsOptions): Promise<LogRead> {
    this.readLogsCalls++;
    if (this.readLogsError) throw this.readLogsError;
    const bytes = (s: LogStream): Uint8Array => new TextEncoder().encode(this.output.get(`${id}.${s.stream}`) ?? '');
    const streams: LogStream[] = [
      { executor: 0, stream: 'stdout' },
      { executor: 0, stream: 'stderr' },
    ];
    return readLogStreams({ streams, size: async (s) => bytes(s).length, read: async (s, at, n) => bytes(s).slice(at, at + n) }, cursor, options);
  }

  #tail(id: string, stream: 'stdout' | 'stderr'): string {
    const all = new TextEncoder().encode(this.output.get(`${id}.${stream}`) ?? '');
    return new TextDecoder().decode(all.subarray(Math.max(0, all.length - this.tailBytes)));
  }
}

/**
 * Log events, each with the job's state when it came and whether the site
 * still ran the job then (the final log events also come while the job's
 * state is `running`: they precede the terminal state).
 */
function recordLogs(job: Job, site?: FakeSite): Array<JobLogEvent & { during: JobState; live: boolean }> {
  const seen: Array<JobLogEvent & { during: JobState; live: boolean }> = [];
  job.on('log', (e) => seen.push({ ...e, during: job.state, live: job.state === 'running' && site?.jobs.get(job.remoteId as string)?.state === 'running' }));
  return seen;
}

const textOf = (logs: JobLogEvent[], stream: string): string =>
  logs
    .filter((l) => l.stream === stream)
    .map((l) => l.text)
    .join('');

/** Submits a job to `site`, hears its logs, and moves it to `running`. */
async function runningJob(site: LoggingSite): Promise<{ job: Job; logs: ReturnType<typeof recordLogs>; id: string }> {
  const job = submitJob(site, SPEC, FAST);
  const logs = recordLogs(job, site);
  await until(() => job.remoteId !== undefined, 'submitted');
  const id = job.remoteId as string;
  site.set(id, 'running');
  return { job, logs, id };
}

describe('live logs of a Job', () => {
  it('streams output while running; the end adds only what was not streamed; wait() keeps the whole logs', async () => {
    const site = new LoggingSite();
    const { job, logs, id } = await runningJob(site);
    site.write(id, 'stdout', 'line 1\n');
    site.write(id, 'stderr', 'warn 1\n');
    await until(() => logs.some((l) => l.stream === 'stderr'), 'a streamed stderr line');
    site.write(id, 'stdout', 'line 2\n');
    await until(() => textOf(logs, 'stdout') === 'line 1\nline 2\n', 'the second line');
    // written just before the end: the last read after the end brings it
    site.write(id, 'stdout', 'line 3\n');
    site.set(id, 'complete');
    const result = await job.wait();
    expect(logs.filter((l) => l.stream === 'stdout' && l.live).length).toBeGreaterThan(0);
    expect(textOf(logs, 'stdout')).toBe('line 1\nline 2\nline 3\n');
    expect(textOf(logs, 'stderr')).toBe('warn 1\n');
    expect(logs.every((l) => l.stream === 'system' || l.executor === 0)).toBe(true);
    expect(result.logs.executors).toEqual([{ exitCode: 0, stdout: 'line 1\nline 2\nline 3\n', stderr: 'warn 1\n' }]);
  });

  it('adds nothing at the end when the site collects only a tail of what was streamed', async () => {
    const site = new LoggingSite();
    site.tailBytes = 4;
    const { job, logs, id } = await runningJob(site);
    site.write(id, 'stdout', 'a long first line\n');
    await until(() => logs.length > 0, 'a streamed line');
    site.write(id, 'stdout', 'last\n');
    site.set(id, 'complete');
    const result = await job.wait();
    expect(textOf(logs, 'stdout')).toBe('a long first line\nlast\n');
    expect(result.logs.executors[0]?.stdout).toBe('ast\n');
  });

  it('streams the logs of a job found again with attachJob', async () => {
    const site = new LoggingSite();
    const { remoteId } = await site.submit(SPEC);
    site.set(remoteId, 'running');
    site.write(remoteId, 'stdout', 'before attach\n');
    const job = await attachJob(site, remoteId, FAST);
    const logs = recordLogs(job, site);
    await until(() => logs.length > 0, 'a streamed line');
    site.write(remoteId, 'stdout', 'after\n');
    site.set(remoteId, 'complete');
    await job.wait();
    expect(logs.filter((l) => l.live).map((l) => l.text)[0]).toBe('before attach\n');
    expect(textOf(logs, 'stdout')).toBe('before attach\nafter\n');
  });

  it('reads no logs while nobody hears log events (a wait() alone does not)', async () => {
    const site = new LoggingSite();
    const job = submitJob(site, SPEC, FAST);
    const waiting = job.wait();
    await until(() => job.remoteId !== undefined, 'submitted');
    const id = job.remoteId as string;
    site.set(id, 'running');
    site.write(id, 'stdout', 'quiet\n');
    await until(() => site.calls.poll > 3, 'a few polls');
    site.set(id, 'complete');
    expect((await waiting).logs.executors[0]?.stdout).toBe('quiet\n');
    expect(site.readLogsCalls).toBe(0);
  });

  it('does not read logs with liveLogs: false, nor before the job runs', async () => {
    const site = new LoggingSite();
    const job = submitJob(site, SPEC, { ...FAST, liveLogs: false });
    const logs = recordLogs(job);
    await until(() => job.remoteId !== undefined, 'submitted');
    const id = job.remoteId as string;
    site.write(id, 'stdout', 'out\n');
    site.set(id, 'running');
    await until(() => site.calls.poll > 3, 'a few polls');
    site.set(id, 'complete');
    await job.wait();
    expect(site.readLogsCalls).toBe(0);
    expect(textOf(logs, 'stdout')).toBe('out\n');

    const queued = submitJob(site, SPEC, FAST);
    recordLogs(queued);
    await until(() => queued.remoteId !== undefined && site.calls.poll > 8, 'polls of a queued job');
    expect(site.readLogsCalls).toBe(0);
    site.set(queued.remoteId as string, 'complete');
    await queued.wait();
  });

  it('reports a failing readLogs once per run of failures, and the job ends with its collected logs', async () => {
    const site = new LoggingSite();
    site.readLogsError = new Error('logs unavailable');
    const job = submitJob(site, SPEC, FAST);
    const logs = recordLogs(job);
    const errors: Error[] = [];
    job.on('error', (e) => errors.push(e.error));
    await until(() => job.remoteId !== undefined, 'submitted');
    const id = job.remoteId as string;
    site.write(id, 'stdout', 'out\n');
    site.set(id, 'running');
    await until(() => site.readLogsCalls > 3, 'several failed reads');
    site.set(id, 'complete');
    const result = await job.wait();
    expect(errors.map((e) => e.message)).toEqual(['logs unavailable']);
    expect(result.state).toBe('complete');
    expect(textOf(logs, 'stdout')).toBe('out\n');
  });
});

describe('JobControl.stream', () => {
  it('says in a system line how many bytes a read skipped, ignores repeats, trims overlaps', () => {
    const { job, control } = createJob();
    const logs: JobLogEvent[] = [];
    job.on('log', (e) => logs.push(e));
    expect(control.wantsLogs).toBe(true);
    control.stream({ executor: 1, stream: 'stdout', offset: 0, bytes: 3, text: 'abc' });
    control.stream({ executor: 1, stream: 'stdout', offset: 10, bytes: 2, text: 'kl' });
    control.stream({ executor: 1, stream: 'stdout', offset: 10, bytes: 2, text: 'kl' });
    control.stream({ executor: 1, stream: 'stdout', offset: 11, bytes: 3, text: 'lmn' });
    expect(logs.map((l) => [l.stream, l.executor, l.text])).toEqual([
      ['stdout', 1, 'abc'],
      ['system', undefined, 'stdout of executor 1: skipped 7 bytes (more arrived between two reads than one read returns)'],
      ['stdout', 1, 'kl'],
      ['stdout', 1, 'mn'],
    ]);
    control.finish({ state: 'complete', executors: [{ exitCode: 0 }, { exitCode: 0, stdout: 'abcdefghijklmnop' }] });
    expect(logs.at(-1)).toMatchObject({ stream: 'stdout', executor: 1, text: 'op' });
  });

  it('starts counting afresh when the job moves to another remote job (a failover)', () => {
    const { job, control } = createJob();
    const logs: JobLogEvent[] = [];
    job.on('log', (e) => logs.push(e));
    control.bind('a', 'r1');
    control.stream({ executor: 0, stream: 'stdout', offset: 0, bytes: 6, text: 'first\n' });
    control.bind('b', 'r2', 'failover');
    control.stream({ executor: 0, stream: 'stdout', offset: 0, bytes: 7, text: 'second\n' });
    control.finish({ state: 'complete', executors: [{ exitCode: 0, stdout: 'second\nend\n' }] });
    expect(logs.map((l) => l.text)).toEqual(['first\n', 'second\n', 'end\n']);
  });

  it('wantsLogs is false with only state listeners and waiters, true with a watch() stream', () => {
    const { job, control } = createJob();
    job.on('state', () => undefined);
    void job.wait();
    expect(control.wantsLogs).toBe(false);
    const stream = job.watch();
    expect(control.wantsLogs).toBe(true);
    void stream.return();
    expect(control.wantsLogs).toBe(false);
  });
});
