/**
 * `Network`: sites from a configuration, their health, admission, site
 * selection with decision records, and failover.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import type { ValidationError } from '../errors.js';
import { JobEngine } from '../jobs/engine.js';
import type { JobRun } from '../jobs/engine-run.js';
import { attachOnSite } from '../jobs/engine-steps.js';
import type { JobDoneEvent, JobErrorEvent, JobEvent, JobLogEvent, JobSiteEvent, JobStateEvent, JobTransferEvent } from '../jobs/events.js';
import type { Job } from '../jobs/job.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { Site, SiteProbe } from '../sites/site.js';
import type { AdmissionSnapshot } from './admission.js';
import type { BreakerState, Candidate, SiteSelector } from './types.js';
import type { ConfigContext, ResolvedNetworkConfig } from './config.js';
import type { NetworkConfig } from './config-types.js';
import { decide, type DecisionRecord } from './decision.js';
import type { NetworkContext, NetworkJobState } from './network-attempt.js';
import { runNetworkJob } from './network-run.js';
import { buildSites, checkSites } from './network-sites.js';
import { freshId } from './random.js';
import type { SiteRegistry } from './registry.js';
import { portableSiteRegistry } from './factories/portable.js';
import { selectionRequest, type SelectionHints } from './request.js';
import { candidateOf, type SiteEntry } from './site-entry.js';
import { earliestCompletion } from './strategies/index.js';
import { strategyFromConfig } from './strategy-config.js';
import { ineligibleSites } from './eligibility.js';
import { SiteProber } from './prober.js';

/** Options of {@link Network.create}. */
export interface NetworkOptions extends ConfigContext {
  /**
   * Factories that build sites by kind.
   * @default every kind this entry can build: `tes` and `pulsar-rest` from
   * `pulsar-network`; `local`, `tes`, `pulsar-rest` and `pulsar-amqp` from
   * `pulsar-network/node`
   */
  registry?: SiteRegistry;
  /** Sites built by the caller, by id; they take precedence over the registry. */
  sites?: Record<string, Site>;
  /** The default strategy (overrides the configuration's). @default earliestCompletion() */
  strategy?: SiteSelector;
  /** The seed (overrides the configuration's). @default a fresh random seed, written in every record */
  seed?: string | number;
  /**
   * The engine that drives the network's jobs (one batched poller per site).
   * @default an engine of its own: polls every `failover.pollIntervalMs`
   * after a change (backing off to 30 s, or the interval if longer), a job
   * silent after `failover.silentAfterMs` and lost after `failover.lostAfterMs`
   */
  engine?: JobEngine;
  /** The clock. @default Date.now */
  now?: () => number;
  /** Makes job ids and idempotency keys. @default a random UUID */
  newId?: () => string;
  /** Apply hard filters (open breaker, resources, tags) before every strategy, and rank sites by health last. @default true */
  hardFilters?: boolean;
  /**
   * Probe every site at once and then every `health.probeIntervalMs`;
   * `create` waits up to `health.firstProbeWaitMs` (2 s) for the first
   * round, so the first decision knows which sites answer. `false`: no
   * probes until {@link Network.startProbes} or {@link Network.probe}.
   * @default true
   */
  probes?: boolean;
}

/** Options of {@link Network.submit} and {@link Network.explain}. */
export interface NetworkSubmitOptions extends SelectionHints {
  /** The strategy for this job (overrides the network's). */
  strategy?: SiteSelector;
  /** Aborting it cancels the job, as `job.cancel()` does. */
  signal?: AbortSignal;
  /** A seed for this job's decision (overrides the network's). */
  seed?: string | number;
  /** The job's id (also the base of its idempotency keys). @default a fresh UUID */
  id?: string;
  /**
   * Sites this job may not go to, by id, each with the reason; the record
   * lists them as excluded `by: 'policy'` (a gateway's URL policy admits
   * some jobs on some sites only).
   */
  excludeSites?: Readonly<Record<string, string>>;
}

/** Options of {@link Network.attach}. */
export interface NetworkAttachOptions {
  /** The job's id (keep the one it had). @default a fresh UUID */
  id?: string;
  /**
   * The key the job was submitted with. Needed only when `remoteId` is
   * unknown: the site is then asked again with this key, which gives back
   * the job it made earlier (or makes it now, once).
   */
  idempotencyKey?: string;
}

/** A site as the network sees it now. */
export type SiteStatus = Candidate;

/**
 * Events of a network: every event of every job it drives (submitted or
 * attached), exactly as the job emits it (each with its `jobId`), plus
 * decisions and site health. Listening here keeps no process alive.
 */
export interface NetworkEvents {
  /** A job moved to a new state. */
  state: (event: JobStateEvent) => void;
  /** A piece of a job's logs (live logs are read while something listens here or on the job). */
  log: (event: JobLogEvent) => void;
  /** Progress of one file of a job. */
  transfer: (event: JobTransferEvent) => void;
  /** Something happened between a job and a site: `trying`, `submitted`, `attached`, `failover`, `silent`. */
  site: (event: JobSiteEvent) => void;
  /** Something went wrong with a job (fatal or not). */
  error: (event: JobErrorEvent) => void;
  /** A job ended. */
  done: (event: JobDoneEvent) => void;
  /** A job was submitted: the record of its site selection (updated in place as the job goes on). */
  decision: (record: DecisionRecord) => void;
  /** A site's circuit breaker changed state, and why. */
  breaker: (info: { site: string; from: BreakerState; to: BreakerState; reason: string }) => void;
  /** An active probe of a site finished (successfully or not). */
  probe: (info: { site: string; probe: SiteProbe }) => void;
}

/**
 * A network of compute sites.
 *
 * @example
 * ```ts
 * const yamlText = 'sites:\n  - { id: laptop, kind: local }\n';
 * const network = await Network.create(yamlText, { registry, tokenProviders: { egi: async () => 'egi-access-token' } });
 * network.on('site', (e) => e.action === 'failover' && console.log(e.jobId, 'left', e.siteId, e.reason));
 * console.log(network.explain(spec).candidates);
 * const job = network.submit(spec, { inputSizes: { 's3://bucket/reads.fq': 4e9 } });
 * job.on('site', ({ action, siteId, reason }) => console.log(action, siteId, reason));
 * const result = await job.wait();
 * console.log(result.state, network.decision(job));
 * ```
 */
export class Network extends EventEmitter<NetworkEvents> {
  readonly #entries: Map<string, SiteEntry>;
  readonly #strategy: SiteSelector;
  readonly #seed: string | number;
  readonly #now: () => number;
  readonly #newId: () => string;
  /** True when ids are random UUIDs made here: keys made from them were never sent before. */
  readonly #randomIds: boolean;
  readonly #hardFilters: boolean;
  readonly #engine: JobEngine;
  readonly #ownEngine: boolean;
  readonly #context: NetworkContext;
  #sequence = 0;
  /** The network's jobs that have not ended, by id: released when they end. */
  readonly #live = new Map<string, NetworkJobState>();
  /** The decision record of each job whose handle is held: released with the handle. */
  readonly #records = new WeakMap<Job, DecisionRecord>();
  readonly #observe = (event: JobEvent): void => void (this.emit as (name: string, payload: JobEvent) => boolean)(event.type, event);
  readonly #prober: SiteProber;

  protected constructor(config: ResolvedNetworkConfig, entries: Map<string, SiteEntry>, options: NetworkOptions) {
    super();
    this.#entries = entries;
    this.#strategy = options.strategy ?? (config.strategy ? strategyFromConfig(config.strategy) : earliestCompletion());
    this.#seed = options.seed ?? config.seed ?? freshId();
    this.#now = options.now ?? (() => Date.now());
    this.#newId = options.newId ?? freshId;
    this.#randomIds = options.newId === undefined;
    this.#hardFilters = options.hardFilters ?? true;
    this.#ownEngine = options.engine === undefined;
    const { pollIntervalMs, lostAfterMs, silentAfterMs } = config.failover;
    this.#engine =
      options.engine ??
      new JobEngine({ poll: { minIntervalMs: pollIntervalMs, maxIntervalMs: Math.max(30_000, pollIntervalMs) }, lostAfterMs, silentAfterMs, now: this.#now });
    this.#context = {
      sites: entries,
      failover: config.failover,
      engine: this.#engine,
      now: this.#now,
      onPendingCancel: (id) => this.#prober.wake(id),
    };
    this.#prober = new SiteProber({ entries, health: config.health, seed: this.#seed, now: this.#now, onProbe: (site, probe) => this.emit('probe', { site, probe }) });
  }

  /**
   * Validates the configuration (an object, or JSON/YAML text) completely,
   * checks that every site's kind can be built, then builds the sites.
   * Throws {@link ValidationError} listing every problem before anything starts.
   */
  static async create(config: NetworkConfig | string, given: NetworkOptions = {}): Promise<Network> {
    const options: NetworkOptions = { ...given, registry: given.registry ?? this.defaultRegistry() };
    // The checks load on first use (on-demand.ts): a page that builds no network does not download them.
    const { parseNetworkConfig, validateNetworkConfig } = await import('./on-demand.js');
    const resolved = typeof config === 'string' ? await parseNetworkConfig(config, options) : validateNetworkConfig(config, options);
    checkSites(resolved, options);
    let network: Network | undefined;
    const entries = await buildSites(resolved, options, (site, change) => network?.emit('breaker', { site, ...change }));
    network = new this(resolved, entries, options);
    if (options.probes ?? true) {
      // the first decision knows which sites answer: wait (bounded) for a first probe of each
      await network.#prober.firstRound(resolved.health.firstProbeWaitMs);
      network.startProbes();
    }
    return network;
  }

  /** The registry used when `create` is given none: the kinds this entry can build (the Node entry's subclass adds its own). */
  protected static defaultRegistry(): SiteRegistry {
    return portableSiteRegistry();
  }

  /** The seed of this network's random choices. */
  get seed(): string {
    return String(this.#seed);
  }

  /** Every site's static and live view, in configuration order. */
  sites(): SiteStatus[] {
    return [...this.#entries.values()].map(candidateOf);
  }

  /** The adapter the network submits to for a site (to inspect how it is set up), or undefined for an unknown id. */
  adapter(siteId: string): Site | undefined {
    return this.#entries.get(siteId)?.site;
  }

  /** The admission state of every site: jobs in flight and the local queue. */
  queue(): AdmissionSnapshot[] {
    return [...this.#entries.values()].map((e) => e.admission.snapshot());
  }

  /**
   * The decision record `submit` would make now, without submitting. It uses
   * the next sequence number without taking it, so an `explain` followed by a
   * `submit` with the same views gives the same decision.
   */
  explain(spec: JobSpec, options: NetworkSubmitOptions = {}): DecisionRecord {
    const id = options.id ?? 'explain';
    return this.#decide(spec, options, this.#sequence, { id, key: id }, false);
  }

  /** The engine that drives this network's jobs: `engine.liveJobs` counts the jobs not yet ended. */
  get engine(): JobEngine {
    return this.#engine;
  }

  /** How many jobs this network has submitted or attached that have not ended. */
  get liveJobs(): number {
    return this.#live.size;
  }

  /**
   * Chooses a site and submits the job, failing over down the ranking when a
   * site refuses, fails or loses it. Returns the job at once; follow it through
   * its events, `watch()` or `wait()`. Each attempt starts with a `site` event
   * `trying` (with the decision record as `detail`), each move with a `site`
   * event `failover`; {@link Network.decision} returns the record.
   *
   * @example
   * ```ts
   * const job = network.submit(spec, { id: 'run-42' });
   * job.on('site', (e) => console.log(e.action, e.siteId, e.reason ?? ''));
   * console.log((await job.wait()).state, network.decision(job)?.attempts.length);
   * ```
   */
  submit(spec: JobSpec, options: NetworkSubmitOptions = {}): Job {
    const id = options.id ?? this.#newId();
    const record = this.#decide(spec, options, this.#sequence++, { id, key: id }, true);
    this.emit('decision', record);
    const run = this.#open({ id, spec, ...(options.signal ? { signal: options.signal } : {}) });
    const job: NetworkJobState = { run, spec, record, refused: new Set(), freshKeys: options.id === undefined && this.#randomIds };
    this.#live.set(id, job);
    this.#records.set(run.job, record);
    // Started on a microtask, so listeners added right after this call hear the first `trying`.
    queueMicrotask(() => {
      void runNetworkJob(this.#context, job).finally(() => {
        if (this.#live.get(id) === job) this.#live.delete(id);
      });
    });
    return run.job;
  }

  /**
   * Follows again a job this network (or an earlier process with the same
   * configuration) submitted to `siteId`: the site's `attach()` finds it, the
   * network's engine follows it with the other jobs of that site, and the
   * outputs are collected at the end, as for a job from
   * {@link Network.submit}; its events reach the network too. There is no
   * failover: the job stays where it is. With `remoteId` unknown (the caller
   * stopped before the site answered the submit), pass
   * `options.idempotencyKey`: the site is asked once more with that key and
   * returns the job it made (or makes it now), so the job never runs twice.
   *
   * @example
   * ```ts
   * const job = network.attach('hpc-1', savedRemoteId, spec, { id: jobId });
   * console.log((await job.wait()).state);
   * ```
   */
  attach(siteId: string, remoteId: string | undefined, spec: JobSpec, options: NetworkAttachOptions = {}): Job {
    const entry = this.#entries.get(siteId);
    if (!entry) throw new RangeError(`unknown site ${siteId}`);
    if (remoteId === undefined && options.idempotencyKey === undefined) {
      throw new TypeError('network.attach needs the remote id or the idempotency key the job was submitted with');
    }
    const run = this.#open({ id: options.id ?? this.#newId(), spec });
    const known = remoteId === undefined ? { idempotencyKey: options.idempotencyKey as string } : { remoteId };
    queueMicrotask(() => void attachOnSite(this.#engine.steps, run, entry.site, spec, known));
    return run.job;
  }

  /**
   * The decision record of a job this network submitted (it grows with each
   * failover): by handle for as long as the handle is held, by id while the
   * job runs (a finished job is released; keep its record from its handle,
   * its `site` events' `detail`, or here through the handle).
   *
   * @example
   * ```ts
   * const job = network.submit(spec);
   * await job.wait();
   * console.log(network.decision(job)?.outcome);
   * ```
   */
  decision(job: Job | string): DecisionRecord | undefined {
    return typeof job === 'string' ? this.#live.get(job)?.record : this.#records.get(job);
  }

  #open(init: { id: string; spec: JobSpec; signal?: AbortSignal }): JobRun {
    return this.#engine.open({ ...init, observe: this.#observe, observesLogs: () => this.listenerCount('log') > 0 });
  }

  /** Probes one site (or all), updating health and merging capabilities (version, storages, backend parameters). */
  async probe(siteId?: string): Promise<Map<string, SiteProbe>> {
    const ids = siteId === undefined ? [...this.#entries.keys()] : [siteId];
    const results = await Promise.all(ids.map(async (id) => [id, await this.#prober.probe(id)] as const));
    return new Map(results);
  }

  /**
   * Starts active probes: each site every `health.probeIntervalMs`, jittered
   * by `health.probeJitter` (`Network.create` starts them unless
   * `options.probes` is false). Without them, a site is probed only while it
   * holds cancels the network could not send (so they reach it when it
   * answers again). Their timers never keep a process alive.
   */
  startProbes(): void {
    this.#prober.start();
  }

  /** Stops active probes (those of sites holding pending cancels too). */
  stopProbes(): void {
    this.#prober.stop();
  }

  /** Stops probes (aborting those in flight) and closes every site. */
  async close(): Promise<void> {
    this.#prober.close();
    if (this.#ownEngine) this.#engine.close();
    await Promise.all([...this.#entries.values()].map((e) => e.site.close?.()));
  }

  #decide(spec: JobSpec, options: NetworkSubmitOptions, sequence: number, job: { id: string; key: string }, submitted: boolean): DecisionRecord {
    const request = selectionRequest(spec, options, sequence);
    const identity: DecisionRecord['job'] = { id: job.id, idempotencyKey: job.key };
    if (spec.name !== undefined) identity.name = spec.name;
    const all = this.sites();
    const ruledOut = options.excludeSites ?? {};
    const record = decide({
      job: identity,
      request,
      candidates: all.filter((c) => !Object.hasOwn(ruledOut, c.site.id)),
      ineligible: ineligibleSites(spec, [...this.#entries].filter(([id]) => !Object.hasOwn(ruledOut, id)).map(([id, entry]) => ({ id, site: entry.site }))),
      strategy: options.strategy ?? this.#strategy,
      seed: options.seed ?? this.#seed,
      hardFilters: this.#hardFilters,
      now: this.#now(),
      submitted,
    });
    const excluded = all.filter((c) => Object.hasOwn(ruledOut, c.site.id));
    if (excluded.length > 0) {
      record.views = all.map((c) => ({ site: c.site, live: c.live }));
      record.excluded.unshift(...excluded.map((c) => ({ site: c.site.id, by: 'policy', reason: ruledOut[c.site.id] as string })));
    }
    return record;
  }
}
