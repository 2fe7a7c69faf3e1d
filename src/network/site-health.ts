/**
 * Health of one site learned from this client's own traffic: error rate,
 * latency, staging throughput and queue wait (EWMAs), plus the site's
 * circuit breaker.
 * @module
 */
import type { HttpEvent } from '../http/events.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './breaker.js';
import { round } from './strategies/rank.js';
import type { ProbeFailure, SiteProbe } from '../sites/site.js';
import type { HealthStatus, SiteLiveView } from './types.js';

/**
 * An exponentially weighted moving average; the first sample sets it.
 *
 * @example
 * ```ts
 * const latency = new Ewma(0.5);
 * latency.update(100);
 * latency.update(300); // 200
 * ```
 */
export class Ewma {
  #value: number | undefined;
  constructor(
    /** Weight of a new sample, in (0, 1]. */
    readonly alpha: number,
  ) {}

  /** The current average; undefined before the first sample. */
  get value(): number | undefined {
    return this.#value;
  }

  /** Adds a sample (the first one becomes the average); returns the new average. */
  update(sample: number): number {
    this.#value = this.#value === undefined ? sample : this.alpha * sample + (1 - this.alpha) * this.#value;
    return this.#value;
  }
}

/** How the HTTP layer words a failure that came with an answer (an error status). */
const ANSWERED = /failed with HTTP \d{3}/;

/** Where an observation came from: breaker decisions use probes, submits and job outcomes; raw HTTP traffic feeds only the averages. */
export type ObservationSource = 'http' | 'probe' | 'submit' | 'job';

/** Options of a {@link SiteHealth}. */
export interface SiteHealthOptions {
  /** EWMA smoothing in (0, 1]. @default 0.3 */
  alpha?: number;
  /** Outcomes the error rate is computed over. @default 20 */
  window?: number;
  /** Options of the site's circuit breaker. */
  breaker?: CircuitBreakerOptions;
  /** The clock. @default the breaker's clock, else Date.now */
  now?: () => number;
}

/**
 * Passive and active health of one site.
 *
 * @example
 * ```ts
 * const health = new SiteHealth({ alpha: 0.3 });
 * const client = new HttpClient({ baseUrl, onEvent: (event) => health.observeHttp(event) });
 * ```
 */
export class SiteHealth {
  /** The site's circuit breaker, fed by probes, submits and job outcomes. */
  readonly breaker: CircuitBreaker;
  readonly #latency: Ewma;
  readonly #throughput: Ewma;
  readonly #queueWait: Ewma;
  readonly #coreStartInterval: Ewma;
  readonly #window: number;
  #outcomes: boolean[] = [];
  #failuresSinceSuccess = 0;
  #observed = false;
  #lastStartAt: number | undefined;
  /** The last probe's failure, until the site answers again (a probe or any call that succeeds). */
  #probeFailure: { kind: ProbeFailure; error: string } | undefined;
  readonly #now: () => number;

  constructor(options: SiteHealthOptions = {}) {
    const alpha = options.alpha ?? 0.3;
    this.#latency = new Ewma(alpha);
    this.#throughput = new Ewma(alpha);
    this.#queueWait = new Ewma(alpha);
    this.#coreStartInterval = new Ewma(alpha);
    this.#window = options.window ?? 20;
    this.breaker = new CircuitBreaker(options.breaker);
    this.#now = options.now ?? options.breaker?.now ?? (() => Date.now());
  }

  /** Records the outcome of one call or job. */
  observe(source: ObservationSource, ok: boolean, latencyMs?: number, reason?: string): void {
    this.#observed = true;
    if (ok) this.#probeFailure = undefined;
    if (latencyMs !== undefined && ok) this.#latency.update(latencyMs);
    this.#outcomes.push(ok);
    if (this.#outcomes.length > this.#window) this.#outcomes.shift();
    this.#failuresSinceSuccess = ok ? 0 : this.#failuresSinceSuccess + 1;
    if (source !== 'http') this.breaker.record(ok, reason);
  }

  /**
   * Records an active probe: its outcome as {@link SiteHealth.observe} does,
   * and, when it failed, how (`unreachable`, `refusing`), which the site's
   * health then says until it answers again.
   */
  observeProbe(probe: SiteProbe): void {
    this.observe('probe', probe.ok, probe.ok ? probe.latencyMs : undefined, probe.error ?? 'probe');
    if (!probe.ok) this.#probeFailure = { kind: probe.failure ?? 'unreachable', error: probe.error ?? 'probe failed' };
  }

  /**
   * Feeds one event of the site's HttpClient (`onEvent`). An answered attempt
   * counts once, from its `response` event (5xx and 429 as failures, anything
   * else as the server working); a `failure` counts only when no answer came
   * (connection errors, timeouts), since an error status was counted already.
   */
  observeHttp(event: HttpEvent): void {
    if (event.type === 'response') this.observe('http', event.status < 500 && event.status !== 429, event.durationMs);
    else if (event.type === 'failure' && !ANSWERED.test(event.reason)) this.observe('http', false, undefined, event.reason);
  }

  /** Records bytes staged to or from the site and how long it took. */
  observeTransfer(bytes: number, durationMs: number): void {
    if (bytes > 0 && durationMs > 0) this.#throughput.update((bytes / durationMs) * 1000);
  }

  /** Records that a job (of `cores` CPU cores) started, and how long it waited at the site between acceptance and running. */
  observeQueueWait(ms: number, cores = 1): void {
    const now = this.#now();
    this.#queueWait.update(ms);
    if (this.#lastStartAt !== undefined) this.#coreStartInterval.update(Math.max(0, now - this.#lastStartAt) / Math.max(1, cores));
    this.#lastStartAt = now;
  }

  /** When the site last started one of this client's jobs (clock milliseconds); undefined if never. */
  get lastStartAt(): number | undefined {
    return this.#lastStartAt;
  }

  /**
   * `unreachable` or `refusing` while the last probe failed so (until the
   * site answers again), else down (breaker open), unknown (nothing
   * observed), degraded (half-open or error rate above 20 %) or healthy.
   */
  get status(): HealthStatus {
    if (this.#probeFailure) return this.#probeFailure.kind;
    const state = this.breaker.state;
    if (state === 'open') return 'down';
    if (!this.#observed) return 'unknown';
    if (state === 'half-open' || this.errorRate > 0.2) return 'degraded';
    return 'healthy';
  }

  /** Share of failures among the last `window` outcomes, in [0, 1]; 0 before any. */
  get errorRate(): number {
    if (this.#outcomes.length === 0) return 0;
    return this.#outcomes.filter((o) => !o).length / this.#outcomes.length;
  }

  /** The live view without the admission counts (the network adds those). */
  view(): Omit<SiteLiveView, 'inFlight' | 'queued'> {
    const view: Omit<SiteLiveView, 'inFlight' | 'queued'> = {
      health: this.status,
      breaker: this.breaker.state,
      errorRate: round(this.errorRate),
      recentFailures: this.#failuresSinceSuccess,
    };
    if (this.#latency.value !== undefined) view.latencyMs = round(this.#latency.value);
    if (this.#throughput.value !== undefined) view.throughputBytesPerSec = round(this.#throughput.value);
    if (this.#queueWait.value !== undefined) view.queueWaitMs = round(this.#queueWait.value);
    if (this.#coreStartInterval.value !== undefined) view.coreStartIntervalMs = round(this.#coreStartInterval.value);
    if (this.#probeFailure) view.probeError = this.#probeFailure.error;
    return view;
  }
}
