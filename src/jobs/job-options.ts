/**
 * Options and shapes of a {@link Job}'s methods.
 * @module
 */
import type { JobState } from './state.js';

/** Options of {@link Job.logs} and {@link Job.outputs}. */
export interface JobWaitOptions {
  /** Stops waiting (rejects with {@link AbortError}); the job goes on. */
  signal?: AbortSignal;
}

/** Options of {@link Job.wait}. */
export interface ThrowingWaitOptions extends JobWaitOptions {
  /**
   * Reject with {@link JobFailedError} (carrying the result and its final
   * state) when the job ends in any state but `complete`.
   * @default false: resolve with the result whatever the final state
   */
  throwOnFailure?: boolean;
}

/** Options of {@link Job.cancel}. */
export interface CancelOptions {
  /** Stops waiting for the cancel with an `AbortError`: aborts the cancel request to the site; the job of a `Network` goes on canceling. */
  signal?: AbortSignal;
}

/** What {@link Job.toJSON} gives: ids, site and state. */
export interface JobSummary {
  /** {@link Job.id}. */
  id: string;
  /** {@link Job.siteId}; absent until a site accepted the job. */
  siteId?: string;
  /** {@link Job.remoteId}; absent until a site accepted the job. */
  remoteId?: string;
  /** {@link Job.state}. */
  state: JobState;
  /** {@link Job.siteState}; absent when the site said none. */
  siteState?: string;
}
