/**
 * Mapping tables from every TES 1.1 state and every Pulsar status onto the
 * unified {@link JobState}.
 * @module
 */
import type { PulsarStatusValue } from '../pulsar/wire.js';
import type { TesState } from '../tes/states.js';
import type { JobState } from './state.js';

/**
 * Every TES 1.1 state and its unified state. The names match one to one;
 * TES `PREEMPTED` is terminal for this attempt (the caller may resubmit).
 */
export const TES_STATE_MAP: Readonly<Record<TesState, JobState>> = {
  UNKNOWN: 'unknown',
  QUEUED: 'queued',
  INITIALIZING: 'initializing',
  RUNNING: 'running',
  PAUSED: 'paused',
  COMPLETE: 'complete',
  EXECUTOR_ERROR: 'executor_error',
  SYSTEM_ERROR: 'system_error',
  CANCELED: 'canceled',
  CANCELING: 'canceling',
  PREEMPTED: 'preempted',
};

/**
 * Every Pulsar status and its unified state.
 *
 * - `preprocessing` (set up, inputs still being staged, not yet launched) and
 *   `queued` (accepted by the manager, waiting to run) are both `queued`: Pulsar
 *   reports them in that order, so mapping `preprocessing` to `initializing`
 *   would make the next `queued` a step backwards.
 * - `postprocessing` (the command ended, stage-out running) is still `running`,
 *   as TES keeps a task `RUNNING` until its outputs are uploaded.
 * - `complete` says only that Pulsar finished; the Pulsar site turns it into
 *   `executor_error` when an executor's exit code says so.
 * - `failed` is a failure of the server (staging or launch): `system_error`.
 */
export const PULSAR_STATUS_MAP: Readonly<Record<PulsarStatusValue, JobState>> = {
  preprocessing: 'queued',
  queued: 'queued',
  running: 'running',
  postprocessing: 'running',
  complete: 'complete',
  failed: 'system_error',
  cancelled: 'canceled',
  lost: 'lost',
};

/**
 * The unified state of a TES state; anything the spec does not define
 * (a missing field, a server's private spelling) is `unknown`.
 *
 * @example
 * ```ts
 * fromTesState('EXECUTOR_ERROR'); // 'executor_error'
 * fromTesState(undefined); // 'unknown'
 * ```
 */
export function fromTesState(state: string | undefined | null): JobState {
  return state != null && Object.hasOwn(TES_STATE_MAP, state) ? TES_STATE_MAP[state as TesState] : 'unknown';
}

/**
 * The unified state of a Pulsar status; an unknown status is `unknown`.
 *
 * @example
 * ```ts
 * fromPulsarStatus('postprocessing'); // 'running'
 * fromPulsarStatus('cancelled'); // 'canceled'
 * ```
 */
export function fromPulsarStatus(status: string | undefined | null): JobState {
  return status != null && Object.hasOwn(PULSAR_STATUS_MAP, status) ? PULSAR_STATUS_MAP[status as PulsarStatusValue] : 'unknown';
}

/**
 * The state of a job whose executors all ran or stopped: `executor_error`
 * when an executor exited non-zero without `ignore_error`, else `complete`.
 * For sites that report only "finished" (a Pulsar `complete`, the local site).
 *
 * @example
 * ```ts
 * stateFromExitCodes([0, 2], [{}, {}]); // 'executor_error'
 * stateFromExitCodes([1, 0], [{ ignore_error: true }, {}]); // 'complete'
 * ```
 */
export function stateFromExitCodes(
  exitCodes: readonly number[],
  executors: ReadonlyArray<{ ignore_error?: boolean }>,
): 'complete' | 'executor_error' {
  return exitCodes.some((code, i) => code !== 0 && !executors[i]?.ignore_error) ? 'executor_error' : 'complete';
}

/**
 * The other way: the TES state a gateway reports for each unified state.
 * One to one, except `lost` (the site no longer knows the job, or could not
 * be reached for too long), which TES has no word for: a system problem not
 * caused by an executor, so `SYSTEM_ERROR`.
 */
export const TES_STATE_OF_JOB_STATE: Readonly<Record<JobState, TesState>> = {
  unknown: 'UNKNOWN',
  queued: 'QUEUED',
  initializing: 'INITIALIZING',
  running: 'RUNNING',
  paused: 'PAUSED',
  complete: 'COMPLETE',
  executor_error: 'EXECUTOR_ERROR',
  system_error: 'SYSTEM_ERROR',
  canceled: 'CANCELED',
  canceling: 'CANCELING',
  preempted: 'PREEMPTED',
  lost: 'SYSTEM_ERROR',
};

/**
 * The TES state of a unified state (see {@link TES_STATE_OF_JOB_STATE}).
 *
 * @example
 * ```ts
 * toTesState('executor_error'); // 'EXECUTOR_ERROR'
 * toTesState('lost'); // 'SYSTEM_ERROR'
 * ```
 */
export function toTesState(state: JobState): TesState {
  return TES_STATE_OF_JOB_STATE[state];
}
