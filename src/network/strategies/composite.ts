import type { Candidate, ExcludedSite, RankedSite, SiteSelector } from '../types.js';
import { round } from './rank.js';

/** A scorer and how much it counts. */
export interface WeightedScorer {
  /** The strategy whose ranking scores the sites. */
  selector: SiteSelector;
  /** What its rescaled score (in [0, 1]) is multiplied by before the scores are summed. */
  weight: number;
}

/** How sites with equal total scores are ordered: seeded random, configuration order, or site weight. */
export type TieBreak = 'random' | 'order' | 'weight';

/** Options of {@link composite}. */
export interface CompositeOptions {
  /** Run in turn; each drops sites, their ranking is ignored. */
  filters?: SiteSelector[];
  /** Each one's scores are rescaled to [0, 1] over the remaining sites, weighted, and summed. */
  scorers?: WeightedScorer[];
  /** @default 'random' */
  tieBreak?: TieBreak;
  /** The name in decision records. @default built from the parts */
  name?: string;
}

/**
 * Composes strategies: hard filters, then weighted scorers, then a tie-break.
 * Each scorer's scores are rescaled to [0, 1] (best = 1) over the sites left,
 * so weights compare like with like; the record keeps each scorer's weighted
 * share as a term named after it, and its raw terms as `scorer.term`.
 *
 * @example
 * ```ts
 * const strategy = composite({
 *   filters: [resourceFit(), tags()],
 *   scorers: [
 *     { selector: dataLocality(), weight: 2 },
 *     { selector: leastLoaded(), weight: 1 },
 *   ],
 *   tieBreak: 'random',
 * });
 * ```
 */
export function composite(options: CompositeOptions): SiteSelector {
  const filters = options.filters ?? [];
  const scorers = options.scorers ?? [];
  const tieBreak = options.tieBreak ?? 'random';
  const name =
    options.name ??
    `composite(${[
      filters.map((f) => f.name).join('+') || '-',
      scorers.map((s) => `${s.weight}*${s.selector.name}`).join('+') || '-',
      tieBreak,
    ].join(' | ')})`;
  return {
    name,
    select(request, candidates, random) {
      const excluded: ExcludedSite[] = [];
      let remaining: readonly Candidate[] = candidates;
      for (const filter of filters) {
        const result = filter.select(request, remaining, random);
        excluded.push(...result.excluded);
        const kept = new Set(result.ranked.map((r) => r.site));
        remaining = remaining.filter((c) => kept.has(c.site.id));
      }
      const results = scorers.map((scorer) => ({ scorer, result: scorer.selector.select(request, remaining, random) }));
      const droppedByScorers = new Set<string>();
      for (const { result } of results) {
        for (const e of result.excluded) {
          if (!droppedByScorers.has(e.site)) excluded.push(e);
          droppedByScorers.add(e.site);
        }
      }
      remaining = remaining.filter((c) => !droppedByScorers.has(c.site.id));

      const ranked: Array<RankedSite & { index: number; tie: number }> = remaining.map((c, index) => ({
        site: c.site.id,
        score: 0,
        terms: {},
        reason: '',
        index,
        tie: 0,
      }));
      const reasons = ranked.map((): string[] => []);
      for (const { scorer, result } of results) {
        const bySite = new Map(result.ranked.map((r) => [r.site, r]));
        const scores = ranked.map((r) => bySite.get(r.site)?.score ?? 0);
        const low = Math.min(...scores);
        const high = Math.max(...scores);
        ranked.forEach((r, i) => {
          const own = bySite.get(r.site);
          const normalised = high > low ? ((scores[i] ?? 0) - low) / (high - low) : 1;
          const share = round(scorer.weight * normalised, 6);
          r.score += share;
          r.terms[scorer.selector.name] = share;
          for (const [term, value] of Object.entries(own?.terms ?? {})) r.terms[`${scorer.selector.name}.${term}`] = value;
          if (own) reasons[i]?.push(`${scorer.selector.name}: ${own.reason}`);
        });
      }
      ranked.forEach((r, i) => {
        r.score = round(r.score, 6);
        if (tieBreak === 'random') {
          r.tie = random.next();
          r.terms.tieBreak = round(r.tie, 6);
        } else if (tieBreak === 'weight') {
          r.tie = remaining[i]?.site.weight ?? 0;
        }
        r.reason = reasons[i]?.length ? reasons[i].join('; ') : 'passed every filter';
      });
      ranked.sort((a, b) => b.score - a.score || b.tie - a.tie || a.index - b.index);
      return { ranked: ranked.map(({ index: _i, tie: _t, ...site }) => site), excluded };
    },
  };
}
