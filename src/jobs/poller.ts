/**
 * `SitePoller`: the one poller of a site, batched, for all of that site's
 * jobs; with the rules for silent and lost jobs.
 * @module
 */
import type { Site, SiteJobStatus } from '../sites/site.js';
import { jitteredDelay, setTimerRef } from '../util/timers.js';

/** How often a poller polls. */
export interface PollOptions {
  /** Interval right after a change (and for the first poll of a new job), in milliseconds. @default 1000 */
  minIntervalMs?: number;
  /** Longest interval while nothing changes, in milliseconds. @default 30000 */
  maxIntervalMs?: number;
  /** Factor the interval grows by after each poll that saw no change. @default 1.5 */
  backoff?: number;
  /** Random spread of each delay, as a fraction of it (0.2 = ±20 %). @default 0.2 */
  jitter?: number;
  /** Source of randomness for the jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /**
   * Most share of the time spent polling: a cycle that took `d` ms is
   * followed by a pause of at least `d × (1 − share) / share`, so a slow or
   * large cycle (many pages, many jobs) leaves the site time for submits.
   * @default 0.25
   */
  maxBusyShare?: number;
}

/** Options of a {@link SitePoller}: the cadence, and when a job the site stops reporting is silent, then lost. */
export interface SitePollerOptions extends PollOptions {
  /**
   * A job the site has not reported for this long (polls failing, or
   * answering without it) is `lost`, in milliseconds, counted from when the
   * first such poll was sent (so the HTTP layer's retries count too).
   * @default 300000
   */
  lostAfterMs?: number;
  /**
   * A job the site has not reported for this long is announced as silent
   * ({@link PollListener.silent}), once per silence, in milliseconds; only
   * when shorter than `lostAfterMs`. @default 60000
   */
  silentAfterMs?: number;
  /** The clock. @default Date.now */
  now?: () => number;
}

/** What a poller tells about one job. */
export interface PollListener {
  /** Every status a poll reports for the job, changed or not; `seq` increases with every poll. */
  status(status: SiteJobStatus, seq: number): void;
  /** The poll that should have reported the job failed; the poller goes on. */
  error?(error: Error): void;
  /** The site has not reported the job for `forMs` (see `silentAfterMs`), and why. */
  silent?(forMs: number, why: string): void;
  /** The site has not reported the job for `lostAfterMs`: a `lost` status. The poller no longer watches it. */
  lost?(status: SiteJobStatus): void;
  /**
   * Whether someone waits for news of this job. While no watched job says
   * so, the poller's timer does not keep a Node.js or Deno process alive.
   * Absent means yes.
   */
  keepAlive?(): boolean;
}

interface Entry {
  listeners: Set<PollListener>;
  /** The last state and site state seen, to tell a change from a repeat. */
  last?: string;
  /** When the first poll that did not report the job was sent. */
  silentSince?: number;
  silentAnnounced?: boolean;
}

/**
 * Polls one site for all the jobs watched on it with a single
 * `site.poll(remoteIds)` per cycle, so a site that answers for many jobs in
 * one request (TES: one list request per page) pays one request per cycle,
 * not one per job. The interval adapts: back to `minIntervalMs` after any
 * change or new job, growing by `backoff` up to `maxIntervalMs` while nothing
 * changes, each delay spread by `jitter` so pollers do not poll in step. One
 * poll is in flight at a time; it stops when it watches no job. A site's
 * push hints (`site.subscribe`) make it poll at once.
 *
 * A job the site stops reporting is announced silent after `silentAfterMs`
 * and ends `lost` after `lostAfterMs`: the one rule for every kind of job.
 * A `JobEngine` owns one poller per site.
 *
 * @example
 * ```ts
 * const poller = new SitePoller(site, { minIntervalMs: 500 });
 * const stop = poller.watch(remoteId, { status: (s) => console.log(s.state) });
 * // later
 * stop();
 * ```
 */
export class SitePoller {
  /** The site whose jobs it polls. */
  readonly site: Site;
  readonly #jobs = new Map<string, Entry>();
  readonly #min: number;
  readonly #max: number;
  readonly #backoff: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #restFactor: number;
  readonly #lostAfter: number;
  readonly #silentAfter: number;
  readonly #now: () => number;
  #interval: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dueAt = Number.POSITIVE_INFINITY;
  /** No poll before this (Date.now), after a long cycle: see `maxBusyShare`. */
  #restUntil = 0;
  #polling = false;
  #again = false;
  #urgent = false;
  #seq = 0;
  #polls = 0;
  #unsubscribe: (() => void) | undefined;
  readonly #closing = new AbortController();

  constructor(site: Site, options: SitePollerOptions = {}) {
    this.site = site;
    this.#min = options.minIntervalMs ?? 1000;
    this.#max = Math.max(this.#min, options.maxIntervalMs ?? 30_000);
    this.#backoff = Math.max(1, options.backoff ?? 1.5);
    this.#jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
    this.#random = options.random ?? Math.random;
    const share = Math.min(1, Math.max(0.01, options.maxBusyShare ?? 0.25));
    this.#restFactor = (1 - share) / share;
    this.#lostAfter = options.lostAfterMs ?? 300_000;
    this.#silentAfter = options.silentAfterMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#interval = this.#min;
  }

  /** How many jobs it watches. */
  get size(): number {
    return this.#jobs.size;
  }

  /** How many polls it has sent. */
  get polls(): number {
    return this.#polls;
  }

  /** The interval before the next poll, jitter aside, in milliseconds. */
  get intervalMs(): number {
    return this.#interval;
  }

  /** Watches a job; the returned function stops (idempotent). */
  watch(remoteId: string, listener: PollListener): () => void {
    let entry = this.#jobs.get(remoteId);
    if (!entry) {
      entry = { listeners: new Set() };
      this.#jobs.set(remoteId, entry);
    }
    entry.listeners.add(listener);
    this.#unsubscribe ??= this.site.subscribe?.((id) => {
      if (this.#jobs.has(id)) this.refresh(0);
    });
    this.refresh();
    const current = entry;
    return () => {
      current.listeners.delete(listener);
      if (current.listeners.size === 0 && this.#jobs.get(remoteId) === current) this.#jobs.delete(remoteId);
      if (this.#jobs.size === 0) this.#idle();
    };
  }

  /**
   * Polls again soon: after `delayMs` (default `minIntervalMs` with jitter),
   * after a cancel, a new job, or a hint from the site. The interval starts over.
   */
  refresh(delayMs?: number): void {
    this.#interval = this.#min;
    if (this.#polling) {
      this.#again = true;
      if (delayMs !== undefined && delayMs < this.#min) this.#urgent = true;
      return;
    }
    // Only ever sooner: jobs arriving one after another must not keep pushing the next poll back.
    const delay = Math.max(delayMs ?? jitteredDelay(this.#min, this.#jitter, this.#random), this.#restUntil - Date.now());
    if (this.#now() + delay < this.#dueAt) this.#schedule(delay);
  }

  /**
   * Re-reads whether a watched job wants the process kept alive (see
   * {@link PollListener.keepAlive}) and refs or unrefs the pending timer.
   * `interested: true` says a job just gained interest: the timer is kept
   * without asking every job.
   */
  touch(interested = false): void {
    if (this.#timer === undefined) return;
    const keep = interested || [...this.#jobs.values()].some((entry) => [...entry.listeners].some((l) => l.keepAlive?.() ?? true));
    setTimerRef(this.#timer, keep);
  }

  /** Stops polling for good. */
  close(): void {
    this.#closing.abort();
    this.#jobs.clear();
    this.#idle();
  }

  #idle(): void {
    this.#cancelTimer();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #schedule(delayMs?: number): void {
    this.#cancelTimer();
    if (this.#jobs.size === 0 || this.#closing.signal.aborted) return;
    const delay = Math.max(delayMs ?? jitteredDelay(this.#interval, this.#jitter, this.#random), this.#restUntil - Date.now());
    this.#dueAt = this.#now() + delay;
    this.#timer = setTimeout(() => void this.#tick(), delay);
    this.touch();
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
    const ids = [...this.#jobs.keys()];
    if (ids.length === 0) return;
    this.#polling = true;
    this.#again = false;
    this.#urgent = false;
    const seq = ++this.#seq;
    this.#polls++;
    const sentAt = this.#now();
    const started = Date.now();
    let changed = false;
    try {
      const statuses = await this.site.poll(ids, { signal: this.#closing.signal });
      for (const id of ids) {
        const status = statuses.get(id);
        if (status) changed = this.#reported(id, status, seq) || changed;
        else this.#unreported(id, sentAt, 'the site does not report the job');
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const id of ids) {
        for (const listener of [...(this.#jobs.get(id)?.listeners ?? [])]) safely(() => listener.error?.(failure));
        this.#unreported(id, sentAt, failure.message);
      }
    } finally {
      this.#polling = false;
    }
    if (changed || this.#again) this.#interval = this.#min;
    else this.#interval = Math.min(this.#max, this.#interval * this.#backoff);
    const urgent = this.#urgent;
    this.#urgent = false;
    this.#restUntil = Date.now() + (Date.now() - started) * this.#restFactor;
    this.#schedule(urgent ? 0 : undefined);
  }

  /** Hands a reported status to the job's listeners; true when it changed. */
  #reported(id: string, status: SiteJobStatus, seq: number): boolean {
    const entry = this.#jobs.get(id);
    if (!entry) return false;
    delete entry.silentSince;
    entry.silentAnnounced = false;
    const key = `${status.state}\u0000${status.siteState}`;
    const changed = entry.last !== key;
    entry.last = key;
    for (const listener of [...entry.listeners]) safely(() => listener.status(status, seq));
    return changed;
  }

  /** The one rule for silence: announced after `silentAfterMs`, `lost` after `lostAfterMs`. */
  #unreported(id: string, sentAt: number, why: string): void {
    const entry = this.#jobs.get(id);
    if (!entry) return;
    entry.silentSince ??= sentAt;
    const forMs = this.#now() - entry.silentSince;
    if (forMs >= this.#lostAfter) {
      this.#jobs.delete(id);
      if (this.#jobs.size === 0) this.#idle();
      const lost: SiteJobStatus = { remoteId: id, state: 'lost', siteState: `not reported for ${forMs} ms: ${why}` };
      for (const listener of [...entry.listeners]) safely(() => listener.lost?.(lost));
      return;
    }
    if (forMs >= this.#silentAfter && !entry.silentAnnounced) {
      entry.silentAnnounced = true;
      for (const listener of [...entry.listeners]) safely(() => listener.silent?.(forMs, why));
    }
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure must not stop the poller or the other jobs.
  }
}
