/**
 * `SiteWatcher`: one poller per site for all of that site's jobs.
 * @module
 */
import type { Site, SiteJobStatus } from '../sites/site.js';

/** How often a watcher polls. */
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
}

/** What a watcher tells about one job. */
export interface WatchListener {
  /** A status of the job; `seq` increases with every poll the watcher sends. */
  status(status: SiteJobStatus, seq: number): void;
  /** The poll that should have reported the job failed; the watcher goes on. */
  error?(error: Error): void;
  /** The poll answered, but not about this job. */
  missing?(): void;
  /**
   * Whether someone waits for news of this job. While no watched job says
   * so, the watcher's timer does not keep a Node.js or Deno process alive.
   * Absent means yes.
   */
  keepAlive?(): boolean;
}

interface Entry {
  listeners: Set<WatchListener>;
  /** The last state and site state seen, to tell a change from a repeat. */
  last?: string;
}

/**
 * Polls one site for all the jobs watched on it with a single
 * `site.poll(remoteIds)` per cycle, so a site that can answer for many jobs
 * in one request (TES: one list request per page) pays one request per cycle,
 * not one per job. The interval adapts: back to `minIntervalMs` after any
 * change or new job, growing by `backoff` up to `maxIntervalMs` while nothing
 * changes, each delay spread by `jitter` so many watchers do not poll in step.
 * One poll is in flight at a time. It stops when it watches no job.
 *
 * @example
 * ```ts
 * const watcher = watcherFor(site, { minIntervalMs: 500 });
 * const stop = watcher.watch(remoteId, { status: (s) => console.log(s.state) });
 * // later
 * stop();
 * ```
 */
export class SiteWatcher {
  /** The site whose jobs it polls. */
  readonly site: Site;
  readonly #jobs = new Map<string, Entry>();
  readonly #min: number;
  readonly #max: number;
  readonly #backoff: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #interval: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dueAt = Number.POSITIVE_INFINITY;
  #polling = false;
  #again = false;
  #seq = 0;
  #polls = 0;
  #urgent = false;
  #unsubscribe: (() => void) | undefined;
  readonly #closing = new AbortController();

  constructor(site: Site, options: PollOptions = {}) {
    this.site = site;
    this.#min = options.minIntervalMs ?? 1000;
    this.#max = Math.max(this.#min, options.maxIntervalMs ?? 30_000);
    this.#backoff = Math.max(1, options.backoff ?? 1.5);
    this.#jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
    this.#random = options.random ?? Math.random;
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
  watch(remoteId: string, listener: WatchListener): () => void {
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
   * Polls again soon: after `delayMs` (default `minIntervalMs` with jitter), after a
   * cancel, a new job, or a hint from the site. The interval starts over.
   */
  refresh(delayMs?: number): void {
    this.#interval = this.#min;
    if (this.#polling) {
      this.#again = true;
      if (delayMs !== undefined && delayMs < this.#min) this.#urgent = true;
      return;
    }
    if (this.#dueAt > Date.now() + (delayMs ?? this.#min)) this.#schedule(delayMs);
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
    const spread = 1 + this.#jitter * (2 * this.#random() - 1);
    const delay = delayMs ?? Math.max(0, Math.round(this.#interval * spread));
    this.#dueAt = Date.now() + delay;
    this.#timer = setTimeout(() => void this.#tick(), delay);
    this.touch();
  }

  /**
   * Re-reads whether a watched job wants the process kept alive (see
   * {@link WatchListener.keepAlive}) and refs or unrefs the pending timer.
   */
  touch(): void {
    const timer = this.#timer as unknown;
    if (timer === undefined) return;
    const keep = [...this.#jobs.values()].some((entry) => [...entry.listeners].some((l) => l.keepAlive?.() ?? true));
    if (typeof timer === 'object' && timer !== null && 'ref' in timer && 'unref' in timer) {
      (timer as { ref(): void; unref(): void })[keep ? 'ref' : 'unref']();
    } else if (typeof timer === 'number') {
      const deno = (globalThis as { Deno?: { refTimer?(id: number): void; unrefTimer?(id: number): void } }).Deno;
      (keep ? deno?.refTimer : deno?.unrefTimer)?.(timer);
    }
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
    let changed = false;
    try {
      const statuses = await this.site.poll(ids, { signal: this.#closing.signal });
      for (const id of ids) {
        const status = statuses.get(id);
        const entry = this.#jobs.get(id);
        if (!entry) continue;
        if (!status) {
          for (const listener of [...entry.listeners]) safely(() => listener.missing?.());
          continue;
        }
        const key = `${status.state}\u0000${status.siteState}`;
        if (entry.last !== key) {
          entry.last = key;
          changed = true;
        }
        for (const listener of [...entry.listeners]) safely(() => listener.status(status, seq));
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const id of ids) {
        for (const listener of [...(this.#jobs.get(id)?.listeners ?? [])]) safely(() => listener.error?.(failure));
      }
    } finally {
      this.#polling = false;
    }
    if (changed || this.#again) this.#interval = this.#min;
    else this.#interval = Math.min(this.#max, this.#interval * this.#backoff);
    const urgent = this.#urgent;
    this.#urgent = false;
    this.#schedule(urgent ? 0 : undefined);
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure must not stop the watcher or the other jobs.
  }
}

const watchers = new WeakMap<Site, SiteWatcher>();

/**
 * The one watcher of a site, made on first use with `options` (later calls
 * get the same watcher, whatever options they pass).
 *
 * @example
 * ```ts
 * const watcher = watcherFor(site);
 * console.log(watcher.size, 'jobs watched');
 * ```
 */
export function watcherFor(site: Site, options?: PollOptions): SiteWatcher {
  let watcher = watchers.get(site);
  if (!watcher) {
    watcher = new SiteWatcher(site, options);
    watchers.set(site, watcher);
  }
  return watcher;
}
