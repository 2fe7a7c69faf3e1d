/**
 * `JobRun`: the engine's hold on one live job — its control, where it is,
 * and what a cancel stops in each phase.
 * @module
 */
import { AbortError } from '../errors.js';
import type { JobOutcome, Site } from '../sites/site.js';
import type { JobEvent } from './events.js';
import type { LogFollowOptions } from './follow-logs.js';
import { createJob, type CancelOptions, type Job } from './job.js';
import type { JobControl } from './job-control.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { JobState } from './state.js';

/** Where a job is in its life: waiting (admission, backoff), staging, followed on a site, collecting, ended. */
export type RunPhase = 'starting' | 'submitting' | 'following' | 'collecting' | 'ended';

/** How a job ends: the outcome, the site's word for its state, and the error that ended it. */
export interface Ending {
  /** What the site left behind (or what this library says instead). */
  outcome: Partial<JobOutcome> & { state: JobState };
  /** The site's word for the final state. */
  siteState?: string;
  /** The error that ended the job, when one did. */
  error?: Error;
}

/** How a job of the engine comes to life. */
export interface RunInit {
  /** The job's id; a random UUID by default. */
  id?: string;
  /** The job's spec, when known. */
  spec?: JobSpec;
  /** @default 'queued' */
  initialState?: JobState;
  /** The site's word for the initial state. */
  initialSiteState?: string;
  /** Aborting it cancels the job, as `job.cancel()` does. */
  signal?: AbortSignal;
  /** Hears every event of the job (a network re-emits them); not interest. */
  observe?: (event: JobEvent) => void;
  /** Whether `observe` wants `log` events (live logs are then read). */
  observesLogs?: () => boolean;
  /** Live logs of this job, instead of the engine's setting. */
  liveLogs?: LogFollowOptions | false;
}

/** A cancel of a job that a site holds. */
export type CancelOnSite = (site: Site, remoteId: string, options: CancelOptions) => Promise<void>;

/**
 * The engine's hold on one live job. A cancel stops what is in progress:
 * waiting and staging are aborted (`signal`), a job the site holds is asked
 * to stop (`cancelOnSite`) and followed to the site's answer, and collecting
 * is aborted (`collectSignal`), so nothing more is delivered. The run
 * releases itself from its engine when the job ends.
 */
export class JobRun {
  /** The job, for its users. */
  readonly job: Job;
  /** The job's control. */
  readonly control: JobControl;
  /** Where the job is in its life. */
  phase: RunPhase = 'starting';
  /** The site of the current attempt. */
  site: Site | undefined;
  /** The site's id of the job in the current attempt. */
  remoteId: string | undefined;
  /** How a cancel reaches a site holding the job. */
  cancelOnSite: CancelOnSite;
  /** Live logs of this job, when it has its own setting. */
  readonly liveLogs: LogFollowOptions | false | undefined;
  readonly #stop = new AbortController();
  #collectStop: AbortController | undefined;
  #canceled = false;
  readonly #release: (run: JobRun) => void;
  readonly #unlink: (() => void) | undefined;

  constructor(init: RunInit, cancelOnSite: CancelOnSite, release: (run: JobRun) => void) {
    this.cancelOnSite = cancelOnSite;
    this.#release = release;
    this.liveLogs = init.liveLogs;
    const made = createJob({
      ...(init.id === undefined ? {} : { id: init.id }),
      ...(init.spec === undefined ? {} : { spec: init.spec }),
      ...(init.initialState === undefined ? {} : { initialState: init.initialState }),
      ...(init.initialSiteState === undefined ? {} : { initialSiteState: init.initialSiteState }),
      ...(init.observe ? { observe: init.observe } : {}),
      ...(init.observesLogs ? { observesLogs: init.observesLogs } : {}),
      cancel: (_job, options) => this.cancel(options),
    });
    this.job = made.job;
    this.control = made.control;
    const { signal } = init;
    if (signal) {
      const onAbort = (): void => void this.job.cancel().catch((error: unknown) => this.control.error(asError(error)));
      if (signal.aborted) queueMicrotask(onAbort);
      else signal.addEventListener('abort', onAbort, { once: true });
      this.#unlink = () => signal.removeEventListener('abort', onAbort);
    }
  }

  /** Aborted when the job is canceled: stops waiting for admission or a site, backoff and staging. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** True once the job was canceled (by `job.cancel()` or the caller's signal). */
  get canceled(): boolean {
    return this.#canceled;
  }

  /** A signal for one collect: aborted by a cancel while it runs (or before it starts). */
  collectSignal(): AbortSignal {
    this.#collectStop = new AbortController();
    return this.#collectStop.signal;
  }

  /** Cancels the job: aborts what is in progress and asks a site holding it to stop it. */
  async cancel(options: CancelOptions): Promise<void> {
    this.#canceled = true;
    this.#stop.abort(new AbortError('job canceled'));
    this.#collectStop?.abort(new AbortError('job canceled'));
    if (this.phase === 'following' && this.site && this.remoteId !== undefined) await this.cancelOnSite(this.site, this.remoteId, options);
  }

  /** Ends the job (once) and releases it from the engine. */
  finish(ending: Ending): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.#unlink?.();
    this.control.finish(ending.outcome, ending.siteState, ending.error);
    this.#release(this);
  }

  /** Ends the job because of `error`: `canceled` when it was canceled, else `state`. */
  fail(error: Error, state: JobState = 'system_error'): void {
    this.finish({ outcome: { state: this.#canceled ? 'canceled' : state, systemLogs: [error.message] }, error });
  }
}

/** `error` as an Error. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
