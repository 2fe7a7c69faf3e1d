/**
 * The seam through which the network follows a job a site accepted. The
 * jobs layer can plug its batched per-site watchers in; the default polls.
 * @module
 */
import { AbortError } from '../errors.js';
import { isTerminalState } from '../jobs/state.js';
import type { Site, SiteJobStatus } from '../sites/site.js';
import { sleep } from '../util/abort.js';

/** Follows one accepted job until it reaches a terminal state. */
export interface AttemptWatcher {
  /**
   * Calls `onStatus` on every change of state and resolves with the terminal
   * status. A site that cannot be reached for long enough resolves with
   * state `lost`. Rejects with AbortError when the signal aborts. `onPoll`,
   * when given, hears every status a poll reports, changed or not (the
   * cadence at which a job's live logs are read).
   */
  follow(site: Site, remoteId: string, onStatus: (status: SiteJobStatus) => void, signal: AbortSignal, onPoll?: (status: SiteJobStatus) => void): Promise<SiteJobStatus>;
}

/** Options of {@link pollingWatcher}. */
export interface PollingWatcherOptions {
  /** Time between polls, in milliseconds. @default 5000 */
  intervalMs?: number;
  /**
   * A site unreachable (or not knowing the job) this long means the job is
   * lost, counted from the first failing poll's request (a poll that fails
   * after its retries already spent that time). @default 300000
   */
  lostAfterMs?: number;
  /** The clock. @default Date.now */
  now?: () => number;
}

/**
 * The default watcher: polls `site.poll([remoteId])`.
 *
 * @example
 * ```ts
 * const network = await Network.create(config, { registry, watcher: pollingWatcher({ intervalMs: 2000 }) });
 * ```
 */
export function pollingWatcher(options: PollingWatcherOptions = {}): AttemptWatcher {
  const intervalMs = options.intervalMs ?? 5000;
  const lostAfterMs = options.lostAfterMs ?? 300_000;
  const now = options.now ?? (() => Date.now());
  return {
    async follow(site, remoteId, onStatus, signal, onPoll) {
      let last: string | undefined;
      let failingSince: number | undefined;
      for (;;) {
        if (signal.aborted) throw new AbortError('following the job', { cause: signal.reason });
        let status: SiteJobStatus | undefined;
        let problem = 'the site does not know the job';
        // a failing poll (with the HTTP layer's retries) can take seconds: the silence began when it was sent
        const asked = now();
        try {
          status = (await site.poll([remoteId], { signal })).get(remoteId);
        } catch (error) {
          if (error instanceof AbortError) throw error;
          problem = error instanceof Error ? error.message : String(error);
        }
        if (status) {
          failingSince = undefined;
          onPoll?.(status);
          if (status.state !== last) {
            last = status.state;
            onStatus(status);
          }
          if (isTerminalState(status.state)) return status;
        } else {
          failingSince ??= asked;
          if (now() - failingSince >= lostAfterMs) {
            const lost: SiteJobStatus = { remoteId, state: 'lost', siteState: `unreachable for ${now() - failingSince} ms: ${problem}` };
            onStatus(lost);
            return lost;
          }
        }
        await sleep(intervalMs, signal, 'following the job');
      }
    },
  };
}
