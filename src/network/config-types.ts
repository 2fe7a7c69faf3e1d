/**
 * The shape of a network configuration, as written in an object, a JSON or a
 * YAML file. `docs/network-config.md` documents every field.
 * @module
 */
import type { SiteKind } from '../sites/site.js';
import type { CircuitBreaker, CircuitBreakerOptions } from './breaker.js';
import type { SiteLocation, SiteResources, SubmitRate, TagConstraints } from './types.js';

/**
 * How a site authenticates, by reference: the secret itself lives in an
 * environment variable (`*Env`) or comes from a token provider named in
 * {@link NetworkOptions.tokenProviders}. Inline secrets (`token`, `password`,
 * `value`) are accepted with a warning that never prints them.
 */
export type AuthConfig =
  | { type: 'none' }
  | { type: 'bearer'; tokenEnv?: string; tokenProvider?: string; token?: string }
  | { type: 'basic'; username: string; passwordEnv?: string; password?: string }
  | { type: 'query'; name?: string; valueEnv?: string; value?: string };

/** One site in a configuration. */
export interface SiteConfig {
  /** Unique name: letters, digits, `.`, `_`, `-`. */
  id: string;
  kind: SiteKind;
  /** The endpoint; not needed for `local`. */
  url?: string;
  auth?: AuthConfig;
  resources?: SiteResources;
  /** A list (all `accept`) or TPV-style constraints. */
  tags?: string[] | TagConstraints;
  location?: SiteLocation;
  /** URL prefixes of storage the site reads in place. */
  storages?: string[];
  /** @default 1 */
  weight?: number;
  maxInFlight?: number;
  submitRate?: SubmitRate;
  /** Adapter-specific settings passed untouched to the site factory. */
  options?: Record<string, unknown>;
}

/** A strategy in a configuration: a built-in's name, or a declarative composite. */
export type StrategyConfig =
  | string
  | {
      filters?: string[];
      /** Built-in name → weight. */
      scorers?: Record<string, number>;
      tieBreak?: 'random' | 'order' | 'weight';
    }
  | { pinned: string[] };

/** Circuit-breaker settings (the options of {@link CircuitBreaker} that a file can set). */
export type BreakerConfig = Pick<CircuitBreakerOptions, 'failureThreshold' | 'errorRate' | 'window' | 'minimumCalls' | 'openMs' | 'maxOpenMs'>;

/** Health settings. */
export interface HealthConfig {
  /** Mean time between active probes of a site, in milliseconds. @default 60000 */
  probeIntervalMs?: number;
  /** Share of the interval randomised, in [0, 1]. @default 0.2 */
  probeJitter?: number;
  /** Time limit of one probe, in milliseconds. @default 10000 */
  probeTimeoutMs?: number;
  /** Smoothing of latency, throughput and queue-wait averages, in (0, 1]. @default 0.3 */
  ewmaAlpha?: number;
  breaker?: BreakerConfig;
}

/** Backoff between failovers (the library's one retry policy). */
export interface BackoffConfig {
  minDelay?: number;
  maxDelay?: number;
  factor?: number;
  jitter?: number;
}

/** Failover settings. */
export interface FailoverConfig {
  /** Sites tried per job, the first included. @default 3 */
  maxAttempts?: number;
  backoff?: BackoffConfig;
  /** A job still queued this long after acceptance counts as stuck. Absent = never. */
  queuedDeadlineMs?: number;
  /** Whether a stuck job is canceled and resubmitted elsewhere. @default false */
  resubmitQueued?: boolean;
  /** A job whose site cannot be reached for this long is lost. @default 300000 */
  lostAfterMs?: number;
  /** Status poll interval of the default watcher, in milliseconds. @default 5000 */
  pollIntervalMs?: number;
  /** Longest total wait, in milliseconds, for an open circuit breaker when every site left is behind one. @default 300000 */
  waitForSiteMs?: number;
}

/** Values applied to every site that does not set its own. */
export interface SiteDefaults {
  maxInFlight?: number;
  submitRate?: SubmitRate;
  weight?: number;
}

/** A whole network configuration. */
export interface NetworkConfig {
  /** Seed of every random choice; a fresh one is drawn (and recorded) when absent. */
  seed?: string | number;
  strategy?: StrategyConfig;
  defaults?: SiteDefaults;
  health?: HealthConfig;
  failover?: FailoverConfig;
  sites: SiteConfig[];
}
