/**
 * The failover loop of a network job: a plain loop over the ranked sites —
 * pick the next site, run an attempt on it, then finish or move on.
 * @module
 */
import { NoEligibleSiteError } from '../errors.js';
import { asError, type Ending } from '../jobs/engine-run.js';
import { conclude } from '../jobs/engine-steps.js';
import type { SiteJobStatus } from '../sites/site.js';
import { backoffDelay, resolveRetryPolicy } from '../http/retry.js';
import { sleep } from '../util/abort.js';
import type { FailoverRecord } from './decision.js';
import { invalidEverywhere } from './eligibility.js';
import { nextSite } from './failover.js';
import { attemptOn, type NetworkContext, type NetworkJobState } from './network-attempt.js';
import { deriveRandom } from './random.js';
import type { RankedSite } from './types.js';

/**
 * Drives a network job to its end: up to `failover.maxAttempts` attempts
 * down the ranked sites (the least tried first, see `nextSite`), waiting
 * (bounded by `waitForSiteMs`) when every site left is behind an open
 * circuit breaker, with the failover backoff between attempts. Each move is
 * a `failover` site event and a record in the decision record. The job ends
 * with the first final ending, the last accepted ending when every attempt
 * failed, or a {@link NoEligibleSiteError}. Never rejects.
 */
export async function runNetworkJob(context: NetworkContext, job: NetworkJobState): Promise<void> {
  const { run, record } = job;
  const { failover } = context;
  const random = deriveRandom(record.seed, 'backoff', record.sequence);
  const policy = resolveRetryPolicy({ retries: failover.maxAttempts - 1, ...failover.backoff, random: () => random.next() });
  const tried = new Map<string, number>();
  const waited = { ms: 0 };
  let leaving: FailoverRecord | undefined;
  let lastAccepted: { status: SiteJobStatus; site: string } | undefined;
  try {
    // a spec no site can run ends at once with its ValidationError, nothing sent
    const invalid = invalidEverywhere(job.spec);
    if (invalid) throw invalid;
    for (let n = 1; ; n++) {
      const next = await pickSite(context, job, tried, waited);
      if (leaving) leaving.to = next?.site ?? null;
      if (!next) {
        const cause = tried.size === 0 ? 'no eligible site for this job' : 'no site left to fail over to';
        finishFailed(context, job, lastAccepted, cause);
        return;
      }
      tried.set(next.site, (tried.get(next.site) ?? 0) + 1);
      const reason = leaving ? `after leaving ${leaving.from}: ${leaving.cause}` : `chosen by ${record.strategy}: ${next.reason}`;
      const result = await attemptOn(context, job, next.site, reason);
      if (result.kind === 'over') {
        finish(context, job, result.ending, next.site);
        return;
      }
      if (result.kind === 'final') {
        finish(context, job, await conclude(run, result.site, result.remoteId, job.spec, result.status), next.site);
        return;
      }
      if (result.accepted) lastAccepted = { status: result.accepted, site: next.site };
      if (n >= failover.maxAttempts) {
        finishFailed(context, job, lastAccepted, result.cause);
        return;
      }
      const delayMs = result.immediate ? 0 : backoffDelay(policy, n);
      leaving = { from: next.site, to: null, cause: result.cause, at: new Date(context.now()).toISOString(), delayMs };
      record.failovers.push(leaving);
      const left: Parameters<typeof run.control.site>[0] = { action: 'failover', siteId: next.site, reason: result.cause, detail: leaving };
      if (result.accepted) left.remoteId = result.accepted.remoteId;
      run.control.site(left);
      await sleep(delayMs, run.signal, 'waiting before the next site');
    }
  } catch (caught) {
    const error = asError(caught);
    const last = record.attempts.at(-1);
    if (run.canceled) {
      if (last && last.ending === undefined) Object.assign(last, { ending: 'canceled', endedAt: new Date(context.now()).toISOString() });
      finish(context, job, { outcome: { state: 'canceled', systemLogs: [`canceled by the caller: ${error.message}`] }, error }, last?.site);
      return;
    }
    record.outcome = { state: 'failed', cause: error.message };
    record.timestamps.finishedAt = new Date(context.now()).toISOString();
    run.fail(error);
  }
}

/** The next site, waiting (within `waitForSiteMs` over the job's life) for an open breaker to let a trial through. */
async function pickSite(context: NetworkContext, job: NetworkJobState, tried: ReadonlyMap<string, number>, waited: { ms: number }): Promise<RankedSite | undefined> {
  const allowed = (id: string): boolean => !job.refused.has(id) && (context.sites.get(id)?.health.breaker.allows ?? false);
  let next = nextSite(job.record.candidates, tried, allowed);
  for (let waitMs = untilABreakerHalfOpens(context, job); !next && waitMs !== undefined && waited.ms + waitMs <= context.failover.waitForSiteMs; waitMs = untilABreakerHalfOpens(context, job)) {
    waited.ms += waitMs;
    await sleep(waitMs, job.run.signal, 'waiting for a site');
    next = nextSite(job.record.candidates, tried, allowed);
  }
  return next;
}

/** Milliseconds until the first open breaker among this job's ranked sites (not refused) lets a trial through. */
function untilABreakerHalfOpens(context: NetworkContext, job: NetworkJobState): number | undefined {
  let soonest: number | undefined;
  for (const { site } of job.record.candidates) {
    if (job.refused.has(site)) continue;
    const until = context.sites.get(site)?.health.breaker.openUntil;
    if (until !== undefined) soonest = Math.min(soonest ?? until, until);
  }
  return soonest === undefined ? undefined : Math.max(1, soonest - context.now());
}

function finish(context: NetworkContext, job: NetworkJobState, ending: Ending, site: string | undefined, cause?: string): void {
  const { record } = job;
  record.outcome = site === undefined ? { state: ending.outcome.state } : { state: ending.outcome.state, site };
  if (cause) record.outcome.cause = cause;
  record.timestamps.finishedAt = new Date(context.now()).toISOString();
  job.run.finish(ending);
}

/** Every attempt failed: the last accepted job's ending, else {@link NoEligibleSiteError}. */
function finishFailed(context: NetworkContext, job: NetworkJobState, lastAccepted: { status: SiteJobStatus; site: string } | undefined, cause: string): void {
  const { record } = job;
  if (lastAccepted) {
    const systemLogs = record.failovers.map((f) => `${f.from}: ${f.cause}`);
    const ending: Ending = { outcome: { state: lastAccepted.status.state, systemLogs }, siteState: lastAccepted.status.siteState };
    finish(context, job, ending, lastAccepted.site, `every attempt failed; last: ${cause}`);
    return;
  }
  const last = record.attempts.at(-1)?.cause;
  const exhausted = last !== undefined;
  record.outcome = { state: 'failed', cause: exhausted ? `every eligible site refused or failed the job (last: ${last})` : cause };
  record.timestamps.finishedAt = new Date(context.now()).toISOString();
  job.run.fail(new NoEligibleSiteError(record, record.outcome.cause));
}
