/**
 * A per-site circuit breaker: closed (calls flow), open (the site is left
 * alone), half-open (one trial call decides). Time comes from an injected
 * clock, so the breaker works the same under fake timers and in simulation.
 * @module
 */
import { backoffDelay, resolveRetryPolicy, type RetryPolicy } from '../http/retry.js';
import type { BreakerState } from './types.js';

/** Options of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. @default 5 */
  failureThreshold?: number;
  /** Error rate over the window that opens the breaker. @default 0.5 */
  errorRate?: number;
  /** Outcomes the error rate is computed over. @default 20 */
  window?: number;
  /** Outcomes needed before the error rate counts. @default 10 */
  minimumCalls?: number;
  /** First open period in milliseconds; each reopening without a success doubles it. @default 30000 */
  openMs?: number;
  /** Longest open period in milliseconds. @default 600000 */
  maxOpenMs?: number;
  /** The clock. @default Date.now */
  now?: () => number;
  /** Told of every change of state, with the reason. */
  onTransition?: (change: { from: BreakerState; to: BreakerState; reason: string; at: number }) => void;
}

/**
 * A circuit breaker. The open → half-open move happens when time has passed,
 * observed on the next read of {@link CircuitBreaker.state}; no timer is kept.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 10_000 });
 * if (breaker.tryAcquire()) {
 *   try { await site.submit(spec, { idempotencyKey: 'job-1' }); breaker.record(true); }
 *   catch (e) { breaker.record(false, String(e)); }
 * }
 * ```
 */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #errorRate: number;
  readonly #window: number;
  readonly #minimumCalls: number;
  readonly #policy: RetryPolicy;
  readonly #now: () => number;
  readonly #onTransition: CircuitBreakerOptions['onTransition'];
  #state: BreakerState = 'closed';
  #outcomes: boolean[] = [];
  #consecutiveFailures = 0;
  #opens = 0;
  #openUntil = 0;
  #trialInFlight = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#failureThreshold = options.failureThreshold ?? 5;
    this.#errorRate = options.errorRate ?? 0.5;
    this.#window = options.window ?? 20;
    this.#minimumCalls = options.minimumCalls ?? 10;
    const openMs = options.openMs ?? 30_000;
    this.#policy = resolveRetryPolicy({ minDelay: openMs, maxDelay: Math.max(openMs, options.maxOpenMs ?? 600_000), factor: 2, jitter: 0 });
    this.#now = options.now ?? (() => Date.now());
    this.#onTransition = options.onTransition;
  }

  /** The current state (moves open → half-open once the open period is over). */
  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() >= this.#openUntil) this.#move('half-open', 'open period over; next call is a trial');
    return this.#state;
  }

  /** When an open breaker lets a trial through, in clock milliseconds; undefined unless open. */
  get openUntil(): number | undefined {
    return this.state === 'open' ? this.#openUntil : undefined;
  }

  /** Failures since the last success. */
  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** True when a call may go now: closed, or half-open with no trial running. Does not reserve it. */
  get allows(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half-open' && !this.#trialInFlight);
  }

  /** Reserves a call: always in closed, one trial at a time in half-open, never in open. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'half-open' && !this.#trialInFlight) {
      this.#trialInFlight = true;
      return true;
    }
    return false;
  }

  /** Records the outcome of a call (or of a probe, or a job's system failure). */
  record(ok: boolean, reason = ok ? 'success' : 'failure'): void {
    const state = this.state;
    this.#trialInFlight = false;
    if (ok) {
      this.#consecutiveFailures = 0;
      this.#push(true);
      if (state !== 'closed') {
        this.#opens = 0;
        this.#outcomes = [];
        this.#move('closed', `trial succeeded (${reason})`);
      }
      return;
    }
    this.#consecutiveFailures++;
    this.#push(false);
    if (state === 'half-open') {
      this.#open(`trial failed (${reason})`);
      return;
    }
    if (state === 'open') return;
    const failures = this.#outcomes.filter((o) => !o).length;
    if (this.#consecutiveFailures >= this.#failureThreshold) this.#open(`${this.#consecutiveFailures} consecutive failures (last: ${reason})`);
    else if (this.#outcomes.length >= this.#minimumCalls && failures / this.#outcomes.length >= this.#errorRate)
      this.#open(`error rate ${failures}/${this.#outcomes.length} (last: ${reason})`);
  }

  /** Share of failures among the recent outcomes. */
  get errorRate(): number {
    if (this.#outcomes.length === 0) return 0;
    return this.#outcomes.filter((o) => !o).length / this.#outcomes.length;
  }

  #push(ok: boolean): void {
    this.#outcomes.push(ok);
    if (this.#outcomes.length > this.#window) this.#outcomes.shift();
  }

  #open(reason: string): void {
    this.#opens++;
    this.#openUntil = this.#now() + backoffDelay(this.#policy, this.#opens);
    this.#outcomes = [];
    this.#move('open', reason);
  }

  #move(to: BreakerState, reason: string): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    try {
      this.#onTransition?.({ from, to, reason, at: this.#now() });
    } catch {
      // A listener's error must not break the breaker.
    }
  }
}
