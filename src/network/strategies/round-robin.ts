import type { SiteSelector } from '../types.js';
import { rankCandidates } from './rank.js';

/**
 * Takes the candidates in turn: the n-th selection of the network starts at
 * candidate n modulo their count. Pure: the turn comes from the request's
 * `sequence`, so replays give the same order.
 *
 * @example
 * ```ts
 * await network.submit(spec, { strategy: roundRobin() });
 * ```
 */
export function roundRobin(): SiteSelector {
  return {
    name: 'roundRobin',
    select(request, candidates) {
      const n = candidates.length;
      const start = n === 0 ? 0 : request.sequence % n;
      return rankCandidates('roundRobin', candidates, (_candidate, index) => {
        const position = (index - start + n) % n;
        return { score: n - position, terms: { position }, reason: `turn ${position + 1} of ${n} (selection #${request.sequence})` };
      });
    },
  };
}
