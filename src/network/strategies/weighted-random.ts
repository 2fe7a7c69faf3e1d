import type { SiteSelector } from '../types.js';
import { rankCandidates, round } from './rank.js';

/**
 * Orders the candidates by a weighted random draw without replacement (as
 * TPV's `weighted_random_sampling`): a site of weight 2 comes first twice as
 * often as one of weight 1; weight 0 drains a site. With the same random
 * source the order is the same.
 *
 * @example
 * ```ts
 * await network.submit(spec, { strategy: weightedRandom(), seed: 'replay-1' });
 * ```
 */
export function weightedRandom(): SiteSelector {
  return {
    name: 'weightedRandom',
    select(_request, candidates, random) {
      return rankCandidates('weightedRandom', candidates, ({ site }) => {
        const draw = random.next();
        if (!(site.weight > 0)) return { exclude: `weight ${site.weight}: the site is drained` };
        // Efraimidis–Spirakis key u^(1/w), compared through its logarithm.
        const key = Math.log(Math.max(draw, Number.MIN_VALUE)) / site.weight;
        return { score: key, terms: { weight: site.weight, draw: round(draw, 6) }, reason: `weight ${site.weight}, draw ${round(draw)}` };
      });
    },
  };
}
