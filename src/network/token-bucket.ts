/**
 * A token bucket on an injected clock: the submit-rate limit of a site.
 * @module
 */
import type { SubmitRate } from './types.js';

/**
 * Allows `burst` submits at once and `perSecond` on average.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ perSecond: 2, burst: 5 });
 * const wait = bucket.take(); // 0 when a token was free, else ms until the reserved one is
 * ```
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    /** The refill rate and burst size. */
    readonly rate: SubmitRate,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.#tokens = rate.burst;
    this.#at = now();
  }

  #refill(): void {
    const now = this.now();
    this.#tokens = Math.min(this.rate.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate.perSecond);
    this.#at = now;
  }

  /** Milliseconds until a token is free (0 = now), without taking it. */
  delayMs(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.rate.perSecond) * 1000);
  }

  /** Takes a token; returns how long the caller must wait before using it (0 = now). Tokens may go negative: callers queue. */
  take(): number {
    const wait = this.delayMs();
    this.#tokens -= 1;
    return wait;
  }
}
