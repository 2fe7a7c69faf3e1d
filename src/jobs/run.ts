/**
 * `submitJob` and `attachJob`: Jobs over one Site. A `Network` does the same
 * over many sites, with selection and failover.
 * @module
 */
import type { Site, SiteJobStatus } from '../sites/site.js';
import { createJob, type CancelOptions, type Job, type JobControl } from './job.js';
import type { JobSpec } from './spec.js';
import { isTerminalState } from './state.js';
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
}

/** Options of {@link attachJob} and `Job.attach`. */
export interface AttachJobOptions {
  /** The job's local id; a random UUID by default. */
  id?: string;
  /** The spec the job was submitted with, for sites that need it to collect outputs. */
  spec?: JobSpec;
  signal?: AbortSignal;
  poll?: PollOptions;
}

/**
 * Submits a job to one site and returns its {@link Job} at once: listen to it
 * right away to see the inputs being staged. Submission errors (an invalid
 * spec, an unreachable site) end the job: a fatal `error` event, then
 * `system_error`, and `wait()` resolves with `result.error` set.
 *
 * @example
 * ```ts
 * import { LocalSite } from 'pulsar-network/node';
 * import { submitJob } from 'pulsar-network';
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
      control.fail(asError(error), options.signal?.aborted ? 'canceled' : 'system_error');
      return;
    }
    control.bind(site.id, remoteId, 'submitted');
    follow(site, control, remoteId, spec, options.poll);
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
  if (isTerminalState(status.state)) void collect(site, control, remoteId, options.spec, status);
  else follow(site, control, remoteId, options.spec, options.poll);
  return job;
}

function follow(site: Site, control: JobControl, remoteId: string, spec: JobSpec | undefined, poll: PollOptions | undefined): void {
  const stop = watcherFor(site, poll).watch(remoteId, {
    status: (status, seq) => {
      if (control.ended) {
        stop();
        return;
      }
      if (!isTerminalState(status.state)) {
        control.update({ state: status.state, siteState: status.siteState, seq });
        return;
      }
      stop();
      void collect(site, control, remoteId, spec, status);
    },
    error: (error) => control.error(error),
  });
}

async function collect(site: Site, control: JobControl, remoteId: string, spec: JobSpec | undefined, status: SiteJobStatus): Promise<void> {
  try {
    const outcome = await site.collect(remoteId, spec, { onTransfer: (progress) => control.transfer(progress) });
    control.finish(outcome, status.siteState);
  } catch (error) {
    control.fail(asError(error), status.state === 'complete' ? 'system_error' : status.state);
  }
}

async function cancelOnSite(site: Site, remoteId: string, options: CancelOptions): Promise<void> {
  await site.cancel(remoteId, options.signal ? { signal: options.signal } : {});
  watcherFor(site).refresh();
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
