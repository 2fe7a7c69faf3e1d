/**
 * Following one job's status to its end through the site's shared watcher.
 * @module
 */
import { AbortError } from '../errors.js';
import type { Site, SiteJobStatus } from '../sites/site.js';
import { isTerminalState } from './state.js';
import { watcherFor, type PollOptions } from './watcher.js';

/** Options of {@link followStatus}. */
export interface FollowStatusOptions {
  /** Stops following (rejects with {@link AbortError}); never the job. */
  signal?: AbortSignal;
  /** Polling of the site, used when its watcher is made. */
  poll?: PollOptions;
  /**
   * A job the site has not reported for this long (polls failing, or
   * answering without it) is `lost`, in milliseconds.
   * @default 300000
   */
  lostAfterMs?: number;
  /** The clock. @default Date.now */
  now?: () => number;
  /** Hears every status a poll reports for the job, changed or not (once per poll cycle). */
  onPoll?: (status: SiteJobStatus) => void;
  /** Hears each failed poll (the following goes on). */
  onError?: (error: Error) => void;
  /** Whether someone waits for this job: see `WatchListener.keepAlive`. @default () => true */
  keepAlive?: () => boolean;
}

/**
 * Follows a job through the site's shared watcher (one poll per cycle for
 * all the site's jobs): calls `onStatus` whenever its state or site state
 * changes, and resolves with its terminal status. A job the site does not
 * report for `lostAfterMs` resolves as `lost`. The signature fits the
 * network's `AttemptWatcher.follow` (see {@link batchedWatcher}).
 *
 * @example
 * ```ts
 * const final = await followStatus(site, remoteId, (s) => console.log(s.state));
 * console.log(final.state, final.exitCodes);
 * ```
 */
export function followStatus(
  site: Site,
  remoteId: string,
  onStatus: (status: SiteJobStatus, seq: number) => void,
  options: FollowStatusOptions = {},
): Promise<SiteJobStatus> {
  const { signal } = options;
  const now = options.now ?? Date.now;
  const lostAfterMs = options.lostAfterMs ?? 300_000;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError('following the job', { cause: signal.reason }));
      return;
    }
    let last: string | undefined;
    let silentSince: number | undefined;
    let problem = 'the site does not report the job';
    const end = (): void => {
      stop();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      end();
      reject(new AbortError('following the job', { cause: signal?.reason }));
    };
    const silent = (why: string): void => {
      problem = why;
      silentSince ??= now();
      const forMs = now() - silentSince;
      if (forMs < lostAfterMs) return;
      const lost: SiteJobStatus = { remoteId, state: 'lost', siteState: `not reported for ${forMs} ms: ${problem}` };
      end();
      onStatus(lost, Number.MAX_SAFE_INTEGER);
      resolve(lost);
    };
    const stop = watcherFor(site, options.poll).watch(remoteId, {
      status: (status, seq) => {
        silentSince = undefined;
        options.onPoll?.(status);
        const key = `${status.state}\u0000${status.siteState}`;
        if (key !== last) {
          last = key;
          onStatus(status, seq);
        }
        if (isTerminalState(status.state)) {
          end();
          resolve(status);
        }
      },
      error: (error) => {
        options.onError?.(error);
        silent(error.message);
      },
      missing: () => silent('the site does not report the job'),
      ...(options.keepAlive ? { keepAlive: options.keepAlive } : {}),
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Options of {@link batchedWatcher}. */
export type BatchedWatcherOptions = Omit<FollowStatusOptions, 'signal' | 'onError' | 'keepAlive' | 'onPoll'>;

/**
 * A watcher for a `Network` (its `AttemptWatcher` seam) that follows every
 * job through the per-site batched watchers of {@link followStatus}.
 *
 * @example
 * ```ts
 * const network = await Network.create(config, { watcher: batchedWatcher({ poll: { minIntervalMs: 2000 } }) });
 * ```
 */
export function batchedWatcher(options: BatchedWatcherOptions = {}): {
  /**
   * Follows one job until a terminal state, calling `onStatus` with each
   * status and `onPoll` with every status a poll reports; rejects with
   * AbortError when `signal` aborts.
   */
  follow(site: Site, remoteId: string, onStatus: (status: SiteJobStatus) => void, signal: AbortSignal, onPoll?: (status: SiteJobStatus) => void): Promise<SiteJobStatus>;
} {
  return {
    follow: (site, remoteId, onStatus, signal, onPoll) =>
      followStatus(site, remoteId, (status) => onStatus(status), { ...options, signal, ...(onPoll ? { onPoll } : {}) }),
  };
}
