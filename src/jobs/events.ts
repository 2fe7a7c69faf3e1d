/**
 * The events of a {@link Job}, as its emitter delivers them and as
 * `job.watch()` yields them. Every event has a `type` so a `switch` narrows it.
 * @module
 */
import type { CollectedOutput, ExecutorLog } from '../sites/site.js';
import type { TransferProgress } from '../transfer/progress.js';
import type { JobState } from './state.js';

interface BaseEvent {
  /** The job's local id ({@link Job.id}). */
  jobId: string;
  /** When it happened, in milliseconds since the epoch. */
  time: number;
}

/** The job moved to a new state (or, for a late subscriber, the state it is in). */
export interface JobStateEvent extends BaseEvent {
  /** Always `state`. */
  type: 'state';
  /** The new (or current) state. */
  state: JobState;
  /** The state before; absent for the job's first state. */
  previous?: JobState;
  /** The site's own word for the state (a TES state, a Pulsar status). */
  siteState?: string;
}

/** A piece of a job's logs: an executor's output, or a message of the site. */
export interface JobLogEvent extends BaseEvent {
  /** Always `log`. */
  type: 'log';
  /** An executor's `stdout` or `stderr`, or `system` for messages of the site or of this library. */
  stream: 'stdout' | 'stderr' | 'system';
  /** Index of the executor, for `stdout` and `stderr`. */
  executor?: number;
  /** The text: an executor's output, or one message. */
  text: string;
}

/** Progress of one file moving to the site (inputs) or from it (outputs). */
export interface JobTransferEvent extends BaseEvent, TransferProgress {
  /** Always `transfer`. */
  type: 'transfer';
}

/** What happened between the job and its site(s). */
export interface JobSiteEvent extends BaseEvent {
  /** Always `site`. */
  type: 'site';
  /**
   * `trying`: an attempt on the site starts (staging and the submit follow;
   * in a network, `reason` says why this site and `detail` holds the
   * decision record); `submitted`: the site accepted the job; `attached`:
   * the job was found again on the site; `failover`: the job leaves the site
   * (it refused, failed or lost the job: `reason` says why, `detail` holds
   * the failover record), a `trying` event for the next site follows (network);
   * `silent`: the site has not reported the job for a while (`reason` says
   * how long and why); it ends `lost` if the silence lasts.
   */
  action: 'trying' | 'submitted' | 'attached' | 'failover' | 'silent';
  /** The site's id. */
  siteId: string;
  /** The site's id for the job, once it has one. */
  remoteId?: string;
  /** Why, in words (failover reasons, selection summaries). */
  reason?: string;
  /** Machine-readable details, such as a site-selection decision record. */
  detail?: unknown;
}

/** Something went wrong. `fatal` errors end the job (a terminal state follows). */
export interface JobErrorEvent extends BaseEvent {
  /** Always `error`. */
  type: 'error';
  /** What went wrong. */
  error: Error;
  /** False for problems the job rides over, such as one failed status poll. */
  fatal: boolean;
}

/** The job ended; no event follows. */
export interface JobDoneEvent extends BaseEvent {
  /** Always `done`. */
  type: 'done';
  /** Everything the finished job left behind. */
  result: JobResult;
}

/** Any event of a job. */
export type JobEvent = JobStateEvent | JobLogEvent | JobTransferEvent | JobSiteEvent | JobErrorEvent | JobDoneEvent;

/** The events of a job by name, for its typed emitter. */
export interface JobEventMap {
  /** The job moved to a new state. */
  state: [event: JobStateEvent];
  /** A piece of the job's logs. */
  log: [event: JobLogEvent];
  /** Progress of one file's transfer. */
  transfer: [event: JobTransferEvent];
  /** Something happened between the job and a site. */
  site: [event: JobSiteEvent];
  /** Something went wrong (fatal or not). */
  error: [event: JobErrorEvent];
  /** The job ended. */
  done: [event: JobDoneEvent];
}

/** The name of a job event. */
export type JobEventName = keyof JobEventMap;

/** The logs of a finished job. */
export interface JobLogs {
  /** One entry per executor that ran, in order. */
  executors: ExecutorLog[];
  /** Messages of the site and of this library that are not executor output. */
  system: string[];
}

/** One entry of a job's state history. */
export interface JobStateRecord {
  /** The state. */
  state: JobState;
  /** The site's own word for it, when it said one. */
  siteState?: string;
  /** When the job entered it, in milliseconds since the epoch. */
  time: number;
}

/** What {@link Job.wait} resolves with: everything a finished job left behind. */
export interface JobResult {
  /** The job's local id ({@link Job.id}). */
  jobId: string;
  /** The site that ran the job, when one accepted it. */
  siteId?: string;
  /** The site's id for the job. */
  remoteId?: string;
  /** The final (terminal) state. */
  state: JobState;
  /** The site's own word for the final state, when it said one. */
  siteState?: string;
  /** True when `state` is `complete`. */
  ok: boolean;
  /** Exit codes of the executors that ran, in order. */
  exitCodes: number[];
  /** Delivered outputs with their sizes and sha256 (a TES output at a remote URL has no sha256: see `CollectedOutput`). */
  outputs: CollectedOutput[];
  /** Executor and system logs. */
  logs: JobLogs;
  /** Every state the job went through, in order, starting with its first. */
  history: JobStateRecord[];
  /** The error that ended the job, when this library or the site failed it. */
  error?: Error;
}
