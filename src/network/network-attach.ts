/**
 * `Network.attach`: a {@link Job} for a job a site already holds, followed
 * by the network's watcher (for callers that restarted, such as the TES gateway).
 * @module
 */
import { LogFollower } from '../jobs/follow-logs.js';
import { createJob, type Job } from '../jobs/job.js';
import type { JobSpec } from '../jobs/spec.js';
import { isTerminalState } from '../jobs/state.js';
import type { SiteJobStatus } from '../sites/site.js';
import type { SiteEntry } from './site-entry.js';
import type { AttemptWatcher } from './watcher.js';

/** Options of {@link Network.attach}. */
export interface NetworkAttachOptions {
  /** The job's id (keep the one it had). @default a fresh UUID */
  id?: string;
  /**
   * The key the job was submitted with. Needed only when `remoteId` is
   * unknown: the site is then asked again with this key, which gives back
   * the job it made earlier (or makes it now, once).
   */
  idempotencyKey?: string;
}

/** @internal What {@link Network.attach} passes down. */
export interface AttachContext extends NetworkAttachOptions {
  id: string;
  watcher: AttemptWatcher;
}

/**
 * @internal The body of {@link Network.attach}: returns the job at once and
 * drives it in the background (find, follow, collect).
 */
export function attachThroughNetwork(entry: SiteEntry, knownRemoteId: string | undefined, spec: JobSpec, context: AttachContext): Job {
  if (knownRemoteId === undefined && context.idempotencyKey === undefined) {
    throw new TypeError('network.attach needs the remote id or the idempotency key the job was submitted with');
  }
  const { site } = entry;
  const stop = new AbortController();
  let remoteId = knownRemoteId;
  let cancelWanted = false;
  const { job, control } = createJob({
    id: context.id,
    spec,
    cancel: async (_job, { signal }) => {
      if (remoteId === undefined) cancelWanted = true;
      else await site.cancel(remoteId, signal ? { signal } : {});
    },
  });
  const run = async (): Promise<void> => {
    if (remoteId === undefined) {
      remoteId = (await site.submit(spec, { idempotencyKey: context.idempotencyKey as string, onTransfer: (p) => control.transfer(p) })).remoteId;
    }
    const id = remoteId;
    let status: SiteJobStatus = await site.attach(id);
    control.bind(site.id, id, 'attached');
    if (cancelWanted) await site.cancel(id);
    // On a site with readLogs, the job's output comes as live `log` events.
    const logs = new LogFollower(site, id, control);
    if (!isTerminalState(status.state)) {
      control.update({ state: status.state, siteState: status.siteState });
      status = await context.watcher.follow(
        site,
        id,
        (next) => {
          if (!isTerminalState(next.state)) control.update({ state: next.state, siteState: next.siteState });
        },
        stop.signal,
        (polled) => logs.poll(polled.state),
      );
    }
    if (status.state === 'complete' || status.state === 'executor_error') {
      await logs.drain();
      control.finish(await site.collect(id, spec, { onTransfer: (p) => control.transfer(p) }), status.siteState);
    } else {
      control.finish({ state: status.state, systemLogs: [`${site.id}: ${status.siteState}`] }, status.siteState);
    }
  };
  run().catch((error: unknown) => control.fail(error instanceof Error ? error : new Error(String(error))));
  return job;
}
