/**
 * The 11 TES 1.1 task states and what they mean for a caller.
 * @module
 */
import type { components } from '../../generated/tes.js';

/** A TES task state, as the TES 1.1 document spells it. */
export type TesState = components['schemas']['tesState'];

/** Every TES 1.1 state. TES 1.0 has all of them but `CANCELING` and `PREEMPTED`. */
export const TES_STATES: readonly TesState[] = [
  'UNKNOWN',
  'QUEUED',
  'INITIALIZING',
  'RUNNING',
  'PAUSED',
  'COMPLETE',
  'EXECUTOR_ERROR',
  'SYSTEM_ERROR',
  'CANCELED',
  'PREEMPTED',
  'CANCELING',
];

/**
 * States a task does not leave on its own: `COMPLETE`, `EXECUTOR_ERROR`,
 * `SYSTEM_ERROR`, `CANCELED` and `PREEMPTED` (final for this attempt; the
 * caller decides whether to submit again). `CANCELING`, `PAUSED` and
 * `UNKNOWN` are not terminal.
 */
export const TES_TERMINAL_STATES: ReadonlySet<TesState> = new Set<TesState>([
  'COMPLETE',
  'EXECUTOR_ERROR',
  'SYSTEM_ERROR',
  'CANCELED',
  'PREEMPTED',
]);

const KNOWN: ReadonlySet<string> = /* @__PURE__ */ new Set<string>(TES_STATES);

/**
 * True when the value is one of the 11 TES states.
 *
 * @example
 * ```ts
 * isTesState('RUNNING'); // true
 * isTesState('COMPLETED'); // false: not a TES state
 * ```
 */
export function isTesState(value: unknown): value is TesState {
  return typeof value === 'string' && KNOWN.has(value);
}

/**
 * True when a task in this state (or this task) will not change state again
 * by itself.
 *
 * @example
 * ```ts
 * isTerminal('PREEMPTED'); // true
 * isTerminal('CANCELING'); // false: cleanup still running, CANCELED follows
 * isTerminal(await tes.getTask(id)); // works on a task too
 * ```
 */
export function isTerminal(stateOrTask: TesState | { state?: TesState }): boolean {
  const state = typeof stateOrTask === 'string' ? stateOrTask : (stateOrTask.state ?? 'UNKNOWN');
  return TES_TERMINAL_STATES.has(state);
}

/**
 * True when the task ended successfully (`COMPLETE`).
 *
 * @example
 * ```ts
 * const task = await tes.waitForTask(id);
 * if (!isSuccessful(task)) console.error(`task ended ${task.state}`);
 * ```
 */
export function isSuccessful(stateOrTask: TesState | { state?: TesState }): boolean {
  const state = typeof stateOrTask === 'string' ? stateOrTask : stateOrTask.state;
  return state === 'COMPLETE';
}
