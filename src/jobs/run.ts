/**
 * `submitJob` and `attachJob`: Jobs over one Site, driven by a
 * {@link JobEngine}. A `Network` does the same over many sites, with
 * selection and failover, through its own engine.
 * @module
 */
import type { Site } from '../sites/site.js';
import { defaultEngine, type EngineAttachOptions, type EngineSubmitOptions, type JobEngine } from './engine.js';
import type { Job } from './job.js';
import type { JobSpec } from '../contracts/job-spec.js';

/** Options of {@link submitJob}. */
export interface SubmitJobOptions extends EngineSubmitOptions {
  /**
   * The engine that drives the job: its poller of the site (polling
   * cadence, `lostAfterMs`) and live logs. @default the shared engine, `defaultEngine()`
   */
  engine?: JobEngine;
}

/** Options of {@link attachJob} and `Job.attach`. */
export interface AttachJobOptions extends EngineAttachOptions {
  /** The engine that follows the job. @default the shared engine, `defaultEngine()` */
  engine?: JobEngine;
}

/**
 * Submits a job to one site and returns its {@link Job} at once: listen to it
 * right away to see the inputs being staged. Submission errors (an invalid
 * spec, an unreachable site) end the job: a fatal `error` event, then
 * `system_error`, and `wait()` resolves with `result.error` set. A
 * `cancel()` stops staging; after the site accepted the job, it asks the
 * site to stop it; while outputs are collected, it aborts the downloads
 * (nothing is delivered). The job is followed by the engine's one poller of
 * the site, with every other job there.
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
  const { engine = defaultEngine(), ...rest } = options;
  return engine.submit(site, spec, rest);
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
export function attachJob(site: Site, remoteId: string, options: AttachJobOptions = {}): Promise<Job> {
  const { engine = defaultEngine(), ...rest } = options;
  return engine.attach(site, remoteId, rest);
}
