/**
 * Turns the network's internal attempt runner into the unified {@link Job}
 * handle users get from `network.submit`.
 * @module
 */
import { LogFollower } from '../jobs/follow-logs.js';
import { createJob, type Job } from '../jobs/job.js';
import { isTerminalState } from '../jobs/state.js';
import type { Site } from '../sites/site.js';
import { untilAborted } from '../util/abort.js';
import type { NetworkJob } from './network-job.js';

/**
 * Wraps a running {@link NetworkJob} in a {@link Job}: site events for each
 * attempt as it starts (`chosen`, then `failover`) and as its site accepts
 * it (`submitted`), carrying the live decision record, states of the current attempt, staging progress, and at the end
 * the outputs collected from the final site. On a site with `readLogs`, the
 * current attempt's output comes as live `log` events (see `LogFollower`).
 */
export function jobOfNetworkJob(net: NetworkJob): Job {
  const { job, control } = createJob({ id: net.id, spec: net.spec, cancel: (_job, { signal }) => untilAborted(net.cancel(), signal, `canceling network job ${net.id}`) });
  let attempts = 0;
  let logs: { remoteId: string; follower: LogFollower } | undefined;
  const follow = (site: Site | undefined, remoteId: string): typeof logs => {
    if (!site) return undefined;
    // A read of an earlier attempt that ends after a failover feeds nothing.
    const current = (): boolean => logs?.follower === follower;
    const follower: LogFollower = new LogFollower(site, remoteId, {
      get wantsLogs() {
        return control.wantsLogs;
      },
      stream: (chunk) => {
        if (current()) control.stream(chunk);
      },
      error: (error) => {
        if (current()) control.error(error);
      },
    });
    return { remoteId, follower };
  };
  // selection (issue 14): `chosen`/`failover` when an attempt starts, `submitted` when the site accepted it
  net.on('trying', ({ site }) => {
    control.site({ action: attempts++ === 0 ? 'chosen' : 'failover', siteId: site, reason: attempts === 1 ? `chosen by ${net.record.strategy}` : lastFailoverCause(net), detail: net.record });
  });
  net.on('attempt', ({ site, remoteId }) => {
    control.bind(site, remoteId, 'submitted', { reason: `accepted by ${site}`, detail: net.record });
    logs = follow(net.siteFor(site), remoteId);
  });
  net.on('poll', ({ remoteId, status }) => {
    if (logs?.remoteId === remoteId) logs.follower.poll(status.state);
  });
  net.on('transfer', ({ site: _site, jobId: _jobId, ...progress }) => control.transfer(progress));
  net.on('state', ({ state, siteState }) => {
    if (!isTerminalState(state)) control.update({ state, siteState });
  });
  // selection (issue 14): started on the next microtask, so listeners added right after submit hear the first `site` event
  Promise.resolve().then(() => net.done()).then(
    async (result) => {
      if (result.state === 'complete' || result.state === 'executor_error') {
        if (logs?.remoteId === result.remoteId) await logs.follower.drain();
        try {
          control.finish(await net.collect({ onTransfer: (progress) => control.transfer(progress) }));
        } catch (error) {
          control.fail(error as Error);
        }
      } else {
        control.finish({ state: result.state, systemLogs: net.record.failovers.map((f) => `${f.from}: ${f.cause}`) });
      }
    },
    (error: Error) => control.fail(error),
  );
  return job;
}

function lastFailoverCause(net: NetworkJob): string {
  const last = net.record.failovers.at(-1);
  return last ? `left ${last.from}: ${last.cause}` : 'failover';
}
