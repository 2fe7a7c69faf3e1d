/**
 * The shapes site selection works on: the static and live views of a site,
 * the request a job makes, and the {@link SiteSelector} interface.
 * @module
 */
import type { SiteKind } from '../sites/site.js';
import type { RandomSource } from './random.js';

/** Per-job resources a site accepts (as TPV's `min/max_accepted_*`). Absent = no limit. */
export interface SiteResources {
  /** Most CPU cores one job may ask for (TES `cpu_cores`); absent = no limit. */
  maxCores?: number;
  /** Most memory one job may ask for, in GB (TES `ram_gb`); absent = no limit. */
  maxMemoryGb?: number;
  /** Most GPUs one job may ask for; absent = no limit. */
  maxGpus?: number;
  /** Fewest CPU cores a job must ask for; absent = no limit. */
  minCores?: number;
  /** Least memory a job must ask for, in GB; absent = no limit. */
  minMemoryGb?: number;
  /** Fewest GPUs a job must ask for; absent = no limit. */
  minGpus?: number;
}

/**
 * Tag constraints with TPV's meaning. On a site or a job: `require` tags must
 * be present on the other side, `reject` tags must be absent, `prefer` and
 * `accept` only score (3, 2, 1 and -1 points for require, prefer, accept, reject).
 */
export interface TagConstraints {
  /** Tags that must be present on the other side (weight 3 in the tag score). */
  require?: string[];
  /** Tags that are preferred (weight 2 in the tag score). */
  prefer?: string[];
  /** Tags that are accepted (weight 1 in the tag score). */
  accept?: string[];
  /** Tags that must be absent from the other side (weight -1 in the tag score). */
  reject?: string[];
}

/** Where a site is. Informative; selection uses measured throughput, not distance. */
export interface SiteLocation {
  /** Human-readable place name, e.g. a city or data centre. */
  name?: string;
  /** Country, as written in the configuration (e.g. an ISO 3166 code). */
  country?: string;
  /** Latitude in degrees, in [-90, 90]. */
  latitude?: number;
  /** Longitude in degrees, in [-180, 180]. */
  longitude?: number;
}

/** A submit rate limit: `perSecond` tokens refill, at most `burst` at once. */
export interface SubmitRate {
  /** Tokens added per second (> 0): the average submit rate. */
  perSecond: number;
  /** Most tokens held at once: submits allowed back to back (integer >= 1; a configuration's default is 1). */
  burst: number;
}

/** The static view of a site: its configuration merged with what probes read. */
export interface SiteDescription {
  /** The site's unique id from the configuration. */
  id: string;
  /** Which adapter talks to the site. */
  kind: SiteKind;
  /** The site's endpoint; absent only for a `local` site configured without one. */
  url?: string;
  /** Per-job resource limits; `{}` when none are configured. */
  resources: SiteResources;
  /** The site's tag constraints; `{}` when none are configured. */
  tags: TagConstraints;
  /** Where the site is, when configured. */
  location?: SiteLocation;
  /** URL prefixes of storage the site reads directly (config plus TES service-info `storage`). */
  storages: string[];
  /** Relative weight for weighted choices; 0 drains the site. */
  weight: number;
  /** Most jobs this client keeps in flight on the site; absent = no limit. */
  maxInFlight?: number;
  /** Submit rate limit of this client on the site; absent = no limit. */
  submitRate?: SubmitRate;
  /** The server's version, as the last probe read it. */
  version?: string;
  /** Backend parameter keys the site accepts (TES service-info), when known. */
  backendParameters?: string[];
}

/**
 * Health as the network judges it from probes and traffic: `healthy`;
 * `degraded` (many recent calls failed); `unreachable` (the last probe got
 * no answer: connection refused, no such host, TLS failure, timeout) or
 * `refusing` (it answered with an error), until the site answers again;
 * `down` (circuit breaker open); `unknown` (nothing observed yet).
 */
export type HealthStatus = 'healthy' | 'degraded' | 'unreachable' | 'refusing' | 'down' | 'unknown';

/** State of a site's circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** The live view of a site, from this client's own probes and traffic. */
export interface SiteLiveView {
  /** Health from probes and traffic; `unknown` until the first probe or call. */
  health: HealthStatus;
  /** State of the site's circuit breaker. */
  breaker: BreakerState;
  /** Jobs of this client the site holds now (submitted and not finished). */
  inFlight: number;
  /** Jobs of this client waiting in the local admission queue for this site. */
  queued: number;
  /** Of the jobs in flight, those the site has started (the others wait in its queue); absent when not tracked. */
  running?: number;
  /** CPU cores asked by this client's jobs ahead of a new one there: in flight and not started, or queued locally; absent when not tracked. */
  waitingCores?: number;
  /** Share of recent calls that failed, in [0, 1]. */
  errorRate: number;
  /** Latency EWMA of calls to the site, in milliseconds; absent until measured. */
  latencyMs?: number;
  /** Staging throughput EWMA, in bytes per second; absent until measured. */
  throughputBytesPerSec?: number;
  /** EWMA of the time this client's jobs waited from submit to running, in milliseconds. */
  queueWaitMs?: number;
  /**
   * How fast the site drains this client's queue: EWMA of the time between
   * two starts of its jobs there, per CPU core the later job asked for, in
   * milliseconds per core.
   */
  coreStartIntervalMs?: number;
  /** Failures (calls, jobs lost, system errors) since the last success. */
  recentFailures: number;
  /** Why the last probe failed, while the site has not answered since. */
  probeError?: string;
}

/** One site as a selector sees it. */
export interface Candidate {
  /** The site's static view. */
  site: SiteDescription;
  /** The site's live view at selection time. */
  live: SiteLiveView;
}

/** Resources a job asks for. */
export interface ResourceRequest {
  /** CPU cores (TES `cpu_cores`; 1 when the spec sets none). */
  cores: number;
  /** Memory in GB (TES `ram_gb`; 0 when the spec sets none). */
  memoryGb: number;
  /** GPUs (from submit hints or `backend_parameters.gpu`/`gpus`; 0 when neither sets it). */
  gpus: number;
}

/** One input with its estimated size. */
export interface InputEstimate {
  /** The input's URL. */
  url: string;
  /** Its size in bytes; 0 when unknown. */
  bytes: number;
}

/** What a job needs, as selection reads it (built from the job spec and submit options). */
export interface SelectionRequest {
  /** The job's name, for reasons and records. */
  name?: string;
  /** Resources the job asks for. */
  resources: ResourceRequest;
  /** Inputs fetched from a URL, with their sizes (0 when unknown). */
  inputs: InputEstimate[];
  /** The job's tag constraints. */
  scheduling: TagConstraints;
  /** Backend parameter keys the job sets. */
  backendParameters: string[];
  /** True when the job asks sites to refuse unknown backend parameters. */
  backendParametersStrict: boolean;
  /** Ordinal of this selection in the network (drives round-robin). */
  sequence: number;
}

/** A site a selector kept, with its score (higher is better) and the terms it is made of. */
export interface RankedSite {
  /** The site's id. */
  site: string;
  /** The score; higher is better. */
  score: number;
  /** Named terms the score is made of, for decision records. */
  terms: Record<string, number>;
  /** Human-readable explanation of the score. */
  reason: string;
}

/** A site a selector dropped, and why. */
export interface ExcludedSite {
  /** The site's id. */
  site: string;
  /** The selector (or filter) that dropped it. */
  by: string;
  /** Human-readable reason it was dropped. */
  reason: string;
}

/** What a selector returns: best first, plus every site it dropped. */
export interface SelectionResult {
  /** Sites kept, best first. */
  ranked: RankedSite[];
  /** Sites dropped, with the reason. */
  excluded: ExcludedSite[];
}

/**
 * A site-selection strategy. It must be a pure function of its arguments:
 * the same request, candidates and random sequence give the same result
 * (this is what makes decision records replayable). A user strategy is any
 * object with a `name` and a `select` method.
 *
 * @example
 * ```ts
 * // Prefer sites whose name starts with "eu-", then the least loaded.
 * const europeFirst: SiteSelector = {
 *   name: 'europeFirst',
 *   select(request, candidates) {
 *     const ranked = candidates
 *       .map(({ site, live }) => {
 *         const europe = site.id.startsWith('eu-') ? 1 : 0;
 *         const load = live.inFlight + live.queued;
 *         return { site: site.id, score: europe * 1000 - load, terms: { europe, load }, reason: europe ? 'in Europe' : 'outside Europe' };
 *       })
 *       .sort((a, b) => b.score - a.score);
 *     return { ranked, excluded: [] };
 *   },
 * };
 * await network.submit(spec, { strategy: europeFirst });
 * ```
 */
export interface SiteSelector {
  /** A short name written in decision records. */
  readonly name: string;
  /** Ranks the candidates for the request; must use only `random` for randomness. */
  select(request: SelectionRequest, candidates: readonly Candidate[], random: RandomSource): SelectionResult;
}

/** Values assumed for a site before anything was measured (no unbounded cold-start bias). */
export interface ColdStartAssumptions {
  /** @default 10_000_000 (10 MB/s) */
  throughputBytesPerSec: number;
  /** @default 1000 */
  latencyMs: number;
  /** @default 60_000 */
  queueWaitMs: number;
}

/** The assumptions used when a live value is absent. */
export const COLD_START: ColdStartAssumptions = {
  throughputBytesPerSec: 10_000_000,
  latencyMs: 1000,
  queueWaitMs: 60_000,
};

/**
 * The cold-start assumptions for one site: {@link COLD_START} with `assume`
 * over it, except that the embedded local site has no call latency and an
 * idle one starts a job at once.
 *
 * @example
 * ```ts
 * coldStartFor({ kind: 'local' }).queueWaitMs; // 0
 * ```
 */
export function coldStartFor(site: Pick<SiteDescription, 'kind'>, assume: Partial<ColdStartAssumptions> = {}): ColdStartAssumptions {
  return { ...COLD_START, ...(site.kind === 'local' ? { latencyMs: 0, queueWaitMs: 0 } : {}), ...assume };
}
