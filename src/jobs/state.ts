/**
 * The unified job state model shared by every kind of site.
 * @module
 */

/** Every state a job can be in, whatever site runs it. */
export const JOB_STATES = [
  'queued',
  'initializing',
  'running',
  'paused',
  'canceling',
  'complete',
  'executor_error',
  'system_error',
  'canceled',
  'preempted',
  'lost',
  'unknown',
] as const;

/** A unified job state. */
export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves. */
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set<JobState>([
  'complete',
  'executor_error',
  'system_error',
  'canceled',
  'preempted',
  'lost',
]);

/**
 * True for states a job never leaves.
 *
 * @example
 * ```ts
 * isTerminalState('running'); // false
 * isTerminalState('executor_error'); // true
 * ```
 */
export function isTerminalState(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
}
