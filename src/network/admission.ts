/**
 * Per-site admission: at most `maxInFlight` of this client's jobs on a site
 * and at most its submit rate, with the waiting jobs in a visible local queue.
 * @module
 */
import { sleep } from '../util/abort.js';
import { Semaphore } from '../util/semaphore.js';
import { TokenBucket } from './token-bucket.js';
import type { SubmitRate } from './types.js';

/** A job waiting for admission to a site. */
export interface QueuedJob {
  /** The waiting job's id. */
  jobId: string;
  /** When it started waiting (clock milliseconds). */
  since: number;
}

/** What one site's admission looks like now. */
export interface AdmissionSnapshot {
  /** The site's id. */
  site: string;
  /** Jobs admitted and not yet released. */
  inFlight: number;
  /** Most jobs admitted at once; absent = no limit. */
  maxInFlight?: number;
  /** Waiting jobs, oldest first. */
  queue: QueuedJob[];
}

/**
 * Admission control of one site.
 *
 * @example
 * ```ts
 * const admission = new SiteAdmission('it03', 10, { perSecond: 1, burst: 3 });
 * const release = await admission.admit('job-1', signal);
 * try { await site.submit(spec, opts); } finally { release(); } // release when the job ends
 * ```
 */
export class SiteAdmission {
  readonly #slots: Semaphore | undefined;
  readonly #bucket: TokenBucket | undefined;
  readonly #queue: QueuedJob[] = [];
  #inFlight = 0;

  constructor(
    /** The site's id. */
    readonly site: string,
    /** Most jobs admitted at once; absent = no limit. */
    readonly maxInFlight?: number,
    rate?: SubmitRate,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.#slots = maxInFlight === undefined ? undefined : new Semaphore(maxInFlight);
    this.#bucket = rate ? new TokenBucket(rate, now) : undefined;
  }

  /** Jobs admitted and not yet released. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Jobs waiting for admission now. */
  get queued(): number {
    return this.#queue.length;
  }

  /** A copy of the current counts and queue. */
  snapshot(): AdmissionSnapshot {
    const snapshot: AdmissionSnapshot = { site: this.site, inFlight: this.#inFlight, queue: this.#queue.map((q) => ({ ...q })) };
    if (this.maxInFlight !== undefined) snapshot.maxInFlight = this.maxInFlight;
    return snapshot;
  }

  /**
   * Waits in the queue for a slot and a submit token; resolves with a function
   * that frees the slot (call it when the job leaves the site). Rejects with
   * AbortError if the signal aborts while waiting.
   */
  async admit(jobId: string, signal?: AbortSignal): Promise<() => void> {
    const entry: QueuedJob = { jobId, since: this.now() };
    this.#queue.push(entry);
    let releaseSlot: (() => void) | undefined;
    try {
      releaseSlot = this.#slots ? await this.#slots.acquire(signal) : undefined;
      const wait = this.#bucket?.take() ?? 0;
      if (wait > 0) await sleep(wait, signal, 'waiting for the submit rate');
    } catch (error) {
      releaseSlot?.();
      throw error;
    } finally {
      const at = this.#queue.indexOf(entry);
      if (at >= 0) this.#queue.splice(at, 1);
    }
    this.#inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      releaseSlot?.();
    };
  }
}
