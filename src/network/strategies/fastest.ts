import { bytesToMove } from '../locality.js';
import { coldStartFor, type ColdStartAssumptions, type SiteSelector } from '../types.js';
import { rankCandidates, round } from './rank.js';

/**
 * Prefers the site expected to start the job soonest: call latency + the
 * queue wait this client observed there, scaled by its own backlog there
 * (1 + (in flight + queued) ÷ maxInFlight), + staging the inputs it does
 * not read in place at the measured throughput. Unmeasured values use cold-start assumptions (said in
 * the reason; an idle local site starts at once).
 *
 * @example
 * ```ts
 * await network.submit(spec, { strategy: fastest() });
 * ```
 */
export function fastest(assume: Partial<ColdStartAssumptions> = {}): SiteSelector {
  return {
    name: 'fastest',
    select(request, candidates) {
      return rankCandidates('fastest', candidates, ({ site, live }) => {
        const prior = coldStartFor(site, assume);
        const bytes = bytesToMove(site, request.inputs);
        const latencyMs = live.latencyMs ?? prior.latencyMs;
        // the measured wait grows with this client's own backlog there (jobs ahead of this one)
        const backlog = site.maxInFlight ? (live.inFlight + live.queued) / site.maxInFlight : live.inFlight + live.queued;
        const queueWaitMs = (live.queueWaitMs ?? prior.queueWaitMs) * (1 + backlog);
        const throughput = live.throughputBytesPerSec ?? prior.throughputBytesPerSec;
        const stagingMs = (bytes / throughput) * 1000;
        const totalMs = latencyMs + queueWaitMs + stagingMs;
        const assumed = [
          live.latencyMs === undefined ? 'latency' : '',
          live.queueWaitMs === undefined ? 'queue wait' : '',
          live.throughputBytesPerSec === undefined && bytes > 0 ? 'throughput' : '',
        ].filter(Boolean);
        return {
          score: -totalMs / 1000,
          terms: { latencyMs: round(latencyMs), queueWaitMs: round(queueWaitMs), stagingMs: round(stagingMs) },
          reason: `expected start in ${round(totalMs / 1000, 1)} s${assumed.length ? ` (assumed ${assumed.join(', ')})` : ''}`,
        };
      });
    },
  };
}
