/**
 * The steps of a job's life on one site — stage and submit, follow, end —
 * shared by every driver: a single-site job, a network attempt, a job found
 * again.
 * @module
 */
import { AbortError } from '../errors.js';
import type { Site, SiteJobStatus } from '../sites/site.js';
import type { TransferProgress } from '../transfer/progress.js';
import { LogFollower, type LogFollowOptions } from './follow-logs.js';
import { asError, type Ending, type JobRun } from './engine-run.js';
import type { SitePoller } from './poller.js';
import type { Semaphore } from '../util/semaphore.js';
import type { JobSpec } from '../contracts/job-spec.js';
import { isTerminalState } from './state.js';

/** What the steps need of their engine. */
export interface StepContext {
  /** The site's poller. */
  poller(site: Site): SitePoller;
  /** Called when a job stops being followed on a site (the engine drops idle pollers). */
  unwatched(site: Site): void;
  /** Live logs, or `false`. */
  liveLogs: LogFollowOptions | false;
  /** The site's submit slots (see `JobEngineOptions.submitConcurrency`). */
  submitSlots(site: Site): Semaphore;
}

/**
 * Stages the inputs and submits, in one of the site's submit slots (a burst
 * of new jobs then leaves the site's requests room for status polls):
 * `trying` is announced by the caller. Aborted by a cancel (`run.signal`),
 * also while it waits for a slot. Resolves with the site's id of the job.
 */
export async function stage(context: StepContext, run: JobRun, site: Site, spec: JobSpec, key: SubmitKey, onTransfer?: (progress: TransferProgress) => void): Promise<string> {
  run.phase = 'submitting';
  run.site = site;
  const release = await context.submitSlots(site).acquire(run.signal);
  try {
    return await submitTo(run, site, spec, key, onTransfer);
  } finally {
    release();
  }
}

async function submitTo(run: JobRun, site: Site, spec: JobSpec, key: SubmitKey, onTransfer?: (progress: TransferProgress) => void): Promise<string> {
  const ref = await site.submit(spec, {
    idempotencyKey: key.idempotencyKey,
    ...(key.fresh ? { fresh: true } : {}),
    signal: run.signal,
    onTransfer: (progress) => {
      onTransfer?.(progress);
      run.control.transfer(progress);
    },
  });
  return ref.remoteId;
}

/** The key of a submit, and whether it was never sent before (see `SubmitOptions.fresh`). */
export interface SubmitKey {
  idempotencyKey: string;
  fresh?: boolean;
}

/** Options of {@link follow}. */
export interface FollowHooks {
  /** Stops following (rejects with AbortError); never the job. */
  signal?: AbortSignal;
  /** Hears every status a poll reports for the job. */
  onStatus?(status: SiteJobStatus): void;
}

/**
 * Follows the job on `site` through the site's poller until a terminal
 * state: feeds every state before it to the job, failed polls as non-fatal
 * errors, a long silence as a `silent` site event, and the live logs (read at
 * each poll while someone hears them, drained at the end). Resolves with the
 * terminal status, `lost` when the site stopped reporting the job for the
 * poller's `lostAfterMs`. Rejects with AbortError when `hooks.signal` aborts.
 */
export function follow(context: StepContext, run: JobRun, site: Site, remoteId: string, hooks: FollowHooks = {}): Promise<SiteJobStatus> {
  const { control } = run;
  run.phase = 'following';
  run.site = site;
  run.remoteId = remoteId;
  const live = run.liveLogs ?? context.liveLogs;
  const logs = live === false ? undefined : new LogFollower(site, remoteId, control, live);
  const poller = context.poller(site);
  control.onInterest(() => poller.touch(true));
  const following = new Promise<SiteJobStatus>((resolve, reject) => {
    let settled = false;
    let stop = (): void => undefined;
    const end = (status: SiteJobStatus | undefined, error?: Error): void => {
      if (settled) return;
      settled = true;
      stop();
      context.unwatched(site);
      hooks.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(status as SiteJobStatus);
    };
    const onAbort = (): void => end(undefined, new AbortError('following the job', { cause: hooks.signal?.reason }));
    if (hooks.signal?.aborted) {
      onAbort();
      return;
    }
    stop = poller.watch(remoteId, {
      status: (status, seq) => {
        hooks.onStatus?.(status);
        logs?.poll(status.state);
        if (!isTerminalState(status.state)) {
          control.update({ state: status.state, siteState: status.siteState, seq });
          return;
        }
        stop();
        void (logs ? logs.drain() : Promise.resolve()).then(() => end(status));
      },
      error: (error) => control.error(error),
      silent: (forMs, why) => control.site({ action: 'silent', siteId: site.id, remoteId, reason: `not reported for ${forMs} ms: ${why}` }),
      lost: (status) => end(status),
      keepAlive: () => control.interested,
    });
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
  });
  // Callers may await a cancel before they await this: a rejection meanwhile is theirs, not unhandled.
  following.catch(() => undefined);
  return following;
}

/**
 * How a job the site reports terminal ends. `lost` ends as is. A job
 * canceled before its outputs were collected delivers none: one the site
 * reports `complete` anyway (it ended before the cancel reached it) ends
 * `canceled`. Otherwise the site collects (logs, and the outputs of a
 * `complete` job); a cancel while it collects aborts the downloads (a site
 * removes a partial file) and the job ends `canceled`; a failed collect ends
 * `system_error` (or the site's failed state) with the error.
 */
export async function conclude(run: JobRun, site: Site, remoteId: string, spec: JobSpec | undefined, status: SiteJobStatus): Promise<Ending> {
  const siteState = status.siteState;
  if (status.state === 'lost') return { outcome: { state: 'lost', systemLogs: [siteState] }, siteState };
  if (run.canceled && status.state === 'complete') {
    return { outcome: { state: 'canceled', systemLogs: [`canceled: the job ended ${siteState} on site ${site.id} before the cancel reached it; nothing was collected`] }, siteState };
  }
  run.phase = 'collecting';
  const signal = run.collectSignal();
  const canceled = 'canceled while collecting the outputs: the downloads were stopped';
  try {
    const outcome = await site.collect(remoteId, spec, { signal, onTransfer: (progress) => run.control.transfer(progress) });
    // Sites report an output they could not write as a problem: after an abort, the job is canceled (unless all arrived anyway).
    if (signal.aborted && outcome.state !== 'complete') return { outcome: { ...outcome, state: 'canceled', systemLogs: [...outcome.systemLogs, canceled] }, siteState };
    return { outcome, siteState };
  } catch (caught) {
    const error = asError(caught);
    if (signal.aborted) return { outcome: { state: 'canceled', systemLogs: [canceled] }, siteState };
    return { outcome: { state: status.state === 'complete' ? 'system_error' : status.state, systemLogs: [error.message] }, siteState, error };
  }
}

/**
 * The whole life of a job on one site: submit (`trying`, staging,
 * `submitted`) or take the job found by an attach, follow it, end it. A
 * cancel before the site answered the submit takes effect as soon as it has.
 */
export async function runOnSite(
  context: StepContext,
  run: JobRun,
  site: Site,
  spec: JobSpec | undefined,
  start: { submit: SubmitKey } | { found: SiteJobStatus },
): Promise<void> {
  try {
    let status: SiteJobStatus;
    let remoteId: string;
    if ('submit' in start) {
      run.control.site({ action: 'trying', siteId: site.id });
      remoteId = await stageOrUndo(context, run, site, spec ?? { executors: [] }, start.submit);
      run.control.bind(site.id, remoteId, 'submitted');
      const following = follow(context, run, site, remoteId);
      if (run.canceled) await run.cancelOnSite(site, remoteId, {}).catch((error: unknown) => run.control.error(asError(error)));
      status = await following;
    } else {
      remoteId = start.found.remoteId;
      if (isTerminalState(start.found.state)) status = start.found;
      else {
        const following = follow(context, run, site, remoteId);
        if (run.canceled) await run.cancelOnSite(site, remoteId, {}).catch((error: unknown) => run.control.error(asError(error)));
        status = await following;
      }
    }
    run.finish(await conclude(run, site, remoteId, spec, status));
  } catch (error) {
    run.fail(asError(error));
  }
}

/**
 * The life of a job a site already holds, found by its id, or by the key it
 * was submitted with (the site is asked again with that key: it gives back
 * the job it made, or makes it now, once): `attached`, then as
 * {@link runOnSite}.
 */
export async function attachOnSite(context: StepContext, run: JobRun, site: Site, spec: JobSpec, known: { remoteId: string } | { idempotencyKey: string }): Promise<void> {
  try {
    let remoteId: string;
    if ('remoteId' in known) remoteId = known.remoteId;
    else {
      run.control.site({ action: 'trying', siteId: site.id });
      remoteId = await stageOrUndo(context, run, site, spec, { idempotencyKey: known.idempotencyKey });
    }
    // not bound to a cancel: a job canceled meanwhile is found, then canceled on the site
    const found = await site.attach(remoteId);
    run.control.bind(site.id, remoteId, 'attached');
    if (!isTerminalState(found.state)) run.control.update({ state: found.state, siteState: found.siteState });
    await runOnSite(context, run, site, spec, { found });
  } catch (error) {
    run.fail(asError(error));
  }
}

/**
 * {@link stage}; when a cancel aborted a submit that may have reached the
 * site, the job it made (found by its key with `site.lookup`) is canceled,
 * so nothing runs that nobody follows.
 */
export async function stageOrUndo(context: StepContext, run: JobRun, site: Site, spec: JobSpec, key: SubmitKey, onTransfer?: (progress: TransferProgress) => void): Promise<string> {
  try {
    return await stage(context, run, site, spec, key, onTransfer);
  } catch (error) {
    if (run.canceled && site.lookup) void undoSubmit(site, key.idempotencyKey);
    throw error;
  }
}

async function undoSubmit(site: Site, key: string): Promise<void> {
  try {
    const made = await site.lookup?.(key);
    if (made !== undefined) await site.cancel(made);
  } catch {
    // The site cannot be asked now; the job, if it exists, runs on unfollowed.
  }
}
