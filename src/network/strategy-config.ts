/**
 * Builds a strategy from its declarative form in a configuration.
 * @module
 */
import type { StrategyConfig } from './config-types.js';
import {
  balanced,
  composite,
  dataLocality,
  earliestCompletion,
  fastest,
  leastLoaded,
  pinned,
  resourceFit,
  roundRobin,
  tags,
  weightedRandom,
} from './strategies/index.js';
import type { SiteSelector } from './types.js';
import { isStrategyName, type StrategyName } from './strategy-names.js';

// Typed by name, so a strategy added to STRATEGY_NAMES without a builder here does not compile.
const BUILT_INS: Record<StrategyName, () => SiteSelector> = {
  earliestCompletion,
  balanced,
  roundRobin,
  weightedRandom,
  leastLoaded,
  fastest,
  dataLocality,
  resourceFit,
  tags,
};

/**
 * The strategy a configuration describes. Throws `RangeError` for an unknown
 * name (configurations are validated before this is reached).
 *
 * @example
 * ```ts
 * strategyFromConfig({ filters: ['resourceFit', 'tags'], scorers: { dataLocality: 2, leastLoaded: 1 }, tieBreak: 'random' });
 * ```
 */
export function strategyFromConfig(config: StrategyConfig): SiteSelector {
  const make = (name: string): SiteSelector => {
    // Only own names: `constructor` or `__proto__` is no strategy.
    if (!isStrategyName(name)) throw new RangeError(`unknown strategy "${name}"`);
    return BUILT_INS[name]();
  };
  if (typeof config === 'string') return make(config);
  if ('pinned' in config) return pinned(...config.pinned);
  return composite({
    filters: (config.filters ?? []).map(make),
    scorers: Object.entries(config.scorers ?? {}).map(([name, weight]) => ({ selector: make(name), weight })),
    tieBreak: config.tieBreak ?? 'random',
  });
}
