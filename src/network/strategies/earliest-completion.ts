import { bytesToMove } from '../locality.js';
import { coldStartFor, type Candidate, type ColdStartAssumptions, type SelectionRequest, type SiteSelector } from '../types.js';
import { rankCandidates, round } from './rank.js';
import { resourceMismatch } from './resource-fit.js';
import { tagConflict } from './tags.js';

/** What `estimateCompletion` finds for one site, in milliseconds. */
export interface CompletionEstimate {
  /** Call latency to the site. */
  latencyMs: number;
  /** Moving the inputs the site does not read in place, at its measured staging throughput. */
  transferMs: number;
  /** Waiting in the local admission queue and the site's queue until the job starts. */
  waitMs: number;
  /** Latency, transfer and wait: when the job is expected to start running there, from now. */
  totalMs: number;
  /** The live values that were not measured yet, so cold-start values stood in. */
  assumed: string[];
}

/**
 * When the job would end on the site, from what this client observed there:
 *
 * - **transfer**: bytes of the inputs the site does not read in place ÷ the
 *   site's measured staging throughput;
 * - **wait**: the CPU cores asked by the jobs ahead of this one there (this
 *   client's jobs the site has not started, plus those waiting locally for
 *   admission), and this job's own, × the pace at which the site has been
 *   starting this client's jobs (milliseconds per core), and no less than
 *   the queue wait of the jobs that started there lately; with nothing
 *   ahead, that queue wait alone. An idle local site starts at once;
 *
 * The run itself then takes what the job's resources and work take: the
 * same on every site as far as a client can tell (it knows neither a job's
 * run time before it ran nor a site's speed), so the site where the job
 * starts first is the one where it ends first.
 *
 * @example
 * ```ts
 * declare const candidate: Candidate;
 * estimateCompletion(request, candidate).totalMs; // e.g. 95_000: it should start in 95 s
 * ```
 */
export function estimateCompletion(request: SelectionRequest, { site, live }: Candidate, assume: Partial<ColdStartAssumptions> = {}): CompletionEstimate {
  const prior = coldStartFor(site, assume);
  const assumed: string[] = [];
  const measured = (value: number | undefined, fallback: number, name: string): number => {
    if (value !== undefined) return value;
    assumed.push(name);
    return fallback;
  };
  const bytes = bytesToMove(site, request.inputs);
  const latencyMs = measured(live.latencyMs, prior.latencyMs, 'latency');
  const transferMs = bytes > 0 ? (bytes / measured(live.throughputBytesPerSec, prior.throughputBytesPerSec, 'throughput')) * 1000 : 0;
  // cores ahead of this job there; counted as one core per job where the network does not track cores
  const ahead = live.waitingCores ?? Math.max(0, live.inFlight - (live.running ?? 0)) + live.queued;
  let waitMs: number;
  if (ahead === 0) waitMs = measured(live.queueWaitMs, prior.queueWaitMs, 'queue wait');
  else {
    const perCore = measured(live.coreStartIntervalMs, prior.queueWaitMs, 'start pace');
    // no sooner than the jobs that started there lately waited
    waitMs = Math.max(live.queueWaitMs ?? 0, (ahead + request.resources.cores) * perCore);
  }
  return { latencyMs, transferMs, waitMs, totalMs: latencyMs + transferMs + waitMs, assumed };
}

/**
 * The default strategy: prefers the site where the job is expected to end
 * first (`estimateCompletion`: the transfer of its inputs, then the
 * wait behind the jobs ahead at the pace the site has been starting them;
 * the run takes as long anywhere as a client can tell), which keeps
 * scarce sites (the only GPU site, the only big-memory ones) free for the
 * jobs that can run nowhere else when they are busy, spreads the rest by how
 * fast each site actually drains, and moves data only when that ends the job
 * sooner. Sites that cannot take the job's resources or tags are dropped;
 * equal estimates keep the configuration's order.
 *
 * @example
 * ```ts
 * await network.submit(spec, { strategy: earliestCompletion(), inputSizes: { 's3://bucket/reads.fq': 4e9 } });
 * ```
 */
export function earliestCompletion(assume: Partial<ColdStartAssumptions> = {}): SiteSelector {
  return {
    name: 'earliestCompletion',
    select(request, candidates) {
      return rankCandidates('earliestCompletion', candidates, (candidate) => {
        const mismatch = resourceMismatch(request, candidate) ?? tagConflict(request.scheduling, candidate.site.tags);
        if (mismatch) return { exclude: mismatch };
        const e = estimateCompletion(request, candidate, assume);
        const when = e.totalMs < 1000 ? 'starts at once' : `expected to start in ${round(e.totalMs / 1000, 1)} s (transfer ${round(e.transferMs / 1000, 1)} s, wait ${round(e.waitMs / 1000, 1)} s)`;
        return {
          score: -e.totalMs / 1000,
          terms: { latencyMs: round(e.latencyMs), transferMs: round(e.transferMs), waitMs: round(e.waitMs) },
          reason: `${when}${e.assumed.length ? `; assumed ${e.assumed.join(', ')} (not measured yet)` : ''}`,
        };
      });
    },
  };
}
