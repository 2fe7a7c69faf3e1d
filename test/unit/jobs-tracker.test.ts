import { describe, expect, it } from 'vitest';
import { JOB_STATES, STATE_RANK, StateTracker, TERMINAL_STATES, type JobState } from '../../src/internal.js';

function feed(initial: JobState, updates: Array<JobState | { state: JobState; seq: number }>): JobState[] {
  const tracker = new StateTracker(initial);
  const accepted: JobState[] = [initial];
  for (const update of updates) {
    const change = tracker.offer(typeof update === 'string' ? { state: update } : update);
    if (change) accepted.push(change.state);
  }
  return accepted;
}

describe('StateTracker', () => {
  it('accepts a normal TES run', () => {
    expect(feed('queued', ['initializing', 'running', 'complete'])).toEqual(['queued', 'initializing', 'running', 'complete']);
  });

  it('drops duplicate updates', () => {
    const tracker = new StateTracker('queued');
    expect(tracker.offer({ state: 'running', siteState: 'RUNNING' })).toEqual({ state: 'running', previous: 'queued', siteState: 'RUNNING' });
    expect(tracker.offer({ state: 'running', siteState: 'RUNNING' })).toBeUndefined();
    expect(tracker.offer({ state: 'running', siteState: 'postprocessing' })).toBeUndefined();
    expect(tracker.dropped.duplicate).toBe(2);
  });

  it('drops out-of-order updates that would move backwards', () => {
    expect(feed('queued', ['running', 'initializing', 'queued', 'unknown', 'running', 'complete'])).toEqual(['queued', 'running', 'complete']);
  });

  it('drops answers older than the last accepted one (seq)', () => {
    const tracker = new StateTracker('queued');
    expect(tracker.offer({ state: 'running', seq: 5 })).toBeDefined();
    expect(tracker.offer({ state: 'canceling', seq: 4 })).toBeUndefined();
    expect(tracker.dropped.stale).toBe(1);
    expect(tracker.offer({ state: 'complete', seq: 6 })).toBeDefined();
  });

  it('accepts a new source after resetSequence, still only forwards', () => {
    const tracker = new StateTracker('queued');
    tracker.offer({ state: 'initializing', seq: 40 });
    tracker.resetSequence();
    expect(tracker.offer({ state: 'queued', seq: 1 })).toBeUndefined();
    expect(tracker.dropped.backwards).toBe(1);
    expect(tracker.offer({ state: 'running', seq: 2 })).toBeDefined();
  });

  it('never leaves a terminal state', () => {
    for (const terminal of TERMINAL_STATES) {
      const tracker = new StateTracker('running');
      tracker.offer({ state: terminal });
      for (const next of JOB_STATES) expect(tracker.offer({ state: next })).toBeUndefined();
      expect(tracker.state).toBe(terminal);
    }
  });

  it('lets running and paused alternate', () => {
    expect(feed('queued', ['running', 'paused', 'running', 'paused', 'executor_error'])).toEqual([
      'queued',
      'running',
      'paused',
      'running',
      'paused',
      'executor_error',
    ]);
  });

  it('goes from canceling only to a terminal state', () => {
    expect(feed('running', ['canceling', 'running', 'paused', 'canceled'])).toEqual(['running', 'canceling', 'canceled']);
  });

  it('ranks every state', () => {
    for (const state of JOB_STATES) expect(STATE_RANK[state]).toBeTypeOf('number');
    for (const state of TERMINAL_STATES) expect(STATE_RANK[state]).toBe(Math.max(...Object.values(STATE_RANK)));
  });

  it('any shuffled feed of a run gives a monotonic sequence ending where the run ended', () => {
    const run: JobState[] = ['queued', 'initializing', 'running', 'running', 'executor_error'];
    let seed = 7;
    const random = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let round = 0; round < 50; round++) {
      const shuffled = [...run, ...run].sort(() => random() - 0.5);
      const accepted = feed('queued', shuffled);
      for (let i = 1; i < accepted.length; i++) expect(STATE_RANK[accepted[i]!]).toBeGreaterThan(STATE_RANK[accepted[i - 1]!]);
      expect(accepted.at(-1)).toBe('executor_error');
    }
  });
});
