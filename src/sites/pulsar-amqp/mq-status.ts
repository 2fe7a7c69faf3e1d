/**
 * What a Pulsar `status_update` message says about one job of a
 * `PulsarMqSite`: its unified state and, once it ended, its exit codes.
 * @module
 */
import { isTerminalState, type JobState } from '../../jobs/state.js';
import { fromPulsarStatus, stateFromExitCodes } from '../../jobs/state-map.js';
import type { SiteJobStatus, SiteProbe } from '../site.js';
import type { PulsarBroker } from './broker.js';
import { parseExitCodes } from '../../executor/script.js';
import { REPORTED_FILES } from './launch.js';
import { reportedFiles, type MqJob } from './mq-job.js';

/** One status update, read. */
export interface StatusUpdate {
  /** Pulsar's word (`''` when the message had none). */
  status: string;
  /** The unified state it means for the job. */
  state: JobState;
  /** The exit codes the message carried (complete and failed jobs). */
  exitCodes?: number[];
}

/**
 * Reads a status message for `job`. A `complete` job's state comes from its
 * exit codes (`system_error` when the message carried none); a `failed` one
 * keeps its codes too: Pulsar also fails a job whose outputs it could not
 * send back, after the executors ran.
 *
 * @example
 * ```ts
 * readStatusUpdate({ job_id: 'a1', status: 'running' }, { spec }); // { status: 'running', state: 'running' }
 * ```
 */
export function readStatusUpdate(body: Record<string, unknown>, job: Pick<MqJob, 'spec'>): StatusUpdate {
  const status = typeof body.status === 'string' ? body.status : '';
  const text = status === 'complete' || status === 'failed' ? reportedFiles(body).get(REPORTED_FILES.exitCodes) : undefined;
  const exitCodes = text === undefined ? undefined : parseExitCodes(text);
  if (status !== 'complete') return { status, state: fromPulsarStatus(status), ...(exitCodes && { exitCodes }) };
  return { status, state: exitCodes === undefined ? 'system_error' : stateFromExitCodes(exitCodes, job.spec.executors), ...(exitCodes && { exitCodes }) };
}

/** The job's status as the site reports it. */
export function siteStatusOf(job: MqJob): SiteJobStatus {
  const status: SiteJobStatus = { remoteId: job.remoteId, state: job.tracker.state, siteState: job.siteState };
  if (job.exitCodes) status.exitCodes = [...job.exitCodes];
  return status;
}

/** What one status update did to its job: nothing, made it known to Pulsar, or moved its state. */
export type StatusUpdateEffect = 'dropped' | 'learned' | 'moved';

/**
 * Applies a status update to its job, never backwards out of a terminal
 * state. A `lost` for a job whose setup Pulsar may not have read yet is not
 * news (the next quiet poll asks again).
 */
export function applyStatusUpdate(job: MqJob, body: Record<string, unknown>, setupMayBeUnread: (job: MqJob) => boolean): StatusUpdateEffect {
  const { status, state, exitCodes } = readStatusUpdate(body, job);
  if (status === 'lost' && !job.known && setupMayBeUnread(job)) return 'dropped';
  const learned = status !== 'lost' && !job.known;
  if (status !== 'lost') job.known = true;
  job.lastNews = Date.now();
  if (!job.tracker.offer({ state, siteState: status })) return learned ? 'learned' : 'dropped';
  job.siteState = status;
  if (isTerminalState(state)) {
    job.final = body;
    if (exitCodes !== undefined) job.exitCodes = exitCodes;
  }
  return 'moved';
}

/**
 * Healthy when the broker connection is up (waiting up to the signal, or
 * 10 s, for it) and Pulsar consumes the manager's `setup` queue.
 */
export async function probeBroker(broker: PulsarBroker, redactedUrl: string, signal?: AbortSignal): Promise<SiteProbe> {
  const started = Date.now();
  if (!broker.connected) {
    const limit = AbortSignal.timeout(10_000);
    while (!broker.connected && !limit.aborted && !signal?.aborted) await new Promise((r) => setTimeout(r, 100));
  }
  const consumers = broker.connected ? await broker.setupConsumers() : undefined;
  const probe: SiteProbe = { ok: consumers !== undefined && consumers > 0, latencyMs: Date.now() - started };
  if (consumers === undefined) {
    probe.error = `no connection to the broker at ${redactedUrl}`;
    probe.failure = 'unreachable';
  } else if (consumers === 0) {
    probe.error = 'the broker is up but no Pulsar consumes the setup queue';
    probe.failure = 'refusing';
  }
  return probe;
}
