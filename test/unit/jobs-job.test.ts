import { describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  attachJob,
  createJob,
  Job,
  JobEngine,
  JobFailedError,
  STATE_RANK,
  submitJob,
  ValidationError,
  type JobEvent,
  type JobStateEvent,
} from '../../src/internal.js';
import { FakeSite, SPEC, until } from './jobs-fake-site.js';

const FAST = { engine: new JobEngine({ poll: { minIntervalMs: 1, maxIntervalMs: 4, jitter: 0 } }) };

function collect(job: Job): JobEvent[] {
  const seen: JobEvent[] = [];
  for (const name of ['state', 'log', 'transfer', 'site', 'error', 'done'] as const) job.on(name, (e: JobEvent) => seen.push(e));
  return seen;
}

describe('Job events', () => {
  it('emits logs, then the terminal state, then done, and resolves wait() with the result', async () => {
    const { job, control } = createJob({ id: 'j1' });
    const seen = collect(job);
    await Promise.resolve();
    control.bind('site-a', 'remote-1');
    control.update({ state: 'running', siteState: 'RUNNING' });
    control.transfer({ direction: 'down', file: '/tmp/a', bytesDone: 5, bytesTotal: 5, done: true });
    control.finish(
      {
        state: 'executor_error',
        executors: [{ exitCode: 0, stdout: 'one' }, { exitCode: 2, stderr: 'two' }],
        outputs: [],
        systemLogs: ['note'],
      },
      'EXECUTOR_ERROR',
    );
    expect(seen.map((e) => (e.type === 'state' ? `state:${e.state}` : e.type === 'log' ? `log:${e.stream}` : e.type))).toEqual([
      'state:queued',
      'site',
      'state:running',
      'transfer',
      'log:stdout',
      'log:stderr',
      'log:system',
      'state:executor_error',
      'done',
    ]);
    const result = await job.wait();
    expect(result).toMatchObject({
      jobId: 'j1',
      siteId: 'site-a',
      remoteId: 'remote-1',
      state: 'executor_error',
      siteState: 'EXECUTOR_ERROR',
      ok: false,
      exitCodes: [0, 2],
      logs: { system: ['note'] },
    });
    expect(result.history.map((h) => h.state)).toEqual(['queued', 'running', 'executor_error']);
    expect(job.state).toBe('executor_error');
  });

  it('takes the updates of a new site after a failover, whatever its poll counter', () => {
    const { job, control } = createJob();
    control.bind('a', 'a-1');
    control.update({ state: 'initializing', seq: 500 });
    control.site({ action: 'failover', siteId: 'a', reason: 'site a lost the job' });
    control.bind('b', 'b-1');
    control.update({ state: 'running', seq: 1 });
    expect(job.state).toBe('running');
    expect(job.siteId).toBe('b');
  });

  it('gives a late state listener the current state at once, exactly once', async () => {
    const { job, control } = createJob();
    control.update({ state: 'running' });
    const states: string[] = [];
    job.on('state', (e) => states.push(e.state));
    expect(states).toEqual([]);
    await Promise.resolve();
    expect(states).toEqual(['running']);
    control.update({ state: 'complete' });
    expect(states).toEqual(['running', 'complete']);
  });

  it('does not replay a stale state to a listener that already heard a newer one', async () => {
    const { job, control } = createJob();
    const states: string[] = [];
    job.on('state', (e) => states.push(e.state));
    control.update({ state: 'running' });
    await Promise.resolve();
    expect(states).toEqual(['running']);
  });

  it('gives a done listener added after the end the done event; once() only once', async () => {
    const { job, control } = createJob();
    control.finish({ state: 'complete' });
    const on = vi.fn();
    const once = vi.fn();
    job.on('done', on);
    job.once('done', once);
    await Promise.resolve();
    expect(on).toHaveBeenCalledTimes(1);
    expect(on.mock.calls[0]?.[0]).toMatchObject({ type: 'done', result: { state: 'complete', ok: true } });
    expect(once).toHaveBeenCalledTimes(1);
    expect(job.listenerCount('done')).toBe(1);
  });

  it('does not throw when an error is emitted with no error listener, and wait() still resolves', async () => {
    const { job, control } = createJob();
    expect(() => control.error(new Error('one poll failed'))).not.toThrow();
    expect(() => control.fail(new Error('site vanished'))).not.toThrow();
    const result = await job.wait();
    expect(result.state).toBe('system_error');
    expect(result.error?.message).toBe('site vanished');
    expect(result.logs.system).toEqual(['site vanished']);
  });

  it('outputs() returns outputs of a complete job and throws JobFailedError otherwise', async () => {
    const ok = createJob();
    ok.control.finish({ state: 'complete', outputs: [{ path: '/o', url: '/tmp/o', sizeBytes: 1, sha256: 'a'.repeat(64) }] });
    expect(await ok.job.outputs()).toHaveLength(1);
    const bad = createJob();
    bad.control.finish({ state: 'executor_error', executors: [{ exitCode: 0 }, { exitCode: 2 }] });
    const error = await bad.job.outputs().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).message).toContain('executor_error (exit codes 0, 2)');
    expect((await bad.job.logs()).executors.map((e) => e.exitCode)).toEqual([0, 2]);
  });

  it('wait() resolves whatever the end; wait({ throwOnFailure }) rejects with the final state unless complete', async () => {
    const ok = createJob();
    ok.control.finish({ state: 'complete', executors: [{ exitCode: 0 }] });
    expect((await ok.job.wait({ throwOnFailure: true })).state).toBe('complete');
    for (const state of ['executor_error', 'system_error', 'canceled', 'lost'] as const) {
      const { job, control } = createJob({ id: `j-${state}` });
      const pending = job.wait({ throwOnFailure: true }).catch((e: unknown) => e);
      control.finish({ state, executors: [{ exitCode: 3 }] });
      expect((await job.wait()).state).toBe(state);
      const error = await pending;
      expect(error).toBeInstanceOf(JobFailedError);
      expect((error as JobFailedError).state).toBe(state);
      expect((error as JobFailedError).result.exitCodes).toEqual([3]);
      expect((error as JobFailedError).message).toContain(`job j-${state} ended in ${state}`);
    }
  });
});

describe('job.watch()', () => {
  it('starts with the current state and ends after done', async () => {
    const { job, control } = createJob();
    control.update({ state: 'initializing' });
    const events: string[] = [];
    const loop = (async () => {
      for await (const e of job.watch()) events.push(e.type === 'state' ? e.state : e.type);
    })();
    control.update({ state: 'running' });
    control.log({ stream: 'system', text: 'hi' });
    control.finish({ state: 'complete' });
    await loop;
    expect(events).toEqual(['initializing', 'running', 'log', 'complete', 'done']);
  });

  it('yields the terminal state and done to a watcher that comes after the end', async () => {
    const { job, control } = createJob();
    control.finish({ state: 'canceled' });
    const events: string[] = [];
    for await (const e of job.watch()) events.push(e.type === 'state' ? e.state : e.type);
    expect(events).toEqual(['canceled', 'done']);
  });

  it('drops the oldest log events beyond bufferSize but keeps every state and done', async () => {
    const { job, control } = createJob();
    const stream = job.watch({ bufferSize: 3 });
    for (let i = 0; i < 10; i++) {
      control.log({ stream: 'system', text: `line ${i}` });
      if (i === 4) control.update({ state: 'running' });
    }
    control.finish({ state: 'complete' });
    const events: string[] = [];
    for await (const e of stream) events.push(e.type === 'log' ? e.text : e.type === 'state' ? e.state : e.type);
    expect(events).toEqual(['queued', 'running', 'line 7', 'line 8', 'line 9', 'complete', 'done']);
    expect(stream.dropped).toBe(7);
  });

  it('stops watching on abort with AbortError, and the job goes on', async () => {
    const { job, control } = createJob();
    const controller = new AbortController();
    const seen: string[] = [];
    const loop = (async () => {
      for await (const e of job.watch({ signal: controller.signal })) {
        seen.push(e.type);
        if (e.type === 'state' && e.state === 'running') controller.abort();
      }
    })();
    control.update({ state: 'running' });
    await expect(loop).rejects.toBeInstanceOf(AbortError);
    expect(job.listenerCount('state')).toBe(0);
    control.finish({ state: 'complete' });
    expect((await job.wait()).state).toBe('complete');
  });

  it('is what iterating the job itself gives', async () => {
    const { job, control } = createJob({ id: 'iter' });
    control.finish({ state: 'complete' });
    const types: string[] = [];
    for await (const e of job) types.push(e.type);
    expect(types).toEqual(['state', 'done']);
    expect(JSON.parse(JSON.stringify(job))).toEqual({ id: 'iter', state: 'complete' });
  });

  it('removes its listeners when the loop breaks', async () => {
    const { job, control } = createJob();
    for await (const e of job.watch()) if (e.type === 'state') break;
    expect(job.listenerCount('state') + job.listenerCount('done') + job.listenerCount('log')).toBe(0);
    control.finish({ state: 'complete' });
  });
});

describe('job.wait()', () => {
  it('rejects with AbortError when its signal aborts, and a later wait still gets the result', async () => {
    const { job, control } = createJob();
    const controller = new AbortController();
    const waiting = job.wait({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(job.state).toBe('queued');
    control.finish({ state: 'complete' });
    expect((await job.wait()).ok).toBe(true);
  });
});

describe('submitJob over a Site', () => {
  it('follows the job to its end; the recorded states are monotonic and begin and end as the site said', async () => {
    const site = new FakeSite();
    const job = submitJob(site, SPEC, FAST);
    const states: JobStateEvent[] = [];
    job.on('state', (e) => states.push(e));
    await until(() => job.remoteId !== undefined, 'submission');
    const id = job.remoteId!;
    site.set(id, 'initializing');
    await until(() => job.state === 'initializing', 'initializing');
    site.set(id, 'queued'); // out of order: dropped
    site.set(id, 'running');
    await until(() => job.state === 'running', 'running');
    site.set(id, 'complete');
    const result = await job.wait();
    expect(result.state).toBe('complete');
    expect(result.outputs[0]?.sha256).toBe('f'.repeat(64));
    const sequence = result.history.map((h) => h.state);
    expect(sequence[0]).toBe('queued');
    expect(sequence.at(-1)).toBe('complete');
    for (let i = 1; i < sequence.length; i++) expect(STATE_RANK[sequence[i]!]).toBeGreaterThan(STATE_RANK[sequence[i - 1]!]);
    expect(states.map((s) => s.state)).toEqual(sequence);
    expect(site.calls.collect).toBe(1);
  });

  it('ends in system_error with the error when the site refuses the job', async () => {
    const site = new FakeSite();
    site.submitError = new ValidationError('job spec', [{ path: '$.executors', message: 'required' }]);
    const job = submitJob(site, SPEC, FAST);
    const errors: Error[] = [];
    job.on('error', (e) => errors.push(e.error));
    const result = await job.wait();
    expect(result.state).toBe('system_error');
    expect(result.error).toBeInstanceOf(ValidationError);
    expect(errors).toHaveLength(1);
    expect(site.calls.poll).toBe(0);
  });

  it('cancel() moves to canceling and then to what the site reports', async () => {
    const site = new FakeSite();
    const job = submitJob(site, SPEC, FAST);
    await until(() => job.remoteId !== undefined, 'submission');
    await job.cancel();
    expect(job.state).toBe('canceling');
    const result = await job.wait();
    expect(result.state).toBe('canceled');
    expect(site.calls.cancel).toBe(1);
    await job.cancel();
    expect(site.calls.cancel).toBe(1);
  });

  it('cancel() before anything was sent sends nothing', async () => {
    const site = new FakeSite();
    const job = submitJob(site, SPEC, FAST);
    await job.cancel();
    expect((await job.wait()).state).toBe('canceled');
    expect(site.calls).toMatchObject({ submit: 0, cancel: 0 });
  });

  it('cancel() while a submit the site does not abort is under way cancels the job as soon as it has an id', async () => {
    const site = new FakeSite();
    let open!: () => void;
    site.submitGate = new Promise((r) => (open = r));
    const job = submitJob(site, SPEC, FAST);
    await until(() => site.calls.submit === 1, 'the submit');
    await job.cancel();
    expect(site.calls.cancel).toBe(0);
    open();
    expect((await job.wait()).state).toBe('canceled');
    expect(site.calls.cancel).toBe(1);
  });

  it('survives failing polls: non-fatal error events, then the job ends normally', async () => {
    const site = new FakeSite();
    site.pollError = new Error('503');
    const job = submitJob(site, SPEC, FAST);
    const errors: JobEvent[] = [];
    job.on('error', (e) => errors.push(e));
    await until(() => errors.length >= 2, 'poll errors');
    expect(errors.every((e) => e.type === 'error' && !e.fatal)).toBe(true);
    site.pollError = undefined;
    site.set(job.remoteId!, 'complete');
    expect((await job.wait()).state).toBe('complete');
  });

  it('`for await` over watch() ends after the terminal event; an aborted watch leaves the job for attach', async () => {
    const site = new FakeSite();
    const job = submitJob(site, SPEC, FAST);
    const controller = new AbortController();
    const watching = (async () => {
      for await (const e of job.watch({ signal: controller.signal })) if (e.type === 'state' && e.state === 'running') controller.abort();
    })();
    await until(() => job.remoteId !== undefined, 'submission');
    site.set(job.remoteId!, 'running');
    await expect(watching).rejects.toBeInstanceOf(AbortError);
    expect(site.jobs.get(job.remoteId!)?.state).toBe('running');
    expect(site.calls.cancel).toBe(0);

    const again = await Job.attach(site, job.remoteId!, FAST);
    expect(again.state).toBe('running');
    const types: string[] = [];
    const loop = (async () => {
      for await (const e of again.watch()) types.push(e.type === 'state' ? e.state : e.type);
    })();
    site.set(job.remoteId!, 'complete');
    await loop;
    expect(types).toEqual(['running', 'log', 'complete', 'done']);
  });

  it('ends a job its site preempted as preempted, with the site\'s word for it', async () => {
    const site = new FakeSite();
    const job = submitJob(site, SPEC, FAST);
    await until(() => job.remoteId !== undefined, 'submission');
    site.set(job.remoteId!, 'running');
    await until(() => job.state === 'running', 'running');
    site.set(job.remoteId!, 'preempted', 'PREEMPTED');
    expect(await job.wait()).toMatchObject({ state: 'preempted', siteState: 'PREEMPTED' });
  });

  it('ends a job whose outputs cannot be collected system_error, with the error', async () => {
    const site = new FakeSite();
    site.outcome = () => {
      throw new Error('disk full');
    };
    const job = submitJob(site, SPEC, FAST);
    await until(() => job.remoteId !== undefined, 'submission');
    site.set(job.remoteId!, 'complete');
    const result = await job.wait();
    expect(result).toMatchObject({ state: 'system_error', logs: { system: ['disk full'] } });
    expect(result.error?.message).toBe('disk full');
  });

  it('attach rejects for a job the site does not know', async () => {
    await expect(attachJob(new FakeSite(), 'nope')).rejects.toThrow(/knows no job/);
  });
});

describe('a listener that throws', () => {
  it('disturbs neither the job nor its watchers; its error is thrown again later', async () => {
    const { job, control } = createJob();
    const thrown: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      thrown.push(error);
    };
    process.on('uncaughtException', onUncaught);
    try {
      job.on('done', () => {
        throw new Error('listener bug');
      });
      const events: string[] = [];
      const loop = (async () => {
        for await (const e of job.watch()) events.push(e.type);
      })();
      control.finish({ state: 'complete' });
      await loop;
      expect(events).toEqual(['state', 'state', 'done']);
      expect((await job.wait()).state).toBe('complete');
      await new Promise((r) => setTimeout(r, 0));
      expect(thrown).toEqual([new Error('listener bug')]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

describe('types', () => {
  it('narrow listeners and watched events by name and type (checked by tsc)', async () => {
    const { job, control } = createJob();
    job.on('state', (e) => {
      const state: JobStateEvent['state'] = e.state;
      expect(state).toBeTypeOf('string');
    });
    job.on('done', (e) => expect(e.result.exitCodes).toEqual([]));
    // @ts-expect-error: no such event
    job.on('finished', () => undefined);
    // @ts-expect-error: a state listener gets a state event, not a string
    job.on('state', (e: string) => e);
    control.finish({ state: 'complete' });
    for await (const e of job) {
      if (e.type === 'done') expect(e.result.ok).toBe(true);
      // @ts-expect-error: only done events carry a result
      else void e.result;
    }
  });
});
