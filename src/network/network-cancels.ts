/**
 * Cancels of jobs the network leaves on a site: sent at once when the site
 * answers, kept pending (and sent after a good probe) when it does not.
 * @module
 */
import { deadline } from '../util/abort.js';
import type { AttemptRecord } from './decision.js';
import type { SiteEntry } from './site-entry.js';

/** How long a cancel of a job the network leaves may take. */
const CANCEL_TIMEOUT_MS = 30_000;

/** Called when a cancel on a site goes pending (the network then probes that site until it is sent). */
export type OnPendingCancel = (siteId: string) => void;

/**
 * Asks the site to cancel a job the network is leaving, so it cannot run
 * twice; records the outcome in the attempt. A site behind an open circuit
 * breaker is not called (its cancel would only wait out its retries and fail,
 * holding up the failover): the cancel is pending at once, sent when a probe
 * reaches it.
 */
export async function cancelQuietly(entry: SiteEntry, attempt: AttemptRecord, remoteId: string, onPending: OnPendingCancel): Promise<void> {
  if (entry.health.breaker.state === 'open') {
    pend(entry, attempt, remoteId, onPending);
    return;
  }
  // not the job's signal: it may be the abort that asked for this cancel
  const limit = deadline(CANCEL_TIMEOUT_MS);
  try {
    await entry.site.cancel(remoteId, { signal: limit.signal });
    attempt.cancel = 'requested';
  } catch {
    // the site cannot be reached: the network cancels it as soon as the site answers a probe again
    pend(entry, attempt, remoteId, onPending);
  } finally {
    limit.clear();
  }
}

function pend(entry: SiteEntry, attempt: AttemptRecord, remoteId: string, onPending: OnPendingCancel): void {
  attempt.cancel = 'pending';
  entry.pendingCancels.set(remoteId, attempt);
  onPending(attempt.site);
}

/**
 * A submit that failed after it may have reached the site may have made a
 * job there: find it by its idempotency key and cancel it before the job
 * moves on, or leave that pending until a probe reaches the site. Sites
 * without `lookup` cannot be asked.
 */
export async function cancelAmbiguous(entry: SiteEntry, attempt: AttemptRecord, onPending: OnPendingCancel): Promise<void> {
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
      await cancelQuietly(entry, attempt, remoteId, onPending);
      return;
    } catch {
      // the site cannot be asked now
    } finally {
      limit.clear();
    }
  }
  entry.pendingLookups.set(attempt.idempotencyKey, attempt);
  onPending(attempt.site);
}

/** Cancels the jobs the network left on a site while it was unreachable; keeps those that still fail. */
export async function flushCancels(entry: SiteEntry, timeoutMs: number): Promise<void> {
  for (const [key, attempt] of [...entry.pendingLookups]) {
    const limit = deadline(timeoutMs);
    try {
      const remoteId = await entry.site.lookup?.(key, { signal: limit.signal });
      entry.pendingLookups.delete(key);
      if (remoteId === undefined) delete attempt.cancel;
      else entry.pendingCancels.set(remoteId, attempt);
    } catch {
      // still pending: tried again after the next good probe
    } finally {
      limit.clear();
    }
  }
  for (const [remoteId, attempt] of [...entry.pendingCancels]) {
    const limit = deadline(timeoutMs);
    try {
      await entry.site.cancel(remoteId, { signal: limit.signal });
      attempt.cancel = 'requested';
      entry.pendingCancels.delete(remoteId);
    } catch {
      // still pending: tried again after the next good probe
    } finally {
      limit.clear();
    }
  }
}
