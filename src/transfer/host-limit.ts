/**
 * A cap on transfers in flight per host.
 * @module
 */
import { Semaphore } from '../util/semaphore.js';

/**
 * Holds one semaphore per `host:port`, so that at most `perHost`
 * transfers move bytes to or from the same server at once (Pulsar serves
 * about four requests at a time). Local files have no host and no cap.
 *
 * @example
 * ```ts
 * const limits = new HostLimiter(2);
 * const files = [{ source: from, sink: to }];
 * await Promise.all(files.map((f) => transfer({ from: f.source, to: f.sink, limiter: limits })));
 * ```
 */
export class HostLimiter {
  readonly #semaphores = new Map<string, Semaphore>();

  constructor(
    /** Most transfers at once per `host:port` (a positive integer). */
    readonly perHost: number = 3,
  ) {
    if (!Number.isInteger(perHost) || perHost < 1) throw new RangeError(`perHost must be a positive integer, got ${perHost}`);
  }

  /** Transfers to or from `host` now in flight. */
  active(host: string): number {
    return this.#semaphores.get(host.toLowerCase())?.active ?? 0;
  }

  /**
   * Waits for a slot on every given host (in a fixed order, so two transfers
   * between the same two hosts cannot deadlock); the result releases them all.
   */
  async acquire(hosts: ReadonlyArray<string | undefined>, signal?: AbortSignal): Promise<() => void> {
    const unique = [...new Set(hosts.filter((h): h is string => !!h).map((h) => h.toLowerCase()))].sort();
    const releases: Array<() => void> = [];
    try {
      for (const host of unique) releases.push(await this.#semaphore(host).acquire(signal));
    } catch (error) {
      for (const release of releases.reverse()) release();
      throw error;
    }
    return () => {
      for (const release of releases.reverse()) release();
    };
  }

  #semaphore(host: string): Semaphore {
    let semaphore = this.#semaphores.get(host);
    if (!semaphore) {
      semaphore = new Semaphore(this.perHost);
      this.#semaphores.set(host, semaphore);
    }
    return semaphore;
  }
}

/**
 * The limiter transfers share unless given their own: 3 per host.
 *
 * @example
 * ```ts
 * console.log(defaultHostLimiter.active('pulsar.example.org:8913'));
 * ```
 */
export const defaultHostLimiter: HostLimiter = /* @__PURE__ */ new HostLimiter(3);
