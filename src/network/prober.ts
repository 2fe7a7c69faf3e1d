/**
 * Active probes of a network's sites: one now, a first round that the
 * network waits for (bounded), periodic ones with seeded jitter, and the
 * cancels left pending on a site sent once it answers again.
 * @module
 */
import type { SiteProbe } from '../sites/site.js';
import { failedProbe } from '../sites/probe-failure.js';
import { anySignal, deadline } from '../util/abort.js';
import type { ResolvedHealth } from './config.js';
import { flushCancels } from './network-cancels.js';
import { deriveRandom, type RandomSource } from './random.js';
import type { SiteEntry } from './site-entry.js';

/** What a {@link SiteProber} needs from its network. */
export interface ProberContext {
  entries: ReadonlyMap<string, SiteEntry>;
  health: ResolvedHealth;
  seed: string | number;
  now: () => number;
  /** Called after every probe, once the site's health and description took it in. */
  onProbe: (site: string, probe: SiteProbe) => void;
}

/**
 * Probes the sites of one network. Its timers never keep a process alive,
 * and `close()` stops them and aborts the probes in flight.
 *
 * @example
 * ```ts
 * declare const context: Pick<ProberContext, 'entries' | 'health'>;
 * const prober = new SiteProber({ ...context, seed: 'run-1', now: Date.now, onProbe: (site, probe) => console.log(site, probe.ok) });
 * await prober.firstRound(2000); // every site probed, or 2 s passed
 * prober.start();
 * ```
 */
export class SiteProber {
  readonly #context: ProberContext;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #random = new Map<string, RandomSource>();
  readonly #closing = new AbortController();
  /** Whether periodic probes are in force (else a site is probed only while it holds pending cancels). */
  #periodic = false;

  constructor(context: ProberContext) {
    this.#context = context;
  }

  /**
   * Probes every site now and waits for all of them, or `waitMs`, whichever
   * comes first; the probes still out go on and take effect when they end.
   */
  async firstRound(waitMs: number): Promise<void> {
    const all = Promise.all([...this.#context.entries.keys()].map((id) => this.probe(id).catch(() => undefined)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
      (timer as { unref?: () => void }).unref?.();
    });
    await Promise.race([all, bound]);
    clearTimeout(timer);
  }

  /** Starts periodic probes of every site. */
  start(): void {
    this.#periodic = true;
    for (const id of this.#context.entries.keys()) if (!this.#timers.has(id)) this.#schedule(id);
  }

  /** Stops periodic probes (those of sites holding pending cancels too). */
  stop(): void {
    this.#periodic = false;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** A site holds cancels the network could not send: probe it until they are sent. */
  wake(id: string): void {
    if (!this.#closing.signal.aborted && !this.#timers.has(id)) this.#schedule(id);
  }

  /** Stops every probe, running or planned. */
  close(): void {
    this.stop();
    this.#closing.abort(new Error('the network is closed'));
  }

  /** Probes one site: its health takes the result in, and a good probe refreshes its description and sends its pending cancels. */
  async probe(id: string): Promise<SiteProbe> {
    const entry = this.#context.entries.get(id);
    if (!entry) throw new RangeError(`unknown site ${id}`);
    const { probeTimeoutMs } = this.#context.health;
    const limit = deadline(probeTimeoutMs);
    const started = this.#context.now();
    let probe: SiteProbe;
    try {
      probe = await entry.site.probe({ signal: anySignal([limit.signal, this.#closing.signal]) as AbortSignal });
    } catch (error) {
      probe = failedProbe(error, this.#context.now() - started);
    } finally {
      limit.clear();
    }
    if (!probe.ok && limit.expired()) probe = { ...probe, error: `no answer within ${probeTimeoutMs} ms`, failure: 'unreachable' };
    entry.health.observeProbe(probe);
    if (probe.ok) {
      await flushCancels(entry, this.#context.health.probeTimeoutMs);
      if (probe.version !== undefined) entry.description.version = probe.version;
      if (probe.storages) entry.description.storages = [...new Set([...entry.description.storages, ...probe.storages])];
      if (probe.backendParameters) entry.description.backendParameters = [...probe.backendParameters];
    }
    this.#context.onProbe(id, probe);
    return probe;
  }

  #schedule(id: string): void {
    const { probeIntervalMs, probeJitter } = this.#context.health;
    let random = this.#random.get(id);
    if (!random) {
      random = deriveRandom(this.#context.seed, 'probe', id);
      this.#random.set(id, random);
    }
    const delay = probeIntervalMs * (1 - probeJitter + 2 * probeJitter * random.next());
    const timer = setTimeout(() => {
      void this.probe(id).finally(() => {
        if (!this.#timers.has(id)) return;
        const entry = this.#context.entries.get(id);
        if (this.#periodic || (entry && entry.pendingCancels.size + entry.pendingLookups.size > 0)) this.#schedule(id);
        else this.#timers.delete(id);
      });
    }, delay);
    (timer as { unref?: () => void }).unref?.();
    this.#timers.set(id, timer);
  }
}
