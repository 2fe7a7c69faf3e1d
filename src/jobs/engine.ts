/**
 * `JobEngine`: drives jobs on sites — submit or attach, follow, live logs,
 * collect, finish — with one batched poller per site.
 * @module
 */
import type { Site } from '../sites/site.js';
import { JobRun, type RunInit } from './engine-run.js';
import { runOnSite, type StepContext } from './engine-steps.js';
import type { LogFollowOptions } from './follow-logs.js';
import type { Job } from './job.js';
import { SitePoller, type PollOptions } from './poller.js';
import { Semaphore } from '../util/semaphore.js';
import type { JobSpec } from '../contracts/job-spec.js';

/** Options of a {@link JobEngine}. */
export interface JobEngineOptions {
  /** How each site's poller polls (one poller per site, shared by all the engine's jobs there). */
  poll?: PollOptions;
  /**
   * A job its site does not report for this long (polls failing, or
   * answering without it) ends `lost`, in milliseconds (a network fails it
   * over). @default 300000
   */
  lostAfterMs?: number;
  /**
   * A job its site does not report for this long is announced by a `site`
   * event (`action: 'silent'`), in milliseconds; only when shorter than
   * `lostAfterMs`. @default 60000
   */
  silentAfterMs?: number;
  /**
   * Live logs: on a site with `readLogs`, a job's output comes as `log`
   * events while it runs (read at each status poll, while someone hears
   * `log` events); `false` waits for the end as on other sites.
   * @default {}
   */
  liveLogs?: LogFollowOptions | false;
  /**
   * Most submits (staging and the submit request) in flight at once on one
   * site, so that a burst of new jobs leaves the site's requests room for
   * status polls (a poll then waits behind a few creates, not thousands).
   * @default 16
   */
  submitConcurrency?: number;
  /** The clock of the silence rules. @default Date.now */
  now?: () => number;
}

/** Options of {@link JobEngine.submit}. */
export interface EngineSubmitOptions {
  /** The job's local id; a random UUID by default. */
  id?: string;
  /**
   * Passed to the site so that a retried submit never makes two jobs.
   * @default the job's local id
   */
  idempotencyKey?: string;
  /** Aborting it cancels the job, as `job.cancel()` does (staging stops; the job ends `canceled`). */
  signal?: AbortSignal;
  /**
   * Live logs of this job (see the engine option `liveLogs`): `false`
   * waits for the end, `{ maxBytes }` sets the most bytes per read.
   * @default the engine's
   */
  liveLogs?: LogFollowOptions | false;
}

/** Options of {@link JobEngine.attach}. */
export interface EngineAttachOptions {
  /** The job's local id; a random UUID by default. */
  id?: string;
  /** The spec the job was submitted with, for sites that need it to collect outputs. */
  spec?: JobSpec;
  /** Aborts the attach request (the job is not touched; following it is not bound to the signal). */
  signal?: AbortSignal;
  /** Live logs of this job. @default the engine's */
  liveLogs?: LogFollowOptions | false;
}

/**
 * Drives jobs on sites: submits (or finds again) each job, follows it with
 * its site's one poller (batched: one `site.poll(ids)` per cycle for every
 * job of the engine there), streams its live logs, collects its outputs and
 * ends it. `submitJob`, `Job.attach` and every `Network` use an engine; a
 * finished job is released at once, so the engine holds live jobs only
 * ({@link JobEngine.liveJobs}).
 *
 * Polling options belong to the engine, not to a call: jobs on one site
 * share one poller, and one cadence. `submitJob` and `Job.attach` use
 * the shared engine (`defaultEngine()`) unless given `{ engine }`.
 *
 * @example
 * ```ts
 * const engine = new JobEngine({ poll: { minIntervalMs: 2000, maxIntervalMs: 60_000 }, lostAfterMs: 600_000 });
 * const job = engine.submit(site, spec);
 * console.log(engine.liveJobs, engine.poller(site).size);
 * await job.wait();
 * ```
 */
export class JobEngine {
  readonly #options: JobEngineOptions;
  readonly #pollers = new Map<Site, SitePoller>();
  readonly #live = new Set<JobRun>();
  readonly #submitSlots = new WeakMap<Site, Semaphore>();
  readonly #context: StepContext;

  constructor(options: JobEngineOptions = {}) {
    this.#options = { ...options, ...(options.poll ? { poll: { ...options.poll } } : {}) };
    this.#context = {
      poller: (site) => this.poller(site),
      unwatched: (site) => {
        if (this.#pollers.get(site)?.size === 0) this.#pollers.delete(site);
      },
      liveLogs: options.liveLogs ?? {},
      submitSlots: (site) => {
        let slots = this.#submitSlots.get(site);
        if (!slots) this.#submitSlots.set(site, (slots = new Semaphore(options.submitConcurrency ?? 16)));
        return slots;
      },
    };
  }

  /** Jobs this engine drives now (submitted or attached, not ended). */
  get liveJobs(): number {
    return this.#live.size;
  }

  /** The poller of `site` (made on first use; dropped again when it watches no job). */
  poller(site: Site): SitePoller {
    let poller = this.#pollers.get(site);
    if (!poller) {
      const { poll, lostAfterMs, silentAfterMs, now } = this.#options;
      poller = new SitePoller(site, {
        ...poll,
        ...(lostAfterMs === undefined ? {} : { lostAfterMs }),
        ...(silentAfterMs === undefined ? {} : { silentAfterMs }),
        ...(now === undefined ? {} : { now }),
      });
      this.#pollers.set(site, poller);
    }
    return poller;
  }

  /**
   * Submits a job to one site and returns its {@link Job} at once (see
   * `submitJob`).
   *
   * @example
   * ```ts
   * const job = engine.submit(site, spec, { id: 'job-1' });
   * ```
   */
  submit(site: Site, spec: JobSpec, options: EngineSubmitOptions = {}): Job {
    const init: RunInit = { spec };
    if (options.id !== undefined) init.id = options.id;
    if (options.signal) init.signal = options.signal;
    if (options.liveLogs !== undefined) init.liveLogs = options.liveLogs;
    const run = this.open(init);
    // A key made here from a fresh id was never sent: the site need not look it up first.
    const key = { idempotencyKey: options.idempotencyKey ?? run.job.id, fresh: options.idempotencyKey === undefined && options.id === undefined };
    // Started on a microtask, so listeners added right after this call hear every event.
    queueMicrotask(() => void runOnSite(this.#context, run, site, spec, { submit: key }));
    return run.job;
  }

  /**
   * Finds a job submitted earlier on `site` and follows it again (see
   * `attachJob`). Rejects when the site does not know it.
   *
   * @example
   * ```ts
   * const job = await engine.attach(site, savedRemoteId);
   * ```
   */
  async attach(site: Site, remoteId: string, options: EngineAttachOptions = {}): Promise<Job> {
    const found = await site.attach(remoteId, options.signal ? { signal: options.signal } : {});
    const init: RunInit = { initialState: found.state, initialSiteState: found.siteState };
    if (options.id !== undefined) init.id = options.id;
    if (options.spec !== undefined) init.spec = options.spec;
    if (options.liveLogs !== undefined) init.liveLogs = options.liveLogs;
    const run = this.open(init);
    run.control.bind(site.id, remoteId, 'attached');
    void runOnSite(this.#context, run, site, options.spec, { found });
    return run.job;
  }

  /** Stops every poller (jobs still followed stop hearing from their sites). */
  close(): void {
    for (const poller of this.#pollers.values()) poller.close();
    this.#pollers.clear();
  }

  /**
   * @internal A new live job of this engine; the driver (a network) then
   * runs its steps. It is released when it ends.
   */
  open(init: RunInit): JobRun {
    const run = new JobRun(
      init,
      async (site, remoteId, options) => {
        await site.cancel(remoteId, options.signal ? { signal: options.signal } : {});
        this.#pollers.get(site)?.refresh();
      },
      (ended) => this.#live.delete(ended),
    );
    this.#live.add(run);
    return run;
  }

  /** @internal The steps' view of this engine. */
  get steps(): StepContext {
    return this.#context;
  }
}

let shared: JobEngine | undefined;

/**
 * The engine `submitJob` and `Job.attach` use when given none: made on first
 * use with the default options (polls 1 s after a change, backing off to
 * 30 s; `lost` after 5 min). Jobs on one site through it share one poller.
 *
 * @example
 * ```ts
 * submitJob(site, spec);
 * console.log(defaultEngine().poller(site).size); // 1
 * ```
 */
export function defaultEngine(): JobEngine {
  shared ??= new JobEngine();
  return shared;
}
