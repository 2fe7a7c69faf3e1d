/**
 * `Job`: the handle of one job on whatever site runs it.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { AbortError } from '../errors.js';
import { randomId } from '../util/random-id.js';
import { rethrowLater } from '../util/rethrow-later.js';
import type { CollectedOutput, JobOutcome, Site } from '../sites/site.js';
import { JobFailedError } from './errors.js';
import { JobEventStream, type WatchOptions } from './event-stream.js';
import { StreamedLogs } from './follow-logs.js';
import type { JobDoneEvent, JobEvent, JobEventMap, JobEventName, JobLogs, JobResult, JobStateRecord } from './events.js';
import { attachJob, type AttachJobOptions } from './run.js';
import type { JobControl, JobInit } from './job-control.js';
import type { JobSpec } from '../contracts/job-spec.js';
import { isTerminalState, type JobState } from './state.js';
import type { StateChange, StateUpdate } from './tracker.js';
import { JobStates } from './job-states.js';
import type { CancelOptions, JobSummary, JobWaitOptions, ThrowingWaitOptions } from './job-options.js';
import { buildResult, finalLogs } from './job-result.js';

export type { CancelOptions, JobSummary, JobWaitOptions, ThrowingWaitOptions } from './job-options.js';

type Listener<T extends JobEventName> = (...args: JobEventMap[T]) => void;

const CONSTRUCT = Symbol('Job.construct');
// The last job's control, from its constructor to createJob (a static block would be a side effect to bundlers).
let constructed: JobControl | undefined;

/**
 * The handle of one job. It is a typed event emitter (`state`, `log`,
 * `transfer`, `site`, `error`, `done`) and an async iterable of the same
 * events (`for await (const e of job)`, or `job.watch(options)`), with a
 * promise of the result (`wait()`) and `cancel()`.
 *
 * A listener added to `state` or `done` late still hears the current state or
 * the end: it is called once, on the next microtask, with the latest such
 * event. `error` events never throw when nobody listens.
 *
 * Get one from `submitJob(site, spec)`, `Job.attach(site, remoteId)`, or a
 * `Network`.
 *
 * @example
 * ```ts
 * const job = submitJob(site, spec);
 * job.on('state', (e) => console.log(e.state));
 * for await (const event of job.watch()) console.log(event.type);
 * const result = await job.wait();
 * console.log(result.state, result.exitCodes, result.outputs);
 * ```
 */
export class Job extends EventEmitter<JobEventMap> {
  /** This library's id of the job (stable across failovers). */
  readonly id: string;
  /** The spec the job runs, when known. */
  readonly spec: JobSpec | undefined;
  readonly #states: JobStates;
  /** What was streamed of each executor's output while the job ran. */
  readonly #streamed = new StreamedLogs();
  /** The job's own streams (`watch()`), fed before listeners. */
  readonly #taps = new Set<(event: JobEvent) => void>();
  /** Pending `wait()` calls. */
  #waiters = 0;
  #onInterest: (() => void) | undefined;
  #siteId: string | undefined;
  #remoteId: string | undefined;
  #result: JobResult | undefined;
  #doneEvent: JobDoneEvent | undefined;
  readonly #finished: Promise<JobResult>;
  #resolveFinished!: (result: JobResult) => void;
  readonly #cancel: ((job: Job, options: CancelOptions) => Promise<void>) | undefined;
  readonly #observe: ((event: JobEvent) => void) | undefined;
  readonly #observesLogs: (() => boolean) | undefined;

  /** @internal Use {@link createJob}. */
  constructor(init: JobInit, secret: typeof CONSTRUCT) {
    super();
    if (secret !== CONSTRUCT) throw new TypeError('use submitJob(), Job.attach() or createJob() to get a Job');
    this.id = init.id ?? randomId();
    this.spec = init.spec;
    this.#cancel = init.cancel;
    this.#observe = init.observe;
    this.#observesLogs = init.observesLogs;
    this.#states = new JobStates(this.id, init.initialState ?? 'queued', init.initialSiteState);
    this.#finished = new Promise((resolve) => {
      this.#resolveFinished = resolve;
    });
    constructed = this.#control();
  }

  /**
   * Finds a job submitted earlier (for example before the caller restarted)
   * and watches it again.
   *
   * @example
   * ```ts
   * const job = await Job.attach(site, savedRemoteId);
   * console.log((await job.wait()).state);
   * ```
   */
  static attach(site: Site, remoteId: string, options: AttachJobOptions = {}): Promise<Job> {
    return attachJob(site, remoteId, options);
  }

  /** The current state. */
  get state(): JobState {
    return this.#states.state;
  }

  /** The site's own word for the current state, when it said one. */
  get siteState(): string | undefined {
    return this.#states.last.siteState;
  }

  /** The id of the site running the job, once one accepted it. */
  get siteId(): string | undefined {
    return this.#siteId;
  }

  /** The site's id for the job, once it accepted it: keep it to `attach` later. */
  get remoteId(): string | undefined {
    return this.#remoteId;
  }

  /** The result, once the job has ended. */
  get result(): JobResult | undefined {
    return this.#result;
  }

  /** Every state so far, in order. */
  get history(): readonly JobStateRecord[] {
    return this.#states.history;
  }

  override on<T extends JobEventName>(event: T, fn: Listener<T>, context?: unknown): this {
    super.on(event, fn as never, context);
    this.#replay(event, fn, context, false);
    this.#onInterest?.();
    return this;
  }

  /** Same as {@link Job.on}: a late `state` or `done` listener hears the latest one. */
  override addListener<T extends JobEventName>(event: T, fn: Listener<T>, context?: unknown): this {
    return this.on(event, fn, context);
  }

  override once<T extends JobEventName>(event: T, fn: Listener<T>, context?: unknown): this {
    super.once(event, fn as never, context);
    this.#replay(event, fn, context, true);
    this.#onInterest?.();
    return this;
  }

  /**
   * The job's events as an async iterable: first its current state, then
   * every event as it comes, ending after `done`.
   *
   * @example
   * ```ts
   * for await (const event of job.watch({ signal: AbortSignal.timeout(60_000) })) {
   *   if (event.type === 'transfer') console.log(event.file, event.bytesDone);
   * }
   * ```
   */
  watch(options: WatchOptions = {}): JobEventStream {
    const initial: JobEvent[] = [this.#states.last];
    if (this.#doneEvent) initial.push(this.#doneEvent);
    return new JobEventStream(initial, (push) => this.#subscribeAll(push), options);
  }

  /**
   * `for await (const event of job)` is `job.watch()` with its defaults.
   */
  [Symbol.asyncIterator](): JobEventStream {
    return this.watch();
  }

  /** A short description for logs: ids, site and state. */
  toJSON(): JobSummary {
    const json: JobSummary = { id: this.id, state: this.state };
    if (this.#siteId !== undefined) json.siteId = this.#siteId;
    if (this.#remoteId !== undefined) json.remoteId = this.#remoteId;
    if (this.siteState !== undefined) json.siteState = this.siteState;
    return json;
  }

  /**
   * Waits for the end and resolves with the result, whatever the final state
   * (check `result.ok`); with `throwOnFailure`, a job that did not end
   * `complete` (failed, canceled, lost...) rejects with {@link JobFailedError}
   * carrying the result and its final state. Rejects when `signal` aborts.
   *
   * @example
   * ```ts
   * const result = await job.wait({ signal: AbortSignal.timeout(3_600_000) });
   * if (!result.ok) console.error(result.state, result.logs.executors.at(-1)?.stderr);
   * // or: throw on anything but success
   * const { outputs } = await job.wait({ throwOnFailure: true });
   * ```
   */
  wait(options: ThrowingWaitOptions = {}): Promise<JobResult> {
    const ended = this.#ended(options.signal);
    if (!options.throwOnFailure) return ended;
    return ended.then((result) => {
      if (!result.ok) throw new JobFailedError(result);
      return result;
    });
  }

  #ended(signal: AbortSignal | undefined): Promise<JobResult> {
    if (this.#result) return Promise.resolve(this.#result);
    if (signal?.aborted) return Promise.reject(new AbortError('waiting for the job', { cause: signal.reason }));
    this.#waiters++;
    this.#onInterest?.();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters--;
        reject(new AbortError('waiting for the job', { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.#finished.then((result) => {
        if (signal?.aborted) return;
        signal?.removeEventListener('abort', onAbort);
        this.#waiters--;
        resolve(result);
      });
    });
  }

  /**
   * Waits for the end and returns the delivered outputs; rejects with
   * {@link JobFailedError} when the job did not end `complete`.
   *
   * @example
   * ```ts
   * for (const out of await job.outputs()) console.log(out.url, out.sizeBytes, out.sha256);
   * ```
   */
  async outputs(options: JobWaitOptions = {}): Promise<CollectedOutput[]> {
    return (await this.wait({ ...options, throwOnFailure: true })).outputs;
  }

  /**
   * Waits for the end and returns the logs, whatever the final state.
   *
   * @example
   * ```ts
   * const { executors } = await job.logs();
   * console.log(executors.map((e) => e.exitCode));
   * ```
   */
  async logs(options: JobWaitOptions = {}): Promise<JobLogs> {
    return (await this.wait(options)).logs;
  }

  /**
   * Asks the site to stop the job and moves it to `canceling`; the site's
   * answer (usually `canceled`) follows as a state event. Does nothing once
   * the job has ended.
   *
   * @example
   * ```ts
   * await job.cancel();
   * console.log((await job.wait()).state); // 'canceled' (or the state it reached first)
   * ```
   */
  async cancel(options: CancelOptions = {}): Promise<void> {
    if (this.#result) return;
    if (!this.#cancel) throw new TypeError(`job ${this.id} cannot be canceled: it has no site`);
    this.#apply({ state: 'canceling' });
    await this.#cancel(this, options);
  }

  #subscribeAll(push: (event: JobEvent) => void): () => void {
    this.#taps.add(push);
    this.#onInterest?.();
    return () => this.#taps.delete(push);
  }

  /** True while someone waits for news: a `wait()`, a `watch()` stream, or a listener. */
  get #interested(): boolean {
    return this.#waiters > 0 || this.#taps.size > 0 || this.eventNames().length > 0;
  }

  /**
   * Delivers an event: first to the job's own streams (so a listener that
   * throws cannot starve them), then to its driver's observer (a network),
   * then to listeners. A listener's exception does not disturb the job: it
   * is thrown again on a later microtask, as `EventTarget` reports listener
   * errors.
   */
  #emit<T extends JobEventName>(name: T, ...args: JobEventMap[T]): void {
    for (const tap of [...this.#taps]) tap(args[0]);
    if (this.#observe) rethrowLater(() => this.#observe?.(args[0]));
    rethrowLater(() => (this.emit as (event: string, payload: JobEvent) => boolean)(name, args[0]));
  }

  #replay<T extends JobEventName>(event: T, fn: Listener<T>, context: unknown, once: boolean): void {
    if (event !== 'state' && event !== 'done') return;
    const seen = this.#states.count;
    const done = this.#doneEvent;
    if (event === 'done' && !done) return;
    queueMicrotask(() => {
      if (!this.listeners(event).includes(fn as never)) return;
      if (event === 'state' && this.#states.count !== seen) return;
      if (once) super.off(event, fn as never, context, true);
      const payload = event === 'done' ? done : this.#states.last;
      (fn as (e: unknown) => void).call(context ?? this, payload);
    });
  }

  #apply(update: StateUpdate): StateChange | undefined {
    const applied = this.#states.apply(update);
    if (applied) this.#emit('state', applied.event);
    return applied?.change;
  }

  /** The control of this job; reached only through {@link createJob}, which alone can construct one. */
  #control(): JobControl {
    // The control's getters need the job, not themselves.
    const job = this;
    return {
      job,
      bind: (siteId, remoteId, action = 'submitted', extra = {}) => {
        if (siteId !== job.#siteId || remoteId !== job.#remoteId) {
          job.#states.resetSequence();
          job.#streamed.reset();
        }
        job.#siteId = siteId;
        job.#remoteId = remoteId;
        job.#emit('site', { type: 'site', jobId: job.id, time: Date.now(), action, siteId, remoteId, ...extra });
      },
      site: (event) => job.#emit('site', { type: 'site', jobId: job.id, time: Date.now(), ...event }),
      update: (update) => {
        if (isTerminalState(update.state)) {
          job.#finish({ state: update.state }, update.siteState);
          return undefined;
        }
        return job.#apply(update);
      },
      transfer: (progress) => job.#emit('transfer', { type: 'transfer', jobId: job.id, time: Date.now(), ...progress }),
      log: (log) => job.#emit('log', { type: 'log', jobId: job.id, time: Date.now(), ...log }),
      stream: (chunk) => {
        for (const line of job.#streamed.accept(chunk)) job.#emit('log', { type: 'log', jobId: job.id, time: Date.now(), ...line });
      },
      get wantsLogs() {
        return job.#taps.size > 0 || job.listenerCount('log') > 0 || (job.#observesLogs?.() ?? false);
      },
      error: (error, fatal = false) => job.#emit('error', { type: 'error', jobId: job.id, time: Date.now(), error, fatal }),
      finish: (outcome, siteState, error) => job.#finish(outcome, siteState, error),
      fail: (error, state = 'system_error') => job.#finish({ state, systemLogs: [error.message] }, undefined, error),
      get ended() {
        return job.#result !== undefined;
      },
      get interested() {
        return job.#interested;
      },
      onInterest: (callback) => {
        job.#onInterest = callback;
      },
    };
  }

  #finish(outcome: Partial<JobOutcome> & { state: JobState }, siteState?: string, error?: Error): void {
    if (this.#result) return;
    if (error) this.#emit('error', { type: 'error', jobId: this.id, time: Date.now(), error, fatal: true });
    const executors = outcome.executors ?? [];
    for (const log of finalLogs(executors, outcome.systemLogs ?? [], this.#streamed)) this.#emit('log', { type: 'log', jobId: this.id, time: Date.now(), ...log });
    const update: StateUpdate = { state: outcome.state };
    if (siteState !== undefined) update.siteState = siteState;
    this.#apply(update);
    const result = buildResult({ jobId: this.id, state: this.#states.state, outcome, history: this.#states.history, siteId: this.#siteId, remoteId: this.#remoteId, siteState: this.#states.last.siteState, error });
    this.#result = result;
    this.#doneEvent = { type: 'done', jobId: this.id, time: Date.now(), result };
    this.#resolveFinished(result);
    this.#emit('done', this.#doneEvent);
  }
}

/**
 * Makes a job (for its users) and the control its driver feeds it through.
 * For drivers of jobs (the `Network`, custom schedulers); applications use `submitJob`.
 *
 * @example
 * ```ts
 * const { job, control } = createJob({ spec, cancel: async () => site.cancel(remoteId) });
 * control.bind(site.id, remoteId);
 * control.update({ state: 'running', siteState: 'RUNNING' });
 * control.finish({ state: 'complete', executors: [{ exitCode: 0 }], outputs: [] });
 * ```
 */
export function createJob(init: JobInit = {}): { job: Job; control: JobControl } {
  const job = new Job(init, CONSTRUCT);
  const control = constructed as JobControl;
  constructed = undefined;
  return { job, control };
}
