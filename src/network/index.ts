/**
 * The network: sites from a configuration, health, pluggable site selection,
 * failover, admission and decision records.
 * @module
 */
export { SiteAdmission, type AdmissionSnapshot, type QueuedJob } from './admission.js';
export { CircuitBreaker, type CircuitBreakerOptions } from './breaker.js';
export { parseNetworkConfig } from './config-text.js';
export {
  validateNetworkConfig,
  type ConfigContext,
  type ResolvedFailover,
  type ResolvedHealth,
  type ResolvedNetworkConfig,
  type ResolvedSite,
} from './config.js';
export type {
  AuthConfig,
  BackoffConfig,
  BreakerConfig,
  FailoverConfig,
  HealthConfig,
  NetworkConfig,
  SiteConfig,
  SiteDefaults,
  StrategyConfig,
} from './config-types.js';
export { decide, DECISION_SCHEMA, type AttemptRecord, type DecisionInput, type DecisionRecord, type FailoverRecord } from './decision.js';
export { ineligibleSites, invalidEverywhere } from './eligibility.js';
export { classifyEnding, isStuck, nextSite, type AttemptEnding, type FailoverVerdict, type StuckCheck } from './failover.js';
export { bytesToMove, readsInPlace } from './locality.js';
export { Network, type NetworkAttachOptions, type NetworkEvents, type NetworkOptions, type SiteStatus, type NetworkSubmitOptions } from './network.js';
export { deriveRandom, freshId, hashSeed, seededRandom, type RandomSource } from './random.js';
export { SiteRegistry, type SiteFactory, type SiteFactoryContext } from './registry.js';
export { pulsarRestSiteFactory } from './factories/pulsar.js';
export { tesSiteFactory } from './factories/tes.js';
export { selectionRequest, type SelectionHints } from './request.js';
export { Ewma, SiteHealth, type ObservationSource, type SiteHealthOptions } from './site-health.js';
export * from './strategies/index.js';
export { strategyFromConfig } from './strategy-config.js';
export { isStrategyName, STRATEGY_NAMES, type StrategyName } from './strategy-names.js';
export { TokenBucket } from './token-bucket.js';
export * from './types.js';
