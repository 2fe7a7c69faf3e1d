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
import type { Candidate, ExcludedSite, HealthStatus, RankedSite, SelectionRequest, SiteDescription, SiteLiveView, SiteSelector } from './types.js';

/** The schema identifier written in every record. */
export const DECISION_SCHEMA = 'pulsar-network/decision-record/v1';

/** One try of a job on one site. */
export interface AttemptRecord {
  /** The site's id. */
  site: string;
  /** The key the site used to deduplicate this submit. */
  idempotencyKey: string;
  /** When the try began (ISO 8601). */
  startedAt: string;
  /** When the site accepted the job (ISO 8601); absent until then, and when it never did. */
  acceptedAt?: string;
  /** The job's id on the site; absent until the site accepted it. */
  remoteId?: string;
  /** When the try ended (ISO 8601); absent while it runs. */
  endedAt?: string;
  /** How it ended: a job state, or `refused`, `failed`, `queued-timeout`. */
  ending?: string;
  /** Why the try ended, when it did not simply succeed (a refusal, an error message, a failure's cause). */
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
  /** The id of the site left. */
  from: string;
  /** The next site, or null when none was left. */
  to: string | null;
  /** Why the job moved on. */
  cause: string;
  /** When (ISO 8601). */
  at: string;
  /** Backoff before the next attempt, in milliseconds. */
  delayMs: number;
}

/** The record of one job's site selection and its attempts. */
export interface DecisionRecord {
  /** Always `'pulsar-network/decision-record/v1'` (`DECISION_SCHEMA`). */
  schema: typeof DECISION_SCHEMA;
  /** The job the record is about. */
  job: {
    /** The job's id in the network (also the base of its idempotency keys). */
    id: string;
    /** The spec's `name`, when it has one. */
    name?: string;
    /** The job's key; each try uses `<key>:<site>:<n>`. */
    idempotencyKey: string;
  };
  /** False for a record made by `explain` (nothing was sent). */
  submitted: boolean;
  /** The strategy's name. */
  strategy: string;
  /** The seed of the random source used for this decision. */
  seed: string;
  /** The ordinal of this selection in its network; with the seed it fixes the random draws. */
  sequence: number;
  /** What selection read from the job. */
  request: SelectionRequest;
  /** Every site's static and live view at decision time. */
  views: Array<{
    /** The site's static view. */
    site: SiteDescription;
    /** The site's live view. */
    live: SiteLiveView;
  }>;
  /** The kept sites, best first, with scores by term. */
  candidates: RankedSite[];
  /** The dropped sites with reasons. */
  excluded: ExcludedSite[];
  /** The first choice, or null when no site is eligible. */
  chosen: string | null;
  /** Every try, in order; empty for a record made by `explain`. */
  attempts: AttemptRecord[];
  /** Every move from one site to the next, in order. */
  failovers: FailoverRecord[];
  /** How the job ended; absent until it finished. */
  outcome?: {
    /** The terminal state, or `failed` when the network gave up without one (no site took the job, or an error stopped it). */
    state: JobState | 'failed';
    /** The id of the site whose state `state` is; absent when `failed`. */
    site?: string;
    /** Why it ended so, when known. */
    cause?: string;
  };
  /** When things happened (ISO 8601). */
  timestamps: {
    /** When the site was chosen. */
    decidedAt: string;
    /** When the job finished; absent until then. */
    finishedAt?: string;
  };
}

/** What {@link decide} needs. */
export interface DecisionInput {
  /** The job the decision is for. */
  job: DecisionRecord['job'];
  /** What the job needs. */
  request: SelectionRequest;
  /** Every site, with its static and live view. */
  candidates: readonly Candidate[];
  /** The strategy that ranks the sites left after the hard filters. */
  strategy: SiteSelector;
  /** Seed of the random source (with `request.sequence`). */
  seed: string | number;
  /** Apply the network's hard filters first (open breakers, resources, tags) and rank sites by health last. @default true */
  hardFilters?: boolean;
  /** Sites that cannot take the job whatever the strategy (see `ineligibleSites`): excluded first, with their reasons. */
  ineligible?: readonly ExcludedSite[];
  /** Clock milliseconds of the decision. */
  now: number;
  /** Written in the record: false for an `explain` (nothing is sent). */
  submitted: boolean;
}

/**
 * Makes a decision: the sites that cannot take the job (`ineligible`), then
 * the hard filters (open circuit breaker, resources, tag conflicts), then the
 * strategy with a random source derived from the seed and the sequence, and
 * last the health order: the strategy's ranking is kept within each health
 * tier, but healthy sites come before sites of unknown health, and sites
 * whose last probe failed (unreachable, refusing) come last. Pure: the same
 * input gives the same record.
 *
 * @example
 * ```ts
 * declare const candidates: Candidate[];
 * const record = decide({ job: { id: 'job-1', idempotencyKey: 'key-1' }, request, candidates, strategy: balanced(), seed: 'run-1', now: Date.now(), submitted: false });
 * console.log(record.chosen, record.excluded);
 * ```
 */
export function decide(input: DecisionInput): DecisionRecord {
  const hard = input.hardFilters ?? true;
  const excluded: ExcludedSite[] = [];
  const ineligible = new Map((input.ineligible ?? []).map((e) => [e.site, e]));
  let eligible: readonly Candidate[] = input.candidates.filter((candidate) => {
    const refusal = ineligible.get(candidate.site.id);
    if (refusal) excluded.push(refusal);
    return !refusal;
  });
  if (hard) {
    eligible = eligible.filter((candidate) => {
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
  let ranked = result.ranked.filter((r) => known.has(r.site));
  if (hard) ranked = byHealth(ranked, eligible);
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

/** Health tiers: a site is tried only when no site of a better tier is left. */
const HEALTH_TIER: Record<HealthStatus, number> = { healthy: 0, degraded: 0, unknown: 1, down: 2, unreachable: 2, refusing: 2 };

/** The ranking in health tiers, the strategy's order kept within each; a moved site's reason says why. */
function byHealth(ranked: readonly RankedSite[], candidates: readonly Candidate[]): RankedSite[] {
  const live = new Map(candidates.map((c) => [c.site.id, c.live]));
  const tier = (site: string): number => HEALTH_TIER[live.get(site)?.health ?? 'unknown'];
  const best = Math.min(...ranked.map((r) => tier(r.site)));
  return ranked
    .map((r, index) => ({ r, index, tier: tier(r.site) }))
    .sort((a, b) => a.tier - b.tier || a.index - b.index)
    .map(({ r, tier: t }) => {
      if (t === best) return r;
      const view = live.get(r.site);
      const why = view?.health === 'unknown' ? 'health unknown (no probe answered yet)' : `${view?.health}${view?.probeError ? `: ${view.probeError}` : ''}`;
      return { ...r, reason: `${r.reason}; ranked after the ${best === 0 ? 'healthy' : 'other'} sites: ${why}` };
    });
}
