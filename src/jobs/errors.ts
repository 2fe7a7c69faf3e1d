/**
 * Errors of the job layer.
 * @module
 */
import { PulsarNetworkError, type PulsarNetworkErrorOptions } from '../errors.js';
import type { JobResult } from './events.js';
import type { JobState } from './state.js';

/**
 * A job ended in a state other than `complete` (failed, canceled, lost...)
 * where success was asked for: `job.wait({ throwOnFailure: true })` or
 * `job.outputs()`. `state` is the final state; `result` holds the logs and
 * exit codes.
 *
 * @example
 * ```ts
 * try {
 *   await job.wait({ throwOnFailure: true });
 * } catch (error) {
 *   if (error instanceof JobFailedError) console.error(error.state, error.result.exitCodes);
 * }
 * ```
 */
export class JobFailedError extends PulsarNetworkError {
  static override readonly kind: string = 'JobFailedError';
  /** The failed job's result (state, exit codes, logs). */
  readonly result: JobResult;
  /** The state the job ended in (`result.state`). */
  readonly state: JobState;

  constructor(result: JobResult, options: PulsarNetworkErrorOptions = {}) {
    const codes = result.exitCodes.length > 0 ? ` (exit codes ${result.exitCodes.join(', ')})` : '';
    const why = result.error ? `: ${result.error.message}` : '';
    super(`job ${result.jobId} ended in ${result.state}${codes}${why}`, options.cause === undefined && result.error ? { cause: result.error } : options);
    this.result = result;
    this.state = result.state;
  }

  override toJSON(): Record<string, unknown> {
    const json = super.toJSON();
    const { logs: _logs, history: _history, error: _error, ...summary } = this.result;
    json.result = summary;
    return json;
  }
}

/**
 * The site does not know a job of this id (attach to a job it never had or has forgotten).
 *
 * @example
 * ```ts
 * const job = await Job.attach(site, id).catch((e) => (e instanceof UnknownJobError ? undefined : Promise.reject(e)));
 * ```
 */
export class UnknownJobError extends PulsarNetworkError {
  static override readonly kind: string = 'UnknownJobError';
  /** The site asked. */
  readonly siteId: string;
  /** The id the site does not know. */
  readonly remoteId: string;

  constructor(fields: { siteId: string; remoteId: string }, options: PulsarNetworkErrorOptions = {}) {
    super(`site ${fields.siteId} knows no job ${JSON.stringify(fields.remoteId)}`, options);
    this.siteId = fields.siteId;
    this.remoteId = fields.remoteId;
  }
}
