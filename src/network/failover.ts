/**
 * Failover rules, as pure functions shared by the network and its simulation:
 * which endings move a job to the next site, and which site is next.
 * @module
 */
import { AbortError, ConnectionError, HttpError, TimeoutError, ValidationError } from '../errors.js';
import type { JobState } from '../jobs/state.js';
import type { RankedSite } from './types.js';

/** How an attempt on one site ended. */
export type AttemptEnding =
  | { kind: 'submit-error'; error: unknown }
  | { kind: 'state'; state: JobState }
  | { kind: 'queued-timeout'; waitedMs: number };

/** What to do after an attempt. */
export interface FailoverVerdict {
  /** True: try the next ranked site. False: the job's ending is final. */
  failover: boolean;
  /** Short cause for the decision record. */
  cause: string;
  /** True when the ending speaks against the site's health (feeds its breaker). */
  siteFault: boolean;
  /** True when the submit may have reached the site although it failed (the job might exist there). */
  ambiguous: boolean;
}

/**
 * Classifies an attempt's ending. A refused submit (4xx), a failed submit
 * (5xx, connection, timeout), `lost`, `system_error`, `preempted` and a job
 * stuck queued past its deadline fail over; `executor_error` (the user's
 * command failed), `complete` and `canceled` are final, as are a local
 * validation error and an abort.
 *
 * @example
 * ```ts
 * classifyEnding({ kind: 'state', state: 'lost' }); // { failover: true, cause: 'lost', siteFault: true, ambiguous: false }
 * ```
 */
export function classifyEnding(ending: AttemptEnding): FailoverVerdict {
  const verdict = (failover: boolean, cause: string, siteFault: boolean, ambiguous = false): FailoverVerdict => ({ failover, cause, siteFault, ambiguous });
  if (ending.kind === 'queued-timeout') return verdict(true, `still queued after ${ending.waitedMs} ms`, true);
  if (ending.kind === 'state') {
    switch (ending.state) {
      case 'lost':
      case 'system_error':
        return verdict(true, ending.state, true);
      case 'preempted':
        return verdict(true, 'preempted', false);
      default:
        return verdict(false, ending.state, false);
    }
  }
  const error = ending.error;
  if (error instanceof AbortError) return verdict(false, 'aborted', false);
  if (error instanceof ValidationError) return verdict(false, `invalid job: ${error.message.split('\n')[0] ?? ''}`, false);
  if (error instanceof HttpError) {
    const refused = error.status < 500 && error.status !== 408 && error.status !== 429;
    return verdict(true, `${refused ? 'refused' : 'failed'}: HTTP ${error.status}`, !refused);
  }
  if (error instanceof ConnectionError) return verdict(true, `failed: ${error.message}`, true, error.mayHaveBeenSent);
  if (error instanceof TimeoutError) return verdict(true, `failed: ${error.message}`, true, true);
  const message = error instanceof Error ? error.message : String(error);
  return verdict(true, `failed: ${message}`, true, true);
}

/**
 * The next site to try: the best ranked one not tried yet that `allowed`
 * accepts (typically: its breaker lets a call through).
 */
export function nextSite(ranked: readonly RankedSite[], tried: ReadonlySet<string>, allowed: (site: string) => boolean): RankedSite | undefined {
  return ranked.find((r) => !tried.has(r.site) && allowed(r.site));
}
