/**
 * One attempt of a network job on one site: admission, circuit breaker,
 * the engine's submit and follow, the site's health, and the verdict of
 * `classifyEnding`.
 * @module
 */
import { AbortError } from '../errors.js';
import { asError, type Ending, type JobRun } from '../jobs/engine-run.js';
import { follow, stageOrUndo } from '../jobs/engine-steps.js';
import type { JobEngine } from '../jobs/engine.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { Site, SiteJobStatus } from '../sites/site.js';
import type { TransferProgress } from '../transfer/progress.js';
import { untilAborted } from '../util/abort.js';
import type { ResolvedFailover } from './config.js';
import type { AttemptRecord, DecisionRecord } from './decision.js';
import { classifyEnding, isStuck } from './failover.js';
import { cancelAmbiguous, cancelQuietly, type OnPendingCancel } from './network-cancels.js';
import type { SiteEntry } from './site-entry.js';

/** What an attempt needs from its network. */
export interface NetworkContext {
  sites: ReadonlyMap<string, SiteEntry>;
  failover: ResolvedFailover;
  engine: JobEngine;
  now: () => number;
  onPendingCancel: OnPendingCancel;
}

/** One job of a network, across its attempts. */
export interface NetworkJobState {
  run: JobRun;
  spec: JobSpec;
  record: DecisionRecord;
  /** Sites that refused this job (4xx): never asked again. */
  refused: Set<string>;
  /** True when the network made the job's id: its attempts' keys were never sent before. */
  freshKeys: boolean;
}

/** How an attempt ended. */
export type AttemptResult =
  /** The site ended the job in a state that is final for it: collect and finish. */
  | { kind: 'final'; site: Site; status: SiteJobStatus; remoteId: string }
  /** The job ends as it is (canceled on a site that cannot be reached). */
  | { kind: 'over'; ending: Ending }
  /** Move on to the next site; `accepted`: the last status of a job the site had accepted; `immediate`: nothing reached the site, or it refused the job (no backoff). */
  | { kind: 'failover'; cause: string; accepted?: SiteJobStatus; immediate?: boolean };

/**
 * Runs one attempt of `job` on `siteId`: records it, announces it (`trying`,
 * with the live decision record), waits for admission, takes the breaker's
 * permission, submits through the engine (once more with the same key when
 * the submit may have reached the site), follows the job, and classifies its
 * ending. A job left on the site (lost, stuck, canceled) is canceled there.
 * Throws what is final for the job (an invalid spec, a cancel before the
 * site accepted it).
 */
export async function attemptOn(context: NetworkContext, job: NetworkJobState, siteId: string, reason: string): Promise<AttemptResult> {
  const entry = context.sites.get(siteId);
  if (!entry) throw new RangeError(`unknown site ${siteId}`);
  const { run, record } = job;
  // one key per try: a retried call of this try is deduplicated by the site, a new try on the same site is a new job
  const tryOnSite = record.attempts.filter((a) => a.site === siteId).length + 1;
  const attempt: AttemptRecord = { site: siteId, idempotencyKey: `${record.job.idempotencyKey}:${siteId}:${tryOnSite}`, startedAt: iso(context) };
  record.attempts.push(attempt);
  run.phase = 'starting';
  run.control.site({ action: 'trying', siteId, reason, detail: record });
  const release = await entry.admission.admit(run.job.id, run.signal, record.request.resources.cores);
  try {
    if (!entry.health.breaker.tryAcquire()) {
      end(context, attempt, 'failed', 'circuit breaker open');
      return { kind: 'failover', cause: 'circuit breaker open' };
    }
    const submitted = await submitOn(context, job, entry, attempt);
    if (typeof submitted !== 'string') return submitted;
    run.control.bind(siteId, submitted, 'submitted', { detail: record });
    return await followOn(context, job, entry, attempt, submitted);
  } finally {
    release();
  }
}

async function submitOn(context: NetworkContext, job: NetworkJobState, entry: SiteEntry, attempt: AttemptRecord): Promise<string | AttemptResult> {
  const { run } = job;
  const started = context.now();
  const stagingStart = new Map<string, number>();
  const onTransfer = (progress: TransferProgress): void => {
    if (!stagingStart.has(progress.file)) stagingStart.set(progress.file, context.now());
    if (progress.done) entry.health.observeTransfer(progress.bytesDone, context.now() - (stagingStart.get(progress.file) ?? started));
  };
  const send = (fresh: boolean): Promise<string> => stageOrUndo(context.engine.steps, run, entry.site, job.spec, { idempotencyKey: attempt.idempotencyKey, fresh }, onTransfer);
  try {
    let remoteId: string;
    try {
      remoteId = await send(job.freshKeys);
    } catch (error) {
      // The submit may have reached the site (a lost answer, a timeout): ask once more with the same
      // key. The site then returns the job it made, or makes it now; either way there is one job.
      if (!classifyEnding({ kind: 'submit-error', error }).ambiguous || run.signal.aborted) throw error;
      attempt.ambiguous = true;
      remoteId = await send(false);
    }
    // A submit includes staging, so its duration is no latency figure: latency comes from probes and HTTP events.
    entry.health.observe('submit', true);
    attempt.acceptedAt = iso(context);
    attempt.remoteId = remoteId;
    return remoteId;
  } catch (error) {
    if (run.canceled || error instanceof AbortError) {
      end(context, attempt, 'canceled');
      throw error;
    }
    const verdict = classifyEnding({ kind: 'submit-error', error });
    entry.health.observe('submit', !verdict.siteFault, undefined, verdict.cause);
    if (verdict.refused) job.refused.add(attempt.site);
    if (verdict.ambiguous) attempt.ambiguous = true;
    end(context, attempt, verdict.refused ? 'refused' : 'failed', verdict.cause);
    if (attempt.ambiguous && verdict.failover) await cancelAmbiguous(entry, attempt, context.onPendingCancel);
    if (!verdict.failover) throw error;
    return { kind: 'failover', cause: verdict.cause, immediate: verdict.immediate };
  }
}

async function followOn(context: NetworkContext, job: NetworkJobState, entry: SiteEntry, attempt: AttemptRecord, remoteId: string): Promise<AttemptResult> {
  const { run } = job;
  const { now } = context;
  const acceptedAt = now();
  const local = new AbortController();
  let started = false;
  let stuck = false;
  // A cancel reaches the site through the network's rule: pending (and the job over) when the site cannot be reached.
  run.cancelOnSite = async (site, id, options) => {
    await untilAborted(cancelQuietly(entry, attempt, id, context.onPendingCancel), options.signal, `canceling network job ${run.job.id}`);
    if (attempt.cancel === 'pending') local.abort(new AbortError('canceled while the site cannot be reached'));
    else context.engine.poller(site).refresh();
  };
  const stop = watchForStuck(context, job, entry, acceptedAt, () => started, () => {
    stuck = true;
    local.abort(new Error('queued past deadline'));
  });
  const following = follow(context.engine.steps, run, entry.site, remoteId, {
    signal: local.signal,
    onStatus: (status) => {
      if (started || status.state === 'queued' || status.state === 'unknown') return;
      started = true;
      entry.health.observeQueueWait(now() - acceptedAt, job.record.request.resources.cores);
      entry.admission.markStarted(run.job.id); // running vs waiting, for earliestCompletion
    },
  });
  // a cancel that came while the site had not answered the submit yet
  if (run.canceled) void run.cancelOnSite(entry.site, remoteId, {}).catch((error: unknown) => run.control.error(asError(error)));
  let status: SiteJobStatus;
  try {
    status = await following;
  } catch (error) {
    if (run.canceled) {
      end(context, attempt, 'canceled', 'canceled by the caller');
      const why = `canceled by the caller; site ${attempt.site} cannot be reached, the cancel is sent when it answers again`;
      return { kind: 'over', ending: { outcome: { state: 'canceled', systemLogs: [why] }, siteState: 'canceled by the caller' } };
    }
    if (!stuck) throw error;
    const verdict = classifyEnding({ kind: 'queued-timeout', waitedMs: now() - acceptedAt });
    entry.health.observe('job', false, undefined, verdict.cause);
    end(context, attempt, 'queued-timeout', verdict.cause);
    await cancelQuietly(entry, attempt, remoteId, context.onPendingCancel);
    return { kind: 'failover', cause: verdict.cause };
  } finally {
    stop();
  }
  const verdict = classifyEnding({ kind: 'state', state: status.state });
  entry.health.observe('job', !verdict.siteFault, undefined, verdict.cause);
  end(context, attempt, status.state);
  if (!verdict.failover || run.canceled) return { kind: 'final', site: entry.site, status, remoteId };
  if (status.state === 'lost') await cancelQuietly(entry, attempt, remoteId, context.onPendingCancel);
  return { kind: 'failover', cause: verdict.cause, accepted: status };
}

/** With `resubmitQueued`, calls `onStuck` once the job counts as stuck queued (see `isStuck`); returns how to stop watching. */
function watchForStuck(context: NetworkContext, job: NetworkJobState, entry: SiteEntry, acceptedAt: number, hasStarted: () => boolean, onStuck: () => void): () => void {
  const { failover, now } = context;
  const deadlineMs = failover.queuedDeadlineMs;
  if (!failover.resubmitQueued || deadlineMs === undefined) return () => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = (): void => {
    if (hasStarted()) return;
    const lastStart = entry.health.lastStartAt;
    const stuck = isStuck({
      queuedForMs: now() - acceptedAt,
      deadlineMs,
      siteLastStartAgoMs: lastStart === undefined || lastStart < acceptedAt ? undefined : now() - lastStart,
      alternative: job.record.candidates.some((c) => c.site !== entry.description.id && !job.refused.has(c.site) && (context.sites.get(c.site)?.health.breaker.allows ?? false)),
    });
    if (stuck) onStuck();
    else timer = setTimeout(check, deadlineMs);
  };
  timer = setTimeout(check, deadlineMs);
  return () => clearTimeout(timer);
}

function end(context: NetworkContext, attempt: AttemptRecord, ending: string, cause?: string): void {
  attempt.ending = ending;
  if (cause !== undefined) attempt.cause = cause;
  attempt.endedAt = iso(context);
}

function iso(context: NetworkContext): string {
  return new Date(context.now()).toISOString();
}
