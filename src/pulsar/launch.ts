/**
 * Submitting a Pulsar job so that it runs once, even when the answer to the
 * submit is lost. Portable.
 *
 * What Pulsar does (pulsar-app 0.16.0, checked on the real server): a
 * `POST /jobs/{id}/submit` launches the job within the request, so once
 * Pulsar has handled it the status is past `preprocessing` (`queued`,
 * `running`, an end). A job still `preprocessing` was not launched, or its
 * submit is being handled right now. A second submit of a job that is active
 * or finished is skipped (Pulsar answers `OK` and runs nothing), so sending
 * it again is safe once the first one is known not to be in progress. What a
 * lost answer must never lead to is a clean (`DELETE`) of a job that may run:
 * Pulsar then keeps it active with no directory, its process runs on, and a
 * later submit under the same id is skipped for ever (the job stays
 * `preprocessing`).
 * @module
 */
import { AbortError, ConnectionError, HttpError, ValidationError } from '../errors.js';
import { bestEffort, sleep } from '../util/abort.js';
import type { PulsarClient, PulsarSubmitOptions } from './client.js';

/** Options of {@link submitOnce}. */
export interface SubmitOnceOptions extends PulsarSubmitOptions {
  /**
   * After a submit whose answer was lost, how long the job must go on
   * reporting `preprocessing` (not launched) before the submit is sent again,
   * in milliseconds: a submit that reached Pulsar is handled within this time.
   * @default 2000
   */
  settleMs?: number;
  /** Most submit requests sent for the job. @default 3 */
  maxSubmits?: number;
}

/** How often the status is read while a job settles, in milliseconds. */
const SETTLE_POLL_MS = 250;

/**
 * True unless the error proves that the request never launched anything: a
 * 4xx answer, a refused connection, a request refused before it was sent.
 * Aborts, timeouts, lost or unreadable answers and 5xx (from Pulsar or a
 * proxy in front of it) may all follow a launch.
 *
 * @example
 * ```ts
 * try {
 *   await pulsar.submit(jobId, { commandLine });
 * } catch (error) {
 *   if (!mayHaveLaunched(error)) await pulsar.clean(jobId);
 *   throw error;
 * }
 * ```
 */
export function mayHaveLaunched(error: unknown): boolean {
  if (error instanceof ValidationError) return false;
  if (error instanceof ConnectionError) return error.mayHaveBeenSent;
  if (error instanceof HttpError) return error.status >= 500;
  return true;
}

/**
 * Submits the job (`POST /jobs/{id}/submit`) and makes sure it was launched
 * once. When the answer is lost (a reset, a timeout, a 5xx, an unreadable
 * answer), the job's status tells what Pulsar did: past `preprocessing`, the
 * job was launched and this resolves; still `preprocessing` after `settleMs`,
 * the submit never arrived and is sent again (at most `maxSubmits` in all).
 * Rejects with the submit's error when it cannot launch; when the status
 * cannot be read to tell, with an error that says the job may have been
 * launched (a `ConnectionError` sent-maybe, or the submit's own such error:
 * see {@link mayHaveLaunched}; never clean the job on that ground). An abort
 * rejects with AbortError at once, without finding out.
 *
 * @example
 * ```ts
 * await submitOnce(pulsar, jobId, { commandLine: 'sh ../tool_files/run.sh' });
 * const final = await pulsar.wait(jobId);
 * ```
 */
export async function submitOnce(client: PulsarClient, jobId: string, options: SubmitOnceOptions): Promise<void> {
  const { settleMs = 2000, maxSubmits = 3, ...submit } = options;
  for (let sent = 1; ; sent++) {
    try {
      await client.submit(jobId, submit);
      return;
    } catch (error) {
      if (error instanceof AbortError || options.signal?.aborted || !mayHaveLaunched(error)) throw error;
      if (await launched(client, jobId, settleMs, options.signal, error)) return;
      // Proven not launched: the submit's own failure.
      if (sent >= maxSubmits) throw error;
    }
  }
}

/** Whether Pulsar launched the job, from its status; throws an {@link unknowable} error when the status cannot say. */
async function launched(client: PulsarClient, jobId: string, settleMs: number, signal: AbortSignal | undefined, failure: unknown): Promise<boolean> {
  const started = Date.now();
  for (;;) {
    let status;
    try {
      status = await client.status(jobId, signal ? { signal } : {});
    } catch (error) {
      if (error instanceof AbortError) throw error;
      throw unknowable(jobId, failure);
    }
    // The job directory is gone: someone cleaned it, nothing can be said of the launch.
    if (status.status === 'lost') throw unknowable(jobId, failure);
    if (status.status !== 'preprocessing') return true;
    const left = settleMs - (Date.now() - started);
    if (left <= 0) return false;
    await sleep(Math.min(SETTLE_POLL_MS, left), signal, `finding out whether Pulsar launched job ${jobId}`);
  }
}

/**
 * The error of a submit whose launch can be neither confirmed nor ruled out:
 * one that says the request may have reached Pulsar (a 5xx from a proxy
 * would otherwise read as a plain failure, and a caller could start the job
 * again elsewhere while this one runs).
 */
function unknowable(jobId: string, failure: unknown): unknown {
  if (!(failure instanceof HttpError)) return failure;
  const reason = `job ${jobId} may have been launched (its status cannot tell): ${failure.message}`;
  return new ConnectionError({ method: 'POST', url: 'POST /jobs/{job_id}/submit', mayHaveBeenSent: true, reason }, { cause: failure });
}

/** Time limit of the clean-up or cancel that follows a failure or an abort, in milliseconds. */
export const CLEANUP_TIMEOUT_MS = 5000;

/**
 * Tidies up after staging or the submit of a job failed, with a signal of
 * its own (the caller's may be aborted) and a short time limit; never
 * throws. Never launched (staging failed: `submitted` false, or the submit
 * was refused): the directory goes, with any half-written upload in it
 * (after a refused submit only unless `keepRefused`). An aborted submit that
 * may have reached Pulsar is cancelled; any other that may have launched the
 * job is left alone, for a submit under the same id to resolve: removing a
 * job that runs strands it.
 *
 * @example
 * ```ts
 * try {
 *   await submitOnce(pulsar, jobId, { commandLine, signal });
 * } catch (error) {
 *   await afterFailedSubmit(pulsar, jobId, error, { submitted: true });
 *   throw error;
 * }
 * ```
 */
export async function afterFailedSubmit(client: PulsarClient, jobId: string, error: unknown, options: { submitted: boolean; keepRefused?: boolean }): Promise<void> {
  const launch = options.submitted && mayHaveLaunched(error);
  if (!launch && !(options.submitted && options.keepRefused)) await bestEffort(CLEANUP_TIMEOUT_MS, (signal) => client.clean(jobId, { signal }));
  else if (launch && error instanceof AbortError) await bestEffort(CLEANUP_TIMEOUT_MS, (signal) => client.cancel(jobId, { signal }));
}
