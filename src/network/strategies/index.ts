/**
 * The built-in site-selection strategies.
 * @module
 */
import type { SiteSelector } from '../types.js';
import { composite } from './composite.js';
import { dataLocality } from './data-locality.js';
import { fastest } from './fastest.js';
import { leastLoaded } from './least-loaded.js';
import { resourceFit } from './resource-fit.js';
import { tags } from './tags.js';

export { composite, type CompositeOptions, type TieBreak, type WeightedScorer } from './composite.js';
export { dataLocality } from './data-locality.js';
export { earliestCompletion, estimateCompletion, type CompletionEstimate } from './earliest-completion.js';
export { fastest } from './fastest.js';
export { leastLoaded } from './least-loaded.js';
export { pinned } from './pinned.js';
export { resourceFit, resourceMismatch } from './resource-fit.js';
export { roundRobin } from './round-robin.js';
export { tagConflict, tags, tagScore } from './tags.js';
export { weightedRandom } from './weighted-random.js';

/**
 * Drop sites that cannot take the job's resources or tags, then weigh data
 * transfer cost, expected start time and load equally, with a seeded random
 * tie-break. The default before `earliestCompletion`; it moves less data,
 * at the cost of a later end of the whole workload (docs/network-simulation.md).
 *
 * @example
 * ```ts
 * const mine = await Network.create(config, { strategy: balanced() });
 * ```
 */
export function balanced(): SiteSelector {
  return composite({
    name: 'balanced',
    filters: [resourceFit(), tags()],
    scorers: [
      { selector: dataLocality(), weight: 1 },
      { selector: fastest(), weight: 1 },
      { selector: leastLoaded(), weight: 1 },
    ],
    tieBreak: 'random',
  });
}
