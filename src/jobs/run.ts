/**
 * `submitJob` and `attachJob`: Jobs over one Site. A `Network` does the same
 * over many sites, with selection and failover.
 * @module
 */
import type { JobOutcome, Site, SiteJobStatus } from '../sites/site.js';
import { createJob, type CancelOptions, type Job, type JobControl } from './job.js';
import type { JobSpec } from './spec.js';
import { isTerminalState } from './state.js';
import { followStatus, type FollowStatusOptions } from './follow-status.js';
import { LogFollower, type LogFollowOptions } from './follow-logs.js';
import { watcherFor, type PollOptions } from './watcher.js';

/** Options of {@link submitJob}. */
export interface SubmitJobOptions {
  /** The job's local id; a random UUID by default. */
  id?: string;
  /**
   * Passed to the site so that a retried submit never makes two jobs.
   * @default the job's local id
   */
  idempotencyKey?: string;
  /** Aborts the submission (staging and the submit request); the job then ends `canceled`. */
  signal?: AbortSignal;
  /** Polling of the site, used when its watcher is made (the first job on the site). */
  poll?: PollOptions;
  /** A job the site does not report for this long ends `lost`, in milliseconds. @default 300000 */
  lostAfterMs?: number;
  /**
   * Live logs: on a site with `readLogs`, the job's output comes as `log`
   * events while it runs (read at each status poll, while someone hears
   * `log` events); `false` waits for the end as on other sites.
   * @default {}
   */
  liveLogs?: LogFollowOptions | false;
}

/** Options of {@link attachJob} and `Job.attach`. */
export interface AttachJobOptions {
  /** The job's local id; a random UUID by default. */
  id?: string;
  /** The spec the job was submitted with, for sites that need it to collect outputs. */
  spec?: JobSpec;
  /** Aborts the attach request (the job is not touched; following it is not bound to the signal). */
  signal?: AbortSignal;
  /** Polling of the site, used when its watcher is made (the first job on the site). */
  poll?: PollOptions;
  /** A job the site does not report for this long ends `lost`, in milliseconds. @default 300000 */
  lostAfterMs?: number;
  /**
   * Live logs: on a site with `readLogs`, the job's output comes as `log`
   * events while it runs (read at each status poll, while someone hears
   * `log` events); `false` waits for the end as on other sites.
   * @default {}
   */
  liveLogs?: LogFollowOptions | false;
}

/**
 * Submits a job to one site and returns its {@link Job} at once: listen to it
 * right away to see the inputs being staged. Submission errors (an invalid
 * spec, an unreachable site) end the job: a fatal `error` event, then
 * `system_error`, and `wait()` resolves with `result.error` set. A
 * `cancel()` before the site has answered takes effect as soon as it has.
 *
 * @example
 * ```ts
 * import { LocalSite, submitJob } from 'pulsar-network/node';
 *
 * const site = new LocalSite({ allowNoContainer: true });
 * const job = submitJob(site, {
 *   executors: [{ image: 'alpine', command: ['echo', 'hello'], stdout: '/out/hello.txt' }],
 *   outputs: [{ path: '/out/hello.txt', url: 'file:///tmp/hello.txt' }],
 * });
 * job.on('state', (e) => console.log(e.state));
 * console.log(await job.outputs());
 * ```
 */
export function submitJob(site: Site, spec: JobSpec, options: SubmitJobOptions = {}): Job {
  let cancelRequested = false;
  const init: Parameters<typeof createJob>[0] = {
    spec,
    cancel: async (job: Job, cancelOptions: CancelOptions) => {
      if (job.remoteId === undefined) {
        cancelRequested = true;
        return;
      }
      await cancelOnSite(site, job.remoteId, cancelOptions);
    },
  };
  if (options.id !== undefined) init.id = options.id;
  const { job, control } = createJob(init);
  void (async () => {
    let remoteId: string;
    try {
      const submitOptions: Parameters<Site['submit']>[1] = {
        idempotencyKey: options.idempotencyKey ?? job.id,
        onTransfer: (progress) => control.transfer(progress),
      };
      if (options.signal) submitOptions.signal = options.signal;
      remoteId = (await site.submit(spec, submitOptions)).remoteId;
    } catch (error) {
      control.fail(asError(error), options.signal?.aborted || cancelRequested ? 'canceled' : 'system_error');
      return;
    }
    control.bind(site.id, remoteId, 'submitted');
    settle(site, control, remoteId, followOptions(spec, options));
    if (cancelRequested) {
      await cancelOnSite(site, remoteId, {}).catch((error: unknown) => control.error(asError(error)));
    }
  })();
  return job;
}

/**
 * Finds a job submitted earlier on a site and returns its {@link Job},
 * watching it again. Rejects when the site does not know the job.
 *
 * @example
 * ```ts
 * const job = await attachJob(site, savedRemoteId);
 * job.on('done', (e) => console.log(e.result.state));
 * ```
 */
export async function attachJob(site: Site, remoteId: string, options: AttachJobOptions = {}): Promise<Job> {
  const status = await site.attach(remoteId, options.signal ? { signal: options.signal } : {});
  const init: Parameters<typeof createJob>[0] = {
    initialState: status.state,
    ...(status.siteState === undefined ? {} : { initialSiteState: status.siteState }),
    cancel: (_job, cancelOptions) => cancelOnSite(site, remoteId, cancelOptions),
  };
  if (options.id !== undefined) init.id = options.id;
  if (options.spec !== undefined) init.spec = options.spec;
  const { job, control } = createJob(init);
  control.bind(site.id, remoteId, 'attached');
  settle(site, control, remoteId, followOptions(options.spec, options), isTerminalState(status.state) ? status : undefined);
  return job;
}

/** Options of {@link followJob}. */
export interface FollowJobOptions {
  /** The job's spec, for sites that need it to collect outputs. */
  spec?: JobSpec;
  /** Polling of the site, used when its watcher is made. */
  poll?: PollOptions;
  /** A job the site does not report for this long ends `lost`, in milliseconds. @default 300000 */
  lostAfterMs?: number;
  /**
   * Live logs: on a site with `readLogs`, the job's output comes as `log`
   * events while it runs (read at each status poll, while someone hears
   * `log` events); `false` waits for the end as on other sites.
   * @default {}
   */
  liveLogs?: LogFollowOptions | false;
  /** Stops following (resolves with `undefined`); never the job. */
  signal?: AbortSignal;
}

/** What {@link followJob} resolves with. */
export interface FollowedJob {
  /**
   * What the site left behind. When collecting failed, its state is the
   * site's terminal state (`system_error` instead of `complete`), with the
   * reason in `systemLogs`.
   */
  outcome: JobOutcome;
  /** The site's word for the terminal state. */
  siteState?: string;
  /** Why collecting failed, when it did. */
  error?: Error;
}

/**
 * The middle of a job's life on one site, for drivers (the `Network`):
 * follows `remoteId` with {@link followStatus}, feeds every non-terminal
 * state to `control` (and failed polls as non-fatal `error` events), and at a
 * terminal state collects the outcome and resolves with it without ending
 * the job, so the driver decides (`control.finish(outcome, siteState, error)`,
 * or fail over elsewhere). A job the site stops reporting for `lostAfterMs`
 * resolves as `lost` without collecting. Resolves with `undefined` when
 * `signal` aborts. Never rejects.
 *
 * @example
 * ```ts
 * const { job, control } = createJob({ spec });
 * const { remoteId } = await site.submit(spec, { idempotencyKey: job.id });
 * control.bind(site.id, remoteId);
 * const followed = await followJob(site, control, remoteId, { spec });
 * if (followed) control.finish(followed.outcome, followed.siteState, followed.error);
 * ```
 */
export async function followJob(site: Site, control: JobControl, remoteId: string, options: FollowJobOptions = {}): Promise<FollowedJob | undefined> {
  const logs = options.liveLogs === false ? undefined : new LogFollower(site, remoteId, control, options.liveLogs);
  const follow: FollowStatusOptions = {
    onError: (error) => control.error(error),
    keepAlive: () => control.interested,
  };
  if (logs) follow.onPoll = (status) => logs.poll(status.state);
  control.onInterest(() => watcherFor(site).touch());
  if (options.poll) follow.poll = options.poll;
  if (options.lostAfterMs !== undefined) follow.lostAfterMs = options.lostAfterMs;
  if (options.signal) follow.signal = options.signal;
  let status: SiteJobStatus;
  try {
    status = await followStatus(
      site,
      remoteId,
      (update, seq) => {
        if (!isTerminalState(update.state)) control.update({ state: update.state, siteState: update.siteState, seq });
      },
      follow,
    );
  } catch {
    return undefined; // aborted
  }
  if (status.state === 'lost') {
    return { outcome: { state: 'lost', executors: [], outputs: [], systemLogs: [status.siteState] }, siteState: status.siteState };
  }
  await logs?.drain();
  return collect(site, remoteId, options.spec, status, control);
}

async function collect(site: Site, remoteId: string, spec: JobSpec | undefined, status: SiteJobStatus, control: JobControl): Promise<FollowedJob> {
  const followed = (outcome: JobOutcome, error?: Error): FollowedJob => {
    const result: FollowedJob = { outcome };
    if (status.siteState !== undefined) result.siteState = status.siteState;
    if (error) result.error = error;
    return result;
  };
  try {
    return followed(await site.collect(remoteId, spec, { onTransfer: (progress) => control.transfer(progress) }));
  } catch (caught) {
    const error = asError(caught);
    const state = status.state === 'complete' ? 'system_error' : status.state;
    return followed({ state, executors: [], outputs: [], systemLogs: [error.message] }, error);
  }
}

function settle(site: Site, control: JobControl, remoteId: string, options: FollowJobOptions, attached?: SiteJobStatus): void {
  const ending = attached ? collect(site, remoteId, options.spec, attached, control) : followJob(site, control, remoteId, options);
  void ending.then((followed) => {
    if (followed) control.finish(followed.outcome, followed.siteState, followed.error);
  });
}

async function cancelOnSite(site: Site, remoteId: string, options: CancelOptions): Promise<void> {
  await site.cancel(remoteId, options.signal ? { signal: options.signal } : {});
  watcherFor(site).refresh();
}

function followOptions(spec: JobSpec | undefined, options: { poll?: PollOptions; lostAfterMs?: number; liveLogs?: LogFollowOptions | false }): FollowJobOptions {
  const follow: FollowJobOptions = {};
  if (options.liveLogs !== undefined) follow.liveLogs = options.liveLogs;
  if (spec !== undefined) follow.spec = spec;
  if (options.poll !== undefined) follow.poll = options.poll;
  if (options.lostAfterMs !== undefined) follow.lostAfterMs = options.lostAfterMs;
  return follow;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
