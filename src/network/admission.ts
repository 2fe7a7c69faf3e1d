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
  /** CPU cores the job asks for. */
  cores: number;
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
 * try { await site.submit(spec, { idempotencyKey: 'job-1' }); } finally { release(); } // release when the job ends
 * ```
 */
export class SiteAdmission {
  readonly #slots: Semaphore | undefined;
  readonly #bucket: TokenBucket | undefined;
  readonly #queue: QueuedJob[] = [];
  /** Admitted jobs (cores by job id), and those the site has started running. */
  readonly #admitted = new Map<string, number>();
  readonly #running = new Set<string>();
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

  /** Admitted jobs the site has started (the rest of those in flight wait in its queue). */
  get running(): number {
    return this.#running.size;
  }

  /** Cores of the jobs ahead of a new one: admitted and not started by the site, or waiting here for admission. */
  get waitingCores(): number {
    let cores = 0;
    for (const [jobId, n] of this.#admitted) if (!this.#running.has(jobId)) cores += n;
    for (const queued of this.#queue) cores += queued.cores;
    return cores;
  }

  /** The site started an admitted job (it left the site's queue); its release forgets it. */
  markStarted(jobId: string): void {
    if (this.#admitted.has(jobId)) this.#running.add(jobId);
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
   * AbortError if the signal aborts while waiting. `cores` (what the job asks
   * for) feeds {@link SiteAdmission.waitingCores}.
   */
  async admit(jobId: string, signal?: AbortSignal, cores = 1): Promise<() => void> {
    const entry: QueuedJob = { jobId, since: this.now(), cores };
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
    this.#admitted.set(jobId, cores);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      this.#admitted.delete(jobId);
      this.#running.delete(jobId);
      releaseSlot?.();
    };
  }
}
