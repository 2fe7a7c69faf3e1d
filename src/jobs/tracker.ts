/**
 * The ordering rule of state updates: which update a job accepts and which it
 * drops as a duplicate or as out of order.
 * @module
 */
import { isTerminalState, type JobState } from './state.js';

/**
 * How far along a job is in each state. An update is accepted only when it
 * moves the job forward in this order:
 *
 * | rank | states |
 * |---|---|
 * | 0 | `unknown` |
 * | 1 | `queued` |
 * | 2 | `initializing` |
 * | 3 | `running`, `paused` (either way between them) |
 * | 4 | `canceling` |
 * | 5 | every terminal state |
 */
export const STATE_RANK: Readonly<Record<JobState, number>> = {
  unknown: 0,
  queued: 1,
  initializing: 2,
  running: 3,
  paused: 3,
  canceling: 4,
  complete: 5,
  executor_error: 5,
  system_error: 5,
  canceled: 5,
  preempted: 5,
  lost: 5,
};

/** One observation of a job's state. */
export interface StateUpdate {
  /** The state observed. */
  state: JobState;
  /** The site's own word for it (a TES state, a Pulsar status). */
  siteState?: string;
  /**
   * When the observation was asked for (a counter or a clock, increasing):
   * an update older than the last accepted one is dropped, so an answer that
   * overtakes a later one on the way back cannot move the job.
   */
  seq?: number;
}

/** An accepted change of state. */
export interface StateChange {
  /** The new state. */
  state: JobState;
  /** The state before. */
  previous: JobState;
  /** The site's own word for the new state, when the update had one. */
  siteState?: string;
}

/** Why an update was dropped. */
export type DropReason = 'terminal' | 'duplicate' | 'backwards' | 'stale';

/**
 * Keeps one job's state and applies the ordering rule:
 *
 * 1. once terminal, every later update is dropped (`terminal`);
 * 2. an update whose `seq` is lower than the last accepted `seq` is dropped (`stale`);
 * 3. the same state again is dropped (`duplicate`);
 * 4. a lower {@link STATE_RANK} is dropped (`backwards`), and so is an equal
 *    rank, except `running` ⇄ `paused`;
 * 5. anything else is accepted and becomes the current state.
 *
 * @example
 * ```ts
 * const tracker = new StateTracker('queued');
 * tracker.offer({ state: 'running' }); // { state: 'running', previous: 'queued' }
 * tracker.offer({ state: 'running' }); // undefined (duplicate)
 * tracker.offer({ state: 'queued' }); // undefined (backwards)
 * ```
 */
export class StateTracker {
  #state: JobState;
  #seq = Number.NEGATIVE_INFINITY;
  /** Counts of dropped updates by reason, for diagnostics. */
  readonly dropped: Record<DropReason, number> = { terminal: 0, duplicate: 0, backwards: 0, stale: 0 };

  constructor(initial: JobState = 'queued') {
    this.#state = initial;
  }

  /** The current state. */
  get state(): JobState {
    return this.#state;
  }

  /** Why `update` would be dropped, or `undefined` when it would be accepted. */
  check(update: StateUpdate): DropReason | undefined {
    if (isTerminalState(this.#state)) return 'terminal';
    if (update.seq !== undefined && update.seq < this.#seq) return 'stale';
    if (update.state === this.#state) return 'duplicate';
    const from = STATE_RANK[this.#state];
    const to = STATE_RANK[update.state];
    if (to > from) return undefined;
    if (to === from && to === STATE_RANK.running) return undefined;
    return 'backwards';
  }

  /**
   * Forgets the last `seq`: the next updates come from a new source (another
   * site after a failover) whose counter starts over. States still only move
   * forward.
   */
  resetSequence(): void {
    this.#seq = Number.NEGATIVE_INFINITY;
  }

  /** Applies the update; returns the change, or `undefined` when it was dropped. */
  offer(update: StateUpdate): StateChange | undefined {
    const reason = this.check(update);
    if (update.seq !== undefined && reason !== 'stale' && reason !== 'terminal') this.#seq = Math.max(this.#seq, update.seq);
    if (reason !== undefined) {
      this.dropped[reason]++;
      return undefined;
    }
    const change: StateChange = { state: update.state, previous: this.#state };
    if (update.siteState !== undefined) change.siteState = update.siteState;
    this.#state = update.state;
    return change;
  }
}
