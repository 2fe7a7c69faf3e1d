/**
 * One job submitted through the network: runs its attempts down the ranked
 * sites, keeps its decision record, and reports what happens as events.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { AbortError, NoEligibleSiteError, PulsarNetworkError } from '../errors.js';
import { resolveRetryPolicy, retry } from '../http/retry.js';
import type { JobSpec } from '../jobs/spec.js';
import { isTerminalState, type JobState } from '../jobs/state.js';
import type { JobOutcome, Site, SiteJobStatus, TransferProgress } from '../sites/site.js';
import { anySignal, deadline, sleep } from '../util/abort.js';
import type { ResolvedFailover } from './config.js';
import type { AttemptRecord, DecisionRecord, FailoverRecord } from './decision.js';
import { invalidEverywhere } from './eligibility.js';
import { classifyEnding, isStuck, nextSite, type FailoverVerdict } from './failover.js';
import { deriveRandom } from './random.js';
import type { SiteEntry } from './site-entry.js';
import type { AttemptWatcher } from './watcher.js';

/** Events of one job (the network re-emits them with the job id). */
export interface NetworkJobEvents {
  /** An attempt on a site starts (the `n`-th of the job, 1-based). */
  trying: (info: { jobId: string; site: string; attempt: number }) => void;
  /** A site accepted an attempt. */
  attempt: (info: { jobId: string; site: string; remoteId: string }) => void;
  /** Input staging progress of the current attempt. */
  transfer: (info: { jobId: string; site: string } & TransferProgress) => void;
  /**
   * The job changed state on its current site. Endings the network fails over
   * from (`lost`, `system_error`, `preempted`) are not reported here: a
   * `failover` event follows instead, and `done` carries the final state.
   */
  state: (info: { jobId: string; site: string; remoteId: string; state: JobState; siteState: string }) => void;
  /** A status poll of the current attempt answered, changed or not (the cadence of live logs). */
  poll: (info: { jobId: string; site: string; remoteId: string; status: SiteJobStatus }) => void;
  /** The job left a site for the next. */
  failover: (info: { jobId: string } & FailoverRecord) => void;
  /** The job reached its final state (or failed everywhere). */
  done: (result: NetworkJobResult) => void;
}

/** How a network job ended. */
export interface NetworkJobResult {
  /** The job's id in the network. */
  jobId: string;
  /** The terminal state on the last site; `system_error` or `lost` when every attempt failed after acceptance. */
  state: JobState;
  /** The id of the site of that state. */
  site: string;
  /** The job's id on that site. */
  remoteId: string;
  /** The job's decision record, complete. */
  record: DecisionRecord;
}

/** What a job needs from its network. */
export interface JobContext {
  sites: ReadonlyMap<string, SiteEntry>;
  failover: ResolvedFailover;
  watcher: AttemptWatcher;
  now: () => number;
  /** Called when a cancel on a site goes pending (the network then probes that site until it is sent). */
  onPendingCancel?: (siteId: string) => void;
}

/** How long a cancel of a job the network leaves may take. */
const CANCEL_TIMEOUT_MS = 30_000;

class AttemptFailed extends PulsarNetworkError {
  static override readonly kind: string = 'AttemptFailed';
  constructor(
    readonly verdict: FailoverVerdict,
    readonly accepted: SiteJobStatus | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(verdict.cause, options);
  }
}

/**
 * A job of the network. Until the jobs layer's `Job` handle wraps it, this is
 * the handle `network.submit` returns.
 *
 * @example
 * ```ts
 * const job = network.submit(spec);
 * job.on('state', ({ site, state }) => console.log(site, state));
 * const { state, site, record } = await job.done();
 * ```
 */
export class NetworkJob extends EventEmitter<NetworkJobEvents> {
  readonly #context: JobContext;
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal;
  #state: JobState | 'pending' = 'pending';
  #site: string | undefined;
  #remoteId: string | undefined;
  #done: Promise<NetworkJobResult> | undefined;
  /** Where the job was when the caller canceled it. */
  #canceledOn: { site: string; remoteId: string } | undefined;
  /** Sites that refused this job (4xx): never asked again. */
  readonly #refused = new Set<string>();

  constructor(
    /** The job's id in the network. */
    readonly id: string,
    /** The base of the idempotency keys of its attempts (`<key>:<site>:<n>`). */
    readonly idempotencyKey: string,
    /** The job as submitted. */
    readonly spec: JobSpec,
    /** The job's decision record, updated as the attempts go. */
    readonly record: DecisionRecord,
    context: JobContext,
    signal?: AbortSignal,
  ) {
    super();
    this.#context = context;
    this.#signal = anySignal([this.#controller.signal, signal]) ?? this.#controller.signal;
  }

  /** The current state: `pending` until a site accepted it. */
  get state(): JobState | 'pending' {
    return this.#state;
  }

  /** The site of the current (or last) attempt. */
  get site(): string | undefined {
    return this.#site;
  }

  /** The site's id of the job in the current (or last) attempt. */
  get remoteId(): string | undefined {
    return this.#remoteId;
  }

  /** Starts the attempts (once); the network calls it. */
  start(): Promise<NetworkJobResult> {
    this.#done ??= this.#run();
    this.#done.catch(() => undefined);
    return this.#done;
  }

  /** Resolves at the final state; rejects with NoEligibleSiteError when no site accepted the job, AbortError when canceled. */
  done(): Promise<NetworkJobResult> {
    return this.start();
  }

  /**
   * Stops the job (as aborting the submit's signal does): waiting and
   * following stop, and a site holding the job is asked to cancel it. `done()`
   * then resolves with state `canceled`, or rejects with AbortError when no
   * site had accepted the job yet.
   */
  async cancel(): Promise<void> {
    this.#controller.abort(new AbortError('job canceled'));
    await this.start().catch(() => undefined);
  }

  /** The site of this network named `siteId`, when there is one. */
  siteFor(siteId: string): Site | undefined {
    return this.#context.sites.get(siteId)?.site;
  }

  /** Delivers the outputs of the finished job from its final site. */
  async collect(options: { signal?: AbortSignal; onTransfer?: (progress: TransferProgress) => void } = {}): Promise<JobOutcome> {
    const result = await this.done();
    const entry = this.#context.sites.get(result.site);
    if (!entry) throw new RangeError(`unknown site ${result.site}`);
    return entry.site.collect(result.remoteId, this.spec, options);
  }

  #iso(): string {
    return new Date(this.#context.now()).toISOString();
  }

  async #run(): Promise<NetworkJobResult> {
    const { failover } = this.#context;
    const random = deriveRandom(this.record.seed, 'backoff', this.record.sequence);
    const policy = resolveRetryPolicy({ retries: failover.maxAttempts - 1, ...failover.backoff, random: () => random.next() });
    const tried = new Map<string, number>();
    this.#refused.clear();
    // selection (issue 14): a spec no site can run ends at once with its ValidationError, nothing sent
    const invalid = invalidEverywhere(this.spec);
    if (invalid) {
      this.record.outcome = { state: 'failed', cause: invalid.message };
      this.record.timestamps.finishedAt = this.#iso();
      throw invalid;
    }
    let pending: FailoverRecord | undefined;
    let lastAccepted: { status: SiteJobStatus; site: string } | undefined;
    try {
      let waitedMs = 0;
      const announce = (to: string | null): void => {
        if (!pending) return;
        pending.to = to;
        this.emit('failover', { jobId: this.id, ...pending });
        pending = undefined;
      };
      const final = await retry(
        async () => {
          let next = nextSite(this.record.candidates, tried, (id) => this.#allowed(id));
          // every site left is behind an open circuit breaker: wait (bounded) for the first to let a trial through
          for (let waitMs = this.#untilABreakerHalfOpens(); !next && waitMs !== undefined && waitedMs + waitMs <= failover.waitForSiteMs; waitMs = this.#untilABreakerHalfOpens()) {
            waitedMs += waitMs;
            await sleep(waitMs, this.#signal, 'waiting for a site');
            next = nextSite(this.record.candidates, tried, (id) => this.#allowed(id));
          }
          if (!next) {
            announce(null);
            throw new NoEligibleSiteError(this.record, tried.size === 0 ? 'no eligible site for this job' : 'no site left to fail over to');
          }
          announce(next.site);
          tried.set(next.site, (tried.get(next.site) ?? 0) + 1);
          try {
            return { status: await this.#attempt(next.site), site: next.site };
          } catch (error) {
            if (error instanceof AttemptFailed && error.accepted) lastAccepted = { status: error.accepted, site: next.site };
            throw error;
          }
        },
        policy,
        {
          signal: this.#signal,
          shouldRetry: (error) => error instanceof AttemptFailed,
          // selection (issue 14): nothing reached the site, or it refused the job: try the next one at once
          retryAfterMs: (error) => (error instanceof AttemptFailed && error.verdict.immediate ? 0 : undefined),
          onRetry: ({ error, delayMs }) => {
            const from = this.record.attempts.at(-1)?.site ?? '?';
            pending = { from, to: null, cause: error instanceof Error ? error.message : String(error), at: this.#iso(), delayMs };
            this.record.failovers.push(pending);
          },
        },
      );
      return this.#finish(final.status, final.site);
    } catch (error) {
      if (this.#canceledOn) return this.#finish({ remoteId: this.#canceledOn.remoteId, state: 'canceled', siteState: 'canceled by the caller' }, this.#canceledOn.site);
      const cause = error instanceof Error ? error.message : String(error);
      if (lastAccepted && !(error instanceof AbortError)) return this.#finish(lastAccepted.status, lastAccepted.site, `every attempt failed; last: ${cause}`);
      const last = this.record.attempts.at(-1)?.cause;
      const exhausted = error instanceof AttemptFailed || (error instanceof NoEligibleSiteError && last !== undefined);
      this.record.outcome = { state: 'failed', cause: exhausted ? `every eligible site refused or failed the job (last: ${last ?? cause})` : cause };
      this.record.timestamps.finishedAt = this.#iso();
      if (exhausted) throw new NoEligibleSiteError(this.record, this.record.outcome.cause, { cause: error });
      throw error;
    }
  }

  #allowed(siteId: string): boolean {
    return !this.#refused.has(siteId) && (this.#context.sites.get(siteId)?.health.breaker.allows ?? false);
  }

  /** Milliseconds until the first open breaker among this job's ranked sites (not refused) lets a trial through. */
  #untilABreakerHalfOpens(): number | undefined {
    let soonest: number | undefined;
    for (const { site } of this.record.candidates) {
      if (this.#refused.has(site)) continue;
      const until = this.#context.sites.get(site)?.health.breaker.openUntil;
      if (until !== undefined) soonest = Math.min(soonest ?? until, until);
    }
    return soonest === undefined ? undefined : Math.max(1, soonest - this.#context.now());
  }

  #finish(status: SiteJobStatus, site: string, cause?: string): NetworkJobResult {
    this.#state = status.state;
    this.record.outcome = { state: status.state, site };
    if (cause) this.record.outcome.cause = cause;
    this.record.timestamps.finishedAt = this.#iso();
    const result: NetworkJobResult = { jobId: this.id, state: status.state, site, remoteId: status.remoteId, record: this.record };
    this.emit('done', result);
    return result;
  }

  async #attempt(siteId: string): Promise<SiteJobStatus> {
    const entry = this.#context.sites.get(siteId);
    if (!entry) throw new RangeError(`unknown site ${siteId}`);
    // one key per try: a retried call of this try is deduplicated by the site, a new try on the same site is a new job
    const tryOnSite = this.record.attempts.filter((a) => a.site === siteId).length + 1;
    const attempt: AttemptRecord = { site: siteId, idempotencyKey: `${this.idempotencyKey}:${siteId}:${tryOnSite}`, startedAt: this.#iso() };
    this.record.attempts.push(attempt);
    // selection (issue 14): every attempt is announced when it starts, before admission and staging
    this.emit('trying', { jobId: this.id, site: siteId, attempt: this.record.attempts.length });
    const release = await entry.admission.admit(this.id, this.#signal, this.record.request.resources.cores); // selection (issue 14): cores ahead
    try {
      if (!entry.health.breaker.tryAcquire()) {
        attempt.ending = 'failed';
        attempt.cause = 'circuit breaker open';
        attempt.endedAt = this.#iso();
        throw new AttemptFailed({ failover: true, cause: 'circuit breaker open', siteFault: false, ambiguous: false, refused: false, immediate: false }, undefined);
      }
      const remoteId = await this.#submit(entry, attempt);
      const status = await this.#follow(entry, attempt, remoteId);
      const verdict = classifyEnding({ kind: 'state', state: status.state });
      entry.health.observe('job', !verdict.siteFault, undefined, verdict.cause);
      attempt.ending = status.state;
      attempt.endedAt = this.#iso();
      if (verdict.failover) {
        if (status.state === 'lost') await this.#cancelQuietly(entry, attempt, remoteId);
        throw new AttemptFailed(verdict, status);
      }
      return status;
    } finally {
      release();
    }
  }

  async #submit(entry: SiteEntry, attempt: AttemptRecord): Promise<string> {
    const started = this.#context.now();
    const stagingStart = new Map<string, number>();
    const send = () =>
      entry.site.submit(this.spec, {
        idempotencyKey: attempt.idempotencyKey,
        signal: this.#signal,
        onTransfer: (progress) => {
          if (!stagingStart.has(progress.file)) stagingStart.set(progress.file, this.#context.now());
          if (progress.done) {
            entry.health.observeTransfer(progress.bytesDone, this.#context.now() - (stagingStart.get(progress.file) ?? started));
          }
          this.emit('transfer', { jobId: this.id, site: attempt.site, ...progress });
        },
      });
    try {
      let ref;
      try {
        ref = await send();
      } catch (error) {
        // The submit may have reached the site (a lost answer, a timeout): ask once more with the same
        // key. The site then returns the job it made, or makes it now; either way there is one job.
        if (!classifyEnding({ kind: 'submit-error', error }).ambiguous || this.#signal.aborted) throw error;
        attempt.ambiguous = true;
        ref = await send();
      }
      // A submit includes staging, so its duration is no latency figure: latency comes from probes and HTTP events.
      entry.health.observe('submit', true);
      attempt.acceptedAt = this.#iso();
      attempt.remoteId = ref.remoteId;
      this.#site = attempt.site;
      this.#remoteId = ref.remoteId;
      this.#state = 'queued';
      this.emit('attempt', { jobId: this.id, site: attempt.site, remoteId: ref.remoteId });
      return ref.remoteId;
    } catch (error) {
      const verdict = classifyEnding({ kind: 'submit-error', error });
      if (error instanceof AbortError) throw error;
      entry.health.observe('submit', !verdict.siteFault, undefined, verdict.cause);
      attempt.ending = verdict.refused ? 'refused' : 'failed';
      if (verdict.refused) this.#refused.add(attempt.site);
      attempt.cause = verdict.cause;
      attempt.endedAt = this.#iso();
      if (verdict.ambiguous) attempt.ambiguous = true;
      if (attempt.ambiguous && verdict.failover) await this.#cancelAmbiguous(entry, attempt);
      if (!verdict.failover) throw error;
      throw new AttemptFailed(verdict, undefined, { cause: error });
    }
  }

  async #follow(entry: SiteEntry, attempt: AttemptRecord, remoteId: string): Promise<SiteJobStatus> {
    const { failover, watcher, now } = this.#context;
    const acceptedAt = now();
    const local = new AbortController();
    let started = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stuck = false;
    const deadlineMs = failover.queuedDeadlineMs;
    if (failover.resubmitQueued && deadlineMs !== undefined) {
      const check = (): void => {
        if (started) return;
        const lastStart = entry.health.lastStartAt;
        const stuckNow = isStuck({
          queuedForMs: now() - acceptedAt,
          deadlineMs,
          siteLastStartAgoMs: lastStart === undefined || lastStart < acceptedAt ? undefined : now() - lastStart,
          alternative: this.record.candidates.some((c) => c.site !== attempt.site && this.#allowed(c.site)),
        });
        if (stuckNow) {
          stuck = true;
          local.abort(new Error('queued past deadline'));
        } else {
          timer = setTimeout(check, deadlineMs);
        }
      };
      timer = setTimeout(check, deadlineMs);
    }
    const signal = anySignal([this.#signal, local.signal]) ?? local.signal;
    try {
      return await watcher.follow(
        entry.site,
        remoteId,
        (status) => {
          if (!started && status.state !== 'queued' && status.state !== 'unknown') {
            started = true;
            entry.health.observeQueueWait(now() - acceptedAt, this.record.request.resources.cores);
            entry.admission.markStarted(this.id); // selection (issue 14): running vs waiting, for earliestCompletion
          }
          // an ending the network fails over from is not the job's: the `failover` event tells it
          if (isTerminalState(status.state) && classifyEnding({ kind: 'state', state: status.state }).failover) return;
          this.#state = status.state;
          this.emit('state', { jobId: this.id, site: attempt.site, remoteId, state: status.state, siteState: status.siteState });
        },
        signal,
        (status) => this.emit('poll', { jobId: this.id, site: attempt.site, remoteId, status }),
      );
    } catch (error) {
      if (this.#signal.aborted) {
        await this.#cancelQuietly(entry, attempt, remoteId);
        attempt.ending = 'canceled';
        attempt.endedAt = this.#iso();
        this.#canceledOn = { site: attempt.site, remoteId };
        throw error;
      }
      if (!stuck) throw error;
      const verdict = classifyEnding({ kind: 'queued-timeout', waitedMs: now() - acceptedAt });
      entry.health.observe('job', false, undefined, verdict.cause);
      attempt.ending = 'queued-timeout';
      attempt.cause = verdict.cause;
      attempt.endedAt = this.#iso();
      await this.#cancelQuietly(entry, attempt, remoteId);
      throw new AttemptFailed(verdict, undefined, { cause: error });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /**
   * A submit that failed after it may have reached the site may have made a
   * job there: find it by its idempotency key and cancel it before the job
   * moves on, or leave that pending until a probe reaches the site. Sites
   * without `lookup` cannot be asked.
   */
  async #cancelAmbiguous(entry: SiteEntry, attempt: AttemptRecord): Promise<void> {
    if (!entry.site.lookup) return;
    attempt.cancel = 'pending';
    if (entry.health.breaker.state !== 'open') {
      const limit = deadline(CANCEL_TIMEOUT_MS);
      try {
        const remoteId = await entry.site.lookup(attempt.idempotencyKey, { signal: limit.signal });
        if (remoteId === undefined) {
          delete attempt.cancel;
          return;
        }
        await this.#cancelQuietly(entry, attempt, remoteId);
        return;
      } catch {
        // the site cannot be asked now
      } finally {
        limit.clear();
      }
    }
    entry.pendingLookups.set(attempt.idempotencyKey, attempt);
    this.#context.onPendingCancel?.(attempt.site);
  }

  /**
   * Asks the site to cancel a job the network is leaving, so it cannot run
   * twice; records the outcome. A site behind an open circuit breaker is not
   * called (its cancel would only wait out its retries and fail, holding up
   * the failover): the cancel is pending at once, sent when a probe reaches it.
   */
  async #cancelQuietly(entry: SiteEntry, attempt: AttemptRecord, remoteId: string): Promise<void> {
    if (entry.health.breaker.state === 'open') {
      attempt.cancel = 'pending';
      entry.pendingCancels.set(remoteId, attempt);
      this.#context.onPendingCancel?.(attempt.site);
      return;
    }
    // not the job's signal: it may be the abort that asked for this cancel
    const limit = deadline(CANCEL_TIMEOUT_MS);
    try {
      await entry.site.cancel(remoteId, { signal: limit.signal });
      attempt.cancel = 'requested';
    } catch {
      // the site cannot be reached: the network cancels it as soon as the site answers a probe again
      attempt.cancel = 'pending';
      entry.pendingCancels.set(remoteId, attempt);
      this.#context.onPendingCancel?.(attempt.site);
    } finally {
      limit.clear();
    }
  }
}
