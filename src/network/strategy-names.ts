/**
 * The names of the built-in strategies a configuration may use, apart from
 * the strategies themselves: checking a configuration does not load them.
 * @module
 */

/** Names of the built-in strategies a configuration may use (`pinned` has a form of its own). */
export const STRATEGY_NAMES = ['earliestCompletion', 'balanced', 'roundRobin', 'weightedRandom', 'leastLoaded', 'fastest', 'dataLocality', 'resourceFit', 'tags'] as const;

/** One of {@link STRATEGY_NAMES}. */
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** True for a built-in strategy's name. */
export function isStrategyName(name: unknown): name is StrategyName {
  return (STRATEGY_NAMES as readonly unknown[]).includes(name);
}
