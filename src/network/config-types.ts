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
  | {
      /** No credentials. */
      type: 'none';
    }
  | {
      /** `Authorization: Bearer <token>`; exactly one of `tokenEnv`, `tokenProvider`, `token`. */
      type: 'bearer';
      /** Name of the environment variable holding the token. */
      tokenEnv?: string;
      /** Name of a token provider given in {@link NetworkOptions.tokenProviders}. */
      tokenProvider?: string;
      /** The token inline (accepted with a warning). */
      token?: string;
    }
  | {
      /** HTTP basic authentication; exactly one of `passwordEnv`, `password`. */
      type: 'basic';
      /** The user name. */
      username: string;
      /** Name of the environment variable holding the password. */
      passwordEnv?: string;
      /** The password inline (accepted with a warning). */
      password?: string;
    }
  | {
      /** A secret sent as a query parameter (as Pulsar's `private_token`); exactly one of `valueEnv`, `value`. */
      type: 'query';
      /** The query parameter's name. @default 'private_token' */
      name?: string;
      /** Name of the environment variable holding the secret. */
      valueEnv?: string;
      /** The secret inline (accepted with a warning). */
      value?: string;
    };

/** One site in a configuration. */
export interface SiteConfig {
  /** Unique name: letters, digits, `.`, `_`, `-`. */
  id: string;
  /** Which adapter talks to the site. */
  kind: SiteKind;
  /** The endpoint; not needed for `local`. */
  url?: string;
  /** How the site authenticates. @default { type: 'none' } */
  auth?: AuthConfig;
  /** Per-job resource limits; absent = no limit. */
  resources?: SiteResources;
  /** A list (all `accept`) or TPV-style constraints. */
  tags?: string[] | TagConstraints;
  /** Where the site is (informative). */
  location?: SiteLocation;
  /** URL prefixes of storage the site reads in place. */
  storages?: string[];
  /** Relative weight for weighted choices (>= 0; 0 drains the site). @default defaults.weight, else 1 */
  weight?: number;
  /** Most jobs this client keeps on the site at once (integer >= 1). @default defaults.maxInFlight, else no limit */
  maxInFlight?: number;
  /** Submit rate limit of this client on the site. @default defaults.submitRate, else no limit */
  submitRate?: SubmitRate;
  /** Adapter-specific settings passed untouched to the site factory. */
  options?: Record<string, unknown>;
}

/** A strategy in a configuration: a built-in's name, or a declarative composite. */
export type StrategyConfig =
  | string
  | {
      /** Built-in names used as hard filters, in order. */
      filters?: string[];
      /** Built-in name → weight. */
      scorers?: Record<string, number>;
      /** How equal total scores are ordered. @default 'random' */
      tieBreak?: 'random' | 'order' | 'weight';
    }
  | {
      /** Site ids tried in this order; cannot be combined with the other keys. */
      pinned: string[];
    };

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
  /**
   * Longest wait of `Network.create` for the first probe of every site, in
   * milliseconds: the first decision then knows which sites answer (a site
   * whose probe is still out ranks below those that answered). @default 2000
   */
  firstProbeWaitMs?: number;
  /** Smoothing of latency, throughput and queue-wait averages, in (0, 1]. @default 0.3 */
  ewmaAlpha?: number;
  /** Circuit-breaker settings of every site. */
  breaker?: BreakerConfig;
}

/** Backoff between failovers (the library's one retry policy). */
export interface BackoffConfig {
  /** Delay before the first failover, in milliseconds. @default 1000 */
  minDelay?: number;
  /** Largest delay, in milliseconds. @default 30000 */
  maxDelay?: number;
  /** Growth of the delay per failover (>= 1). @default 2 */
  factor?: number;
  /** Share of each delay that is randomised, in [0, 1]. @default 0.5 */
  jitter?: number;
}

/** Failover settings. */
export interface FailoverConfig {
  /** Sites tried per job, the first included. @default 3 */
  maxAttempts?: number;
  /** Backoff between one site and the next. */
  backoff?: BackoffConfig;
  /** A job still queued this long after acceptance counts as stuck. Absent = never. */
  queuedDeadlineMs?: number;
  /** Whether a stuck job is canceled and resubmitted elsewhere. @default false */
  resubmitQueued?: boolean;
  /** A job whose site cannot be reached for this long is lost. @default 300000 */
  lostAfterMs?: number;
  /**
   * Shortest status poll interval of a site's poller (right after a change;
   * it backs off to 30 s, or to this interval if longer, while nothing
   * changes), in milliseconds. @default 5000
   */
  pollIntervalMs?: number;
  /** A job its site does not report for this long is announced by a `site` event (`silent`), in milliseconds; only when shorter than `lostAfterMs`. @default 60000 */
  silentAfterMs?: number;
  /** Longest total wait, in milliseconds, for an open circuit breaker when every site left is behind one. @default 300000 */
  waitForSiteMs?: number;
}

/** Values applied to every site that does not set its own. */
export interface SiteDefaults {
  /** Most jobs this client keeps on a site at once (integer >= 1); absent = no limit. */
  maxInFlight?: number;
  /** Submit rate limit on a site; absent = no limit. */
  submitRate?: SubmitRate;
  /** Relative weight of a site (>= 0). @default 1 */
  weight?: number;
}

/** A whole network configuration. */
export interface NetworkConfig {
  /** Seed of every random choice; a fresh one is drawn (and recorded) when absent. */
  seed?: string | number;
  /** How sites are chosen; absent = `NetworkOptions.strategy`, else `earliestCompletion()`. */
  strategy?: StrategyConfig;
  /** Values for sites that do not set their own. */
  defaults?: SiteDefaults;
  /** Probe and circuit-breaker settings. */
  health?: HealthConfig;
  /** Failover settings. */
  failover?: FailoverConfig;
  /** The sites: at least one, ids unique. */
  sites: SiteConfig[];
}
