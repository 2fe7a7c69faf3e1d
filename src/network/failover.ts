/**
 * Failover rules, as pure functions shared by the network and its simulation:
 * which endings move a job to the next site, and which site is next.
 * @module
 */
import { AbortError, ConnectionError, HttpError, TimeoutError, ValidationError } from '../errors.js';
import type { JobState } from '../jobs/state.js';
import { issuesReason } from './eligibility.js';
import type { RankedSite } from './types.js';

/** How an attempt on one site ended. */
export type AttemptEnding =
  | {
      /** The submit failed. */
      kind: 'submit-error';
      /** What the submit threw. */
      error: unknown;
    }
  | {
      /** The job reached a terminal state on the site. */
      kind: 'state';
      /** That state. */
      state: JobState;
    }
  | {
      /** The job stayed queued past the deadline. */
      kind: 'queued-timeout';
      /** How long it waited queued, in milliseconds. */
      waitedMs: number;
    };

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
  /** True when the site said no to this job (a 4xx answer, its own validation, an unsupported feature): it is not asked again for this job. */
  refused: boolean;
  /**
   * True when the next site may be tried at once, without the failover
   * backoff: nothing reached the site (the connection was refused, the name
   * does not resolve, TLS failed) or the site refused this job. Backing off
   * only helps a site that may recover; the next site is another one.
   */
  immediate: boolean;
}

/**
 * Classifies an attempt's ending.
 *
 * - A submit that never reached the site (connection refused, no such host,
 *   TLS failure: `ConnectionError.mayHaveBeenSent` false) fails over at once
 *   and is not ambiguous: no job can exist there, so none is looked up.
 * - A site-side refusal of the spec — its own validation (`ValidationError`
 *   from its `submit`), a 4xx answer, 501 (a feature it does not support) —
 *   fails over at once and marks the site refused for this job. A spec that
 *   is invalid everywhere never gets here: the network ends such a job
 *   before any attempt (see `invalidEverywhere`).
 * - A failed submit that may have reached the site (5xx, a broken
 *   connection, a timeout) is ambiguous and fails over after the backoff.
 * - `lost`, `system_error`, `preempted` and a job stuck queued past its
 *   deadline fail over after the backoff; `executor_error` (the user's
 *   command failed), `complete` and `canceled` are final, as is an abort.
 *
 * @example
 * ```ts
 * classifyEnding({ kind: 'state', state: 'lost' }); // { failover: true, cause: 'lost', siteFault: true, ambiguous: false, refused: false, immediate: false }
 * ```
 */
export function classifyEnding(ending: AttemptEnding): FailoverVerdict {
  const verdict = (failover: boolean, cause: string, siteFault: boolean, flags: Partial<Pick<FailoverVerdict, 'ambiguous' | 'refused' | 'immediate'>> = {}): FailoverVerdict => ({
    failover,
    cause,
    siteFault,
    ambiguous: flags.ambiguous ?? false,
    refused: flags.refused ?? false,
    immediate: flags.immediate ?? false,
  });
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
  if (error instanceof ValidationError) return verdict(true, `refused: ${issuesReason(error.issues) || error.message}`, false, { refused: true, immediate: true });
  if (error instanceof HttpError) {
    const refused = (error.status < 500 && error.status !== 408 && error.status !== 429) || error.status === 501;
    return verdict(true, `${refused ? 'refused' : 'failed'}: HTTP ${error.status}`, !refused, { refused, immediate: refused });
  }
  if (error instanceof ConnectionError) return verdict(true, `failed: ${error.message}`, true, { ambiguous: error.mayHaveBeenSent, immediate: !error.mayHaveBeenSent });
  if (error instanceof TimeoutError) return verdict(true, `failed: ${error.message}`, true, { ambiguous: true });
  const message = error instanceof Error ? error.message : String(error);
  return verdict(true, `failed: ${message}`, true, { ambiguous: true });
}

/**
 * The next site to try: among the ranked sites that `allowed` accepts
 * (typically: the breaker lets a call through), the one tried least so far,
 * best ranked first. So the job goes down the ranking first, and only when
 * every site was tried does it come back to one (the attempt bound still holds).
 *
 * @example
 * ```ts
 * declare const record: DecisionRecord;
 * declare const breakers: Map<string, CircuitBreaker>;
 * nextSite(record.candidates, new Map([['it03', 1]]), (id) => breakers.get(id)!.allows);
 * ```
 */
export function nextSite(ranked: readonly RankedSite[], attempts: ReadonlyMap<string, number>, allowed: (site: string) => boolean): RankedSite | undefined {
  let best: RankedSite | undefined;
  let fewest = Number.POSITIVE_INFINITY;
  for (const candidate of ranked) {
    const count = attempts.get(candidate.site) ?? 0;
    if (count < fewest && allowed(candidate.site)) {
      best = candidate;
      fewest = count;
    }
  }
  return best;
}

/** What {@link isStuck} weighs. */
export interface StuckCheck {
  /** How long the job has been queued at the site. */
  queuedForMs: number;
  /** The queued deadline (`failover.queuedDeadlineMs`), in milliseconds. */
  deadlineMs: number;
  /** How long ago the site last started one of this client's jobs; undefined if never. */
  siteLastStartAgoMs: number | undefined;
  /** Whether another site could take the job now. */
  alternative: boolean;
}

/**
 * True when a queued job counts as stuck (accepted but never started, as in
 * galaxyproject/pulsar#328): it waited past the deadline, the site started
 * none of this client's jobs during that time (a busy site that is still
 * starting jobs is slow, not stuck), and another site could take it.
 *
 * @example
 * ```ts
 * isStuck({ queuedForMs: 3_600_000, deadlineMs: 1_800_000, siteLastStartAgoMs: undefined, alternative: true }); // true
 * ```
 */
export function isStuck(check: StuckCheck): boolean {
  return (
    check.queuedForMs >= check.deadlineMs &&
    (check.siteLastStartAgoMs === undefined || check.siteLastStartAgoMs >= check.deadlineMs) &&
    check.alternative
  );
}
