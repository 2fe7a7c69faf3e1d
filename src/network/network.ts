/**
 * `Network`: sites from a configuration, their health, admission, site
 * selection with decision records, and failover.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { Job } from '../jobs/job.js';
import { attachThroughNetwork, type NetworkAttachOptions } from './network-attach.js';
import type { JobSpec } from '../jobs/spec.js';
import type { Site, SiteProbe } from '../sites/site.js';
import { deadline } from '../util/abort.js';
import { SiteAdmission, type AdmissionSnapshot } from './admission.js';
import type { BreakerState, Candidate, SiteSelector } from './types.js';
import { parseNetworkConfig, validateNetworkConfig, type ConfigContext, type ResolvedNetworkConfig } from './config.js';
import type { NetworkConfig } from './config-types.js';
import { decide, type DecisionRecord } from './decision.js';
import { NetworkJob, type JobContext, type NetworkJobEvents } from './network-job.js';
import { jobOfNetworkJob } from './network-job-handle.js';
import { deriveRandom, freshId, type RandomSource } from './random.js';
import type { SiteRegistry } from './registry.js';
import { selectionRequest, type SelectionHints } from './request.js';
import { candidateOf, type SiteEntry } from './site-entry.js';
import { SiteHealth } from './site-health.js';
import { balanced } from './strategies/index.js';
import { pollingWatcher, type AttemptWatcher } from './watcher.js';

/** Options of {@link Network.create}. */
export interface NetworkOptions extends ConfigContext {
  /** Factories that build sites by kind. */
  registry?: SiteRegistry;
  /** Sites built by the caller, by id; they take precedence over the registry. */
  sites?: Record<string, Site>;
  /** The default strategy (overrides the configuration's). @default balanced() */
  strategy?: SiteSelector;
  /** The seed (overrides the configuration's). @default a fresh random seed, written in every record */
  seed?: string | number;
  /** Follows accepted jobs. @default pollingWatcher with the configuration's poll interval and lost deadline */
  watcher?: AttemptWatcher;
  /** The clock. @default Date.now */
  now?: () => number;
  /** Makes job ids and idempotency keys. @default a random UUID */
  newId?: () => string;
  /** Apply hard filters (open breaker, resources, tags) before every strategy. @default true */
  hardFilters?: boolean;
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

/** A site as the network sees it now. */
export type SiteStatus = Candidate;

/** Events of a network: every job's events, plus health and decisions. */
export interface NetworkEvents extends NetworkJobEvents {
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
 * const network = await Network.create(yamlText, { registry, tokenProviders: { egi: getEgiToken } });
 * network.on('failover', ({ jobId, from, to, cause }) => console.log(jobId, from, '→', to, cause));
 * console.log(network.explain(spec).candidates);
 * const job = network.submit(spec, { inputSizes: { 's3://bucket/reads.fq': 4e9 } });
 * job.on('site', ({ action, siteId, reason }) => console.log(action, siteId, reason));
 * const result = await job.wait();
 * console.log(result.state, network.decision(job.id));
 * ```
 */
export class Network extends EventEmitter<NetworkEvents> {
  readonly #entries: Map<string, SiteEntry>;
  readonly #config: ResolvedNetworkConfig;
  readonly #strategy: SiteSelector;
  readonly #seed: string | number;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #hardFilters: boolean;
  readonly #context: JobContext;
  readonly #probeTimers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #probeRandom = new Map<string, RandomSource>();
  #sequence = 0;
  /** Whether startProbes() is in force (else a site is probed only while it holds pending cancels). */
  #probing = false;
  #closed = false;
  readonly #jobs = new Map<string, NetworkJob>();

  private constructor(config: ResolvedNetworkConfig, entries: Map<string, SiteEntry>, options: NetworkOptions) {
    super();
    this.#config = config;
    this.#entries = entries;
    this.#strategy = options.strategy ?? config.strategy ?? balanced();
    this.#seed = options.seed ?? config.seed ?? freshId();
    this.#now = options.now ?? (() => Date.now());
    this.#newId = options.newId ?? freshId;
    this.#hardFilters = options.hardFilters ?? true;
    this.#context = {
      sites: entries,
      failover: config.failover,
      watcher: options.watcher ?? pollingWatcher({ intervalMs: config.failover.pollIntervalMs, lostAfterMs: config.failover.lostAfterMs, now: this.#now }),
      now: this.#now,
      onPendingCancel: (id) => {
        if (!this.#closed && !this.#probeTimers.has(id)) this.#scheduleProbe(id);
      },
    };
  }

  /**
   * Validates the configuration (an object, or JSON/YAML text) completely,
   * checks that every site's kind can be built, then builds the sites.
   * Throws {@link ValidationError} listing every problem before anything starts.
   */
  static async create(config: NetworkConfig | string, options: NetworkOptions = {}): Promise<Network> {
    const resolved = typeof config === 'string' ? parseNetworkConfig(config, options) : validateNetworkConfig(config, options);
    const issues: ValidationIssue[] = [];
    resolved.sites.forEach(({ description }, i) => {
      if (!options.sites?.[description.id] && !options.registry?.has(description.kind))
        issues.push({ path: `$.sites[${i}].kind`, message: `no site adapter for kind "${description.kind}": register a factory or pass the site in options.sites` });
    });
    for (const [id, site] of Object.entries(options.sites ?? {})) {
      const configured = resolved.sites.find((s) => s.description.id === id);
      if (!configured) issues.push({ path: '$.sites', message: `options.sites has "${id}", which the configuration does not list` });
      else if (configured.description.kind !== site.kind) issues.push({ path: `$.sites[${resolved.sites.indexOf(configured)}].kind`, message: `is "${configured.description.kind}" but the given site is "${site.kind}"` });
    }
    if (issues.length > 0) throw new ValidationError('network configuration', issues);

    const now = options.now ?? (() => Date.now());
    const entries = new Map<string, SiteEntry>();
    let network: Network | undefined;
    for (const resolvedSite of resolved.sites) {
      const { description } = resolvedSite;
      const b = resolved.health.breaker;
      const health = new SiteHealth({
        alpha: resolved.health.ewmaAlpha,
        window: b.window,
        breaker: {
          failureThreshold: b.failureThreshold,
          errorRate: b.errorRate,
          window: b.window,
          minimumCalls: b.minimumCalls,
          openMs: b.openMs,
          maxOpenMs: b.maxOpenMs,
          now,
          onTransition: ({ from, to, reason }) => network?.emit('breaker', { site: description.id, from, to, reason }),
        },
      });
      const site =
        options.sites?.[description.id] ??
        (await (options.registry as SiteRegistry).create(resolvedSite, { onHttpEvent: (event) => health.observeHttp(event) }));
      entries.set(description.id, {
        site,
        description: structuredClone(description),
        health,
        admission: new SiteAdmission(description.id, description.maxInFlight, description.submitRate, now),
        pendingCancels: new Map(),
        pendingLookups: new Map(),
      });
    }
    network = new Network(resolved, entries, options);
    return network;
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

  /**
   * Chooses a site and submits the job, failing over down the ranking when a
   * site refuses, fails or loses it. Returns the job at once; follow it through
   * its events, `watch()` or `wait()`. Its `site` events carry the decision
   * record, which {@link Network.decision} also returns.
   */
  submit(spec: JobSpec, options: NetworkSubmitOptions = {}): Job {
    return jobOfNetworkJob(this.submitAttempts(spec, options));
  }

  /**
   * The attempt runner behind {@link Network.submit}, for drivers that need
   * the raw attempts (which site, which remote id, the record) rather than the
   * unified job: `done()` resolves with the final site and state, `collect()`
   * delivers the outputs.
   */
  submitAttempts(spec: JobSpec, options: NetworkSubmitOptions = {}): NetworkJob {
    const id = options.id ?? this.#newId();
    const record = this.#decide(spec, options, this.#sequence++, { id, key: id }, true);
    this.emit('decision', record);
    const job = new NetworkJob(id, id, spec, record, this.#context, options.signal);
    job.on('attempt', (info) => this.emit('attempt', info));
    job.on('state', (info) => this.emit('state', info));
    job.on('transfer', (info) => this.emit('transfer', info));
    job.on('failover', (info) => this.emit('failover', info));
    job.on('done', (info) => this.emit('done', info));
    this.#jobs.set(id, job);
    void job.start();
    return job;
  }

  /**
   * Follows again a job this network (or an earlier process with the same
   * configuration) submitted to `siteId`: the site's `attach()` finds it, the
   * network's watcher follows it, and the outputs are collected at the end,
   * as for a job from {@link Network.submit}. There is no failover: the job
   * stays where it is. With `remoteId` unknown (the caller stopped before the
   * site answered the submit), pass `options.idempotencyKey`: the site is
   * asked once more with that key and returns the job it made (or makes it
   * now), so the job never runs twice.
   *
   * @example
   * ```ts
   * const job = network.attach('hpc-1', savedRemoteId, savedSpec, { id: savedJobId });
   * console.log((await job.wait()).state);
   * ```
   */
  attach(siteId: string, remoteId: string | undefined, spec: JobSpec, options: NetworkAttachOptions = {}): Job {
    const entry = this.#entries.get(siteId);
    if (!entry) throw new RangeError(`unknown site ${siteId}`);
    return attachThroughNetwork(entry, remoteId, spec, { id: options.id ?? this.#newId(), watcher: this.#context.watcher, ...options });
  }

  /** The decision record of a job this network submitted (it grows with each failover). */
  decision(jobId: string): DecisionRecord | undefined {
    return this.#jobs.get(jobId)?.record;
  }

  /** Probes one site (or all), updating health and merging capabilities (version, storages, backend parameters). */
  async probe(siteId?: string): Promise<Map<string, SiteProbe>> {
    const ids = siteId === undefined ? [...this.#entries.keys()] : [siteId];
    const results = await Promise.all(ids.map(async (id) => [id, await this.#probe(id)] as const));
    return new Map(results);
  }

  /**
   * Starts active probes: each site every `health.probeIntervalMs`, jittered
   * by `health.probeJitter`. Without them, a site is probed only while it
   * holds cancels the network could not send (so they reach it when it
   * answers again).
   */
  startProbes(): void {
    this.#probing = true;
    for (const id of this.#entries.keys()) if (!this.#probeTimers.has(id)) this.#scheduleProbe(id);
  }

  /** Stops active probes (those of sites holding pending cancels too). */
  stopProbes(): void {
    this.#probing = false;
    for (const timer of this.#probeTimers.values()) clearTimeout(timer);
    this.#probeTimers.clear();
  }

  /** Stops probes and closes every site. */
  async close(): Promise<void> {
    this.#closed = true;
    this.stopProbes();
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

  /** Cancels the jobs the network left on a site while it was unreachable; keeps those that still fail. */
  async #flushCancels(entry: SiteEntry): Promise<void> {
    for (const [key, attempt] of [...entry.pendingLookups]) {
      const limit = deadline(this.#config.health.probeTimeoutMs);
      try {
        const remoteId = await entry.site.lookup?.(key, { signal: limit.signal });
        entry.pendingLookups.delete(key);
        if (remoteId === undefined) delete attempt.cancel;
        else entry.pendingCancels.set(remoteId, attempt);
      } catch {
        // still pending: tried again after the next good probe
      } finally {
        limit.clear();
      }
    }
    for (const [remoteId, attempt] of [...entry.pendingCancels]) {
      const limit = deadline(this.#config.health.probeTimeoutMs);
      try {
        await entry.site.cancel(remoteId, { signal: limit.signal });
        attempt.cancel = 'requested';
        entry.pendingCancels.delete(remoteId);
      } catch {
        // still pending: tried again after the next good probe
      } finally {
        limit.clear();
      }
    }
  }

  #scheduleProbe(id: string): void {
    const { probeIntervalMs, probeJitter } = this.#config.health;
    let random = this.#probeRandom.get(id);
    if (!random) {
      random = deriveRandom(this.#seed, 'probe', id);
      this.#probeRandom.set(id, random);
    }
    const delay = probeIntervalMs * (1 - probeJitter + 2 * probeJitter * random.next());
    const timer = setTimeout(() => {
      void this.#probe(id).finally(() => {
        if (!this.#probeTimers.has(id)) return;
        const entry = this.#entries.get(id);
        if (this.#probing || (entry && entry.pendingCancels.size + entry.pendingLookups.size > 0)) this.#scheduleProbe(id);
        else this.#probeTimers.delete(id);
      });
    }, delay);
    (timer as { unref?: () => void }).unref?.();
    this.#probeTimers.set(id, timer);
  }

  async #probe(id: string): Promise<SiteProbe> {
    const entry = this.#entries.get(id);
    if (!entry) throw new RangeError(`unknown site ${id}`);
    const limit = deadline(this.#config.health.probeTimeoutMs);
    const started = this.#now();
    let probe: SiteProbe;
    try {
      probe = await entry.site.probe({ signal: limit.signal });
    } catch (error) {
      probe = { ok: false, latencyMs: this.#now() - started, error: limit.expired() ? `no answer within ${this.#config.health.probeTimeoutMs} ms` : error instanceof Error ? error.message : String(error) };
    } finally {
      limit.clear();
    }
    entry.health.observe('probe', probe.ok, probe.ok ? probe.latencyMs : undefined, probe.error ?? 'probe');
    if (probe.ok) {
      await this.#flushCancels(entry);
      if (probe.version !== undefined) entry.description.version = probe.version;
      if (probe.storages) entry.description.storages = [...new Set([...entry.description.storages, ...probe.storages])];
      if (probe.backendParameters) entry.description.backendParameters = [...probe.backendParameters];
    }
    this.emit('probe', { site: id, probe });
    return probe;
  }
}
