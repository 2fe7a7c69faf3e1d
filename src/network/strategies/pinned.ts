import type { SiteSelector } from '../types.js';
import { rankCandidates } from './rank.js';

/**
 * Only the named sites, in the order given (the first is tried first). The
 * way to replay a recorded decision or honour a user's choice of site.
 *
 * @example
 * ```ts
 * await network.submit(spec, { strategy: pinned('it03', 'cz01') });
 * ```
 */
export function pinned(...siteIds: string[]): SiteSelector {
  return {
    name: `pinned(${siteIds.join(',')})`,
    select(_request, candidates) {
      return rankCandidates('pinned', candidates, ({ site }) => {
        const at = siteIds.indexOf(site.id);
        if (at < 0) return { exclude: 'not one of the pinned sites' };
        return { score: siteIds.length - at, terms: { pin: at + 1 }, reason: `pinned, choice ${at + 1} of ${siteIds.length}` };
      });
    },
  };
}
