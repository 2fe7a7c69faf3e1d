/**
 * A job's states as its handle keeps them: the tracker that orders what
 * sites report, the history, and the latest state event.
 * @module
 */
import type { JobStateEvent, JobStateRecord } from './events.js';
import type { JobState } from './state.js';
import { StateTracker, type StateChange, type StateUpdate } from './tracker.js';

/** The states of one job. */
export class JobStates {
  readonly #tracker: StateTracker;
  /** Every state so far, in order. */
  readonly history: JobStateRecord[] = [];
  /** The latest state event (the initial state's before any change). */
  last: JobStateEvent;

  constructor(jobId: string, initial: JobState, initialSiteState: string | undefined) {
    this.#tracker = new StateTracker(initial);
    const time = Date.now();
    this.last = { type: 'state', jobId, time, state: initial };
    const record: JobStateRecord = { state: initial, time };
    if (initialSiteState !== undefined) record.siteState = this.last.siteState = initialSiteState;
    this.history.push(record);
  }

  /** How many state events were made: a replay checks it to tell whether a newer one came. */
  get count(): number {
    return this.history.length - 1;
  }

  /** The current state. */
  get state(): JobState {
    return this.#tracker.state;
  }

  /** A new site or remote id: its sequence numbers start over. */
  resetSequence(): void {
    this.#tracker.resetSequence();
  }

  /** Offers an update; a change becomes the latest event (returned with it) and a history record. */
  apply(update: StateUpdate): { change: StateChange; event: JobStateEvent } | undefined {
    const change = this.#tracker.offer(update);
    if (!change) return undefined;
    const event: JobStateEvent = { type: 'state', jobId: this.last.jobId, time: Date.now(), state: change.state, previous: change.previous };
    if (change.siteState !== undefined) event.siteState = change.siteState;
    this.last = event;
    const record: JobStateRecord = { state: event.state, time: event.time };
    if (event.siteState !== undefined) record.siteState = event.siteState;
    this.history.push(record);
    return { change, event };
  }
}
