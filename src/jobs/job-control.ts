/**
 * The shapes of a job's making: {@link JobInit} and the {@link JobControl}
 * its driver (the job engine) feeds it through.
 * @module
 */
import type { JobOutcome, LogChunk } from '../sites/site.js';
import type { JobEvent, JobLogEvent, JobSiteEvent, JobTransferEvent } from './events.js';
import type { CancelOptions, Job } from './job.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { JobState } from './state.js';
import type { StateChange, StateUpdate } from './tracker.js';

/** How a job comes to life; see {@link createJob}. */
export interface JobInit {
  /** The local id; a random one by default. */
  id?: string;
  /** The spec the job runs, when known. */
  spec?: JobSpec;
  /** @default 'queued' */
  initialState?: JobState;
  /** The site's word for the initial state, when known. */
  initialSiteState?: string;
  /** How `job.cancel()` reaches the site. */
  cancel?: (job: Job, options: CancelOptions) => Promise<void>;
  /**
   * Hears every event of the job, after its `watch()` streams and before its
   * listeners (a `Network` re-emits them). It is not interest: it keeps no
   * process alive. A throw is reported as a listener's is.
   */
  observe?: (event: JobEvent) => void;
  /** Whether the observer hears `log` events (then live logs are read as for a `log` listener). */
  observesLogs?: () => boolean;
}

/**
 * The side of a job that its driver (a `submitJob` run, a `Network`) holds:
 * it feeds states, transfers, logs and the end into the job. Users never need it.
 */
export interface JobControl {
  /** The job it feeds. */
  readonly job: Job;
  /** True once the job has ended. */
  readonly ended: boolean;
  /**
   * True while someone waits for news of the job (a pending `wait()`, a
   * `watch()` stream, or an event listener). Drivers keep a process alive
   * for the job only then.
   */
  readonly interested: boolean;
  /** Called when interest may have begun (a listener, a wait, a watch). */
  onInterest(callback: () => void): void;
  /**
   * Records the site and its id for the job, and emits a `site` event. A new
   * site or id (a failover) starts the `seq` of state updates over, and the
   * count of streamed log bytes (the new job's logs start afresh); the state
   * itself still only moves forward, so a job that was `running` elsewhere
   * stays `running` until the new site reports more.
   */
  bind(siteId: string, remoteId: string, action?: JobSiteEvent['action'], extra?: Pick<JobSiteEvent, 'reason' | 'detail'>): void;
  /** Emits a `site` event (`trying`, `failover`, `silent`) without binding. */
  site(event: Omit<JobSiteEvent, 'type' | 'jobId' | 'time'>): void;
  /** Offers a state to the tracker; a terminal one ends the job with no outcome. */
  update(update: StateUpdate): StateChange | undefined;
  /** Emits a `transfer` event. */
  transfer(progress: Omit<JobTransferEvent, 'type' | 'jobId' | 'time'>): void;
  /** Emits a `log` event (it is not added to the result's logs). */
  log(log: Omit<JobLogEvent, 'type' | 'jobId' | 'time'>): void;
  /**
   * Emits output read while the job runs (a `Site.readLogs` chunk) as a `log`
   * event, and counts its bytes as streamed: {@link JobControl.finish} then
   * emits only the part of the collected logs past them (see `StreamedLogs`).
   * A chunk that starts past what was streamed (the site skipped bytes) is
   * preceded by a `system` line that says how many.
   */
  stream(chunk: LogChunk): void;
  /** True while someone hears `log` events (a `log` listener or a `watch()` stream): drivers read live logs only then. */
  readonly wantsLogs: boolean;
  /** Emits an `error` event; `fatal` only announces, call `fail` to end the job. */
  error(error: Error, fatal?: boolean): void;
  /**
   * Ends the job with what the site collected: a fatal `error` event when
   * `error` is given, the logs (less what was streamed), the terminal state,
   * then `done`. The result keeps the collected logs whole.
   */
  finish(outcome: Partial<JobOutcome> & { state: JobState }, siteState?: string, error?: Error): void;
  /** Ends the job because of `error`: `finish({ state, systemLogs: [error.message] }, undefined, error)`. */
  fail(error: Error, state?: JobState): void;
}
