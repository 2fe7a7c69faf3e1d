/**
 * What a Pulsar site remembers of its jobs between polls, in bounded memory:
 * the end a poll found (exit codes read once, reused by `collect`), since
 * when Pulsar has said `running` with no change, and which jobs a poll could
 * not reach (the server may have restarted under them). Portable.
 * @module
 */
import type { PulsarJobStatus } from '../../pulsar/status.js';
import type { SiteJobStatus } from '../site.js';

/** A job's status as the site reports it, with Pulsar's answer behind it. */
export interface BookedStatus {
  /** The unified status. */
  status: SiteJobStatus;
  /** What Pulsar answered (for a job ended by its own marker: Pulsar's `running`, with the listing the marker gives). */
  raw: PulsarJobStatus;
}

interface Running {
  /** When Pulsar was first seen saying `running`. */
  since: number;
  /** When the job's completion marker was last looked for (`since` until then). */
  checkedAt: number;
}

/** Most jobs remembered as running or unreached; the oldest go first beyond it. */
const MAX_JOBS = 10_000;
/** Most ended jobs remembered until collected (each holds Pulsar's full status, a few hundred KiB at most). */
const MAX_ENDED = 1000;

/**
 * The site's memory of its jobs. Entries go when the job is collected or
 * forgotten, and the oldest beyond a fixed number, so memory follows the
 * jobs in flight.
 *
 * @example
 * ```ts
 * const book = new JobBook();
 * book.running('job-1', Date.now());
 * if (book.markerDue('job-1', Date.now(), 60_000)) console.log('look for its manifest');
 * ```
 */
export class JobBook {
  readonly #ended = new Map<string, BookedStatus>();
  readonly #running = new Map<string, Running>();
  readonly #unreached = new Set<string>();

  /** The end found earlier: terminal states never move back, and are not asked for again. */
  ended(remoteId: string): BookedStatus | undefined {
    return this.#ended.get(remoteId);
  }

  /** Records the job's end. */
  end(remoteId: string, booked: BookedStatus): void {
    this.#running.delete(remoteId);
    this.#unreached.delete(remoteId);
    bounded(this.#ended, remoteId, booked, MAX_ENDED);
  }

  /** Pulsar says the job runs. */
  running(remoteId: string, now: number): void {
    if (!this.#running.has(remoteId)) bounded(this.#running, remoteId, { since: now, checkedAt: now }, MAX_JOBS);
  }

  /** Pulsar says anything but `running` (and the job has not ended). */
  notRunning(remoteId: string): void {
    this.#running.delete(remoteId);
    this.#unreached.delete(remoteId);
  }

  /** A status request for the job failed: the server may restart, and a job it ran may end unseen. */
  unreached(remoteId: string): void {
    if (this.#unreached.size >= MAX_JOBS) this.#unreached.clear();
    this.#unreached.add(remoteId);
  }

  /**
   * Whether to look for the job's completion marker now: after a status
   * request for it failed (once the server answers again), or when Pulsar has
   * said `running` for `staleMs` since the job started or was last checked.
   */
  markerDue(remoteId: string, now: number, staleMs: number): boolean {
    const entry = this.#running.get(remoteId);
    if (!entry) return false;
    return this.#unreached.has(remoteId) || now - entry.checkedAt >= staleMs;
  }

  /** The marker was looked for (and not found). */
  markerChecked(remoteId: string, now: number): void {
    const entry = this.#running.get(remoteId);
    if (entry) entry.checkedAt = now;
    this.#unreached.delete(remoteId);
  }

  /** Drops everything about the job (collected, forgotten). */
  forget(remoteId: string): void {
    this.#ended.delete(remoteId);
    this.#running.delete(remoteId);
    this.#unreached.delete(remoteId);
  }
}

function bounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}
