import type { SiteSelector } from '../types.js';
import { rankCandidates, round } from './rank.js';

/**
 * Prefers the site holding the fewest of this client's jobs, relative to its
 * `maxInFlight` when set: load = (in flight + queued locally) ÷ maxInFlight.
 *
 * @example
 * ```ts
 * await network.submit(spec, { strategy: leastLoaded() });
 * ```
 */
export function leastLoaded(): SiteSelector {
  return {
    name: 'leastLoaded',
    select(_request, candidates) {
      return rankCandidates('leastLoaded', candidates, ({ site, live }) => {
        const jobs = live.inFlight + live.queued;
        const load = site.maxInFlight ? jobs / site.maxInFlight : jobs;
        const of = site.maxInFlight ? ` of ${site.maxInFlight}` : '';
        return {
          score: -load,
          terms: { inFlight: live.inFlight, queued: live.queued, load: round(load) },
          reason: `${live.inFlight} in flight and ${live.queued} queued${of}`,
        };
      });
    },
  };
}
