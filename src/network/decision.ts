/**
 * Decision records: how a job's site was chosen, and what happened after.
 * Plain JSON, documented in docs/decision-record.md (JSON Schema in
 * docs/decision-record.schema.json).
 * @module
 */
import type { JobState } from '../jobs/state.js';
import { deriveRandom } from './random.js';
import { resourceMismatch } from './strategies/resource-fit.js';
import { tagConflict } from './strategies/tags.js';
import type { Candidate, ExcludedSite, RankedSite, SelectionRequest, SiteDescription, SiteLiveView, SiteSelector } from './types.js';

/** The schema identifier written in every record. */
export const DECISION_SCHEMA = 'pulsar-network/decision-record/v1';

/** One try of a job on one site. */
export interface AttemptRecord {
  site: string;
  /** The key the site used to deduplicate this submit. */
  idempotencyKey: string;
  startedAt: string;
  acceptedAt?: string;
  remoteId?: string;
  endedAt?: string;
  /** How it ended: a job state, or `refused`, `failed`, `queued-timeout`. */
  ending?: string;
  cause?: string;
  /** True when a submit failed in a way that may have reached the site (it was then sent once more with the same key). */
  ambiguous?: boolean;
  /**
   * Set when the network canceled the job on this site before moving on:
   * `requested` once the site took the cancel, `pending` while the site could
   * not be reached (the network retries when a probe reaches it again).
   * On an `ambiguous` try that failed, it concerns the job the submit may
   * have made (found by its key with `site.lookup`), and is removed when the
   * site made none.
   */
  cancel?: 'requested' | 'pending';
}

/** One move of a job from a site to the next. */
export interface FailoverRecord {
  from: string;
  /** The next site, or null when none was left. */
  to: string | null;
  cause: string;
  at: string;
  /** Backoff before the next attempt, in milliseconds. */
  delayMs: number;
}

/** The record of one job's site selection and its attempts. */
export interface DecisionRecord {
  schema: typeof DECISION_SCHEMA;
  job: { id: string; name?: string; idempotencyKey: string };
  /** False for a record made by `explain` (nothing was sent). */
  submitted: boolean;
  strategy: string;
  /** The seed of the random source used for this decision. */
  seed: string;
  /** The ordinal of this selection in its network; with the seed it fixes the random draws. */
  sequence: number;
  request: SelectionRequest;
  /** Every site's static and live view at decision time. */
  views: Array<{ site: SiteDescription; live: SiteLiveView }>;
  /** The kept sites, best first, with scores by term. */
  candidates: RankedSite[];
  /** The dropped sites with reasons. */
  excluded: ExcludedSite[];
  /** The first choice, or null when no site is eligible. */
  chosen: string | null;
  attempts: AttemptRecord[];
  failovers: FailoverRecord[];
  outcome?: { state: JobState | 'failed'; site?: string; cause?: string };
  timestamps: { decidedAt: string; finishedAt?: string };
}

/** What {@link decide} needs. */
export interface DecisionInput {
  job: DecisionRecord['job'];
  request: SelectionRequest;
  candidates: readonly Candidate[];
  strategy: SiteSelector;
  seed: string | number;
  /** Apply the network's hard filters first (open breakers, resources, tags). @default true */
  hardFilters?: boolean;
  /** Clock milliseconds of the decision. */
  now: number;
  submitted: boolean;
}

/**
 * Makes a decision: hard filters (open circuit breaker, resources, tag
 * conflicts), then the strategy with a random source derived from the seed
 * and the sequence. Pure: the same input gives the same record.
 *
 * @example
 * ```ts
 * const record = decide({ job, request, candidates, strategy: balanced(), seed: 'run-1', now: Date.now(), submitted: false });
 * console.log(record.chosen, record.excluded);
 * ```
 */
export function decide(input: DecisionInput): DecisionRecord {
  const excluded: ExcludedSite[] = [];
  let eligible: readonly Candidate[] = input.candidates;
  if (input.hardFilters ?? true) {
    eligible = input.candidates.filter((candidate) => {
      const id = candidate.site.id;
      if (candidate.live.breaker === 'open') {
        excluded.push({ site: id, by: 'health', reason: 'circuit breaker open' });
        return false;
      }
      const mismatch = resourceMismatch(input.request, candidate) ?? tagConflict(input.request.scheduling, candidate.site.tags);
      if (mismatch) {
        excluded.push({ site: id, by: 'eligibility', reason: mismatch });
        return false;
      }
      return true;
    });
  }
  const random = deriveRandom(input.seed, 'select', input.request.sequence);
  const result = input.strategy.select(input.request, eligible, random);
  const known = new Set(eligible.map((c) => c.site.id));
  const ranked = result.ranked.filter((r) => known.has(r.site));
  excluded.push(...result.excluded.filter((e) => known.has(e.site)));
  const accounted = new Set([...ranked.map((r) => r.site), ...excluded.map((e) => e.site)]);
  for (const id of known) if (!accounted.has(id)) excluded.push({ site: id, by: input.strategy.name, reason: 'not returned by the strategy' });
  return {
    schema: DECISION_SCHEMA,
    job: input.job,
    submitted: input.submitted,
    strategy: input.strategy.name,
    seed: String(input.seed),
    sequence: input.request.sequence,
    request: input.request,
    views: input.candidates.map((c) => ({ site: c.site, live: c.live })),
    candidates: ranked,
    excluded,
    chosen: ranked[0]?.site ?? null,
    attempts: [],
    failovers: [],
    timestamps: { decidedAt: new Date(input.now).toISOString() },
  };
}
