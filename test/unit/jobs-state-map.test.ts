import { describe, expect, it } from 'vitest';
import {
  fromPulsarStatus,
  fromTesState,
  isTerminalState,
  JOB_STATES,
  PULSAR_STATUS_MAP,
  STATE_RANK,
  stateFromExitCodes,
  TES_STATE_MAP,
  type PulsarStatusValue,
  type TesState,
} from '../../src/internal.js';

// The TES 1.1 enum, written out so that a change of the generated type shows here.
const TES_STATES: TesState[] = [
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
const PULSAR_STATUSES: PulsarStatusValue[] = ['preprocessing', 'queued', 'running', 'postprocessing', 'complete', 'failed', 'cancelled', 'lost'];

describe('TES state table', () => {
  it('maps every TES 1.1 state, and nothing else', () => {
    expect(Object.keys(TES_STATE_MAP).sort()).toEqual([...TES_STATES].sort());
  });

  it.each([
    ['UNKNOWN', 'unknown', false],
    ['QUEUED', 'queued', false],
    ['INITIALIZING', 'initializing', false],
    ['RUNNING', 'running', false],
    ['PAUSED', 'paused', false],
    ['COMPLETE', 'complete', true],
    ['EXECUTOR_ERROR', 'executor_error', true],
    ['SYSTEM_ERROR', 'system_error', true],
    ['CANCELED', 'canceled', true],
    ['CANCELING', 'canceling', false],
    ['PREEMPTED', 'preempted', true],
  ] as const)('%s is %s (terminal: %s)', (tes, unified, terminal) => {
    expect(fromTesState(tes)).toBe(unified);
    expect(isTerminalState(fromTesState(tes))).toBe(terminal);
  });

  it('reads a missing or foreign state as unknown', () => {
    expect(fromTesState(undefined)).toBe('unknown');
    expect(fromTesState(null)).toBe('unknown');
    expect(fromTesState('COMPLETED')).toBe('unknown');
    expect(fromTesState('complete')).toBe('unknown');
    expect(fromTesState('toString')).toBe('unknown');
  });
});

describe('Pulsar status table', () => {
  it('maps every Pulsar status, and nothing else', () => {
    expect(Object.keys(PULSAR_STATUS_MAP).sort()).toEqual([...PULSAR_STATUSES].sort());
  });

  it.each([
    ['preprocessing', 'queued', false],
    ['queued', 'queued', false],
    ['running', 'running', false],
    ['postprocessing', 'running', false],
    ['complete', 'complete', true],
    ['failed', 'system_error', true],
    ['cancelled', 'canceled', true],
    ['lost', 'lost', true],
  ] as const)('%s is %s (terminal: %s)', (pulsar, unified, terminal) => {
    expect(fromPulsarStatus(pulsar)).toBe(unified);
    expect(isTerminalState(fromPulsarStatus(pulsar))).toBe(terminal);
  });

  it('keeps Pulsar order monotonic: preprocessing, queued, running, postprocessing, complete', () => {
    const sequence = ['preprocessing', 'queued', 'running', 'postprocessing', 'complete'].map(fromPulsarStatus);
    for (let i = 1; i < sequence.length; i++) expect(STATE_RANK[sequence[i]!]).toBeGreaterThanOrEqual(STATE_RANK[sequence[i - 1]!]);
  });

  it('reads an unknown status as unknown', () => {
    expect(fromPulsarStatus('done')).toBe('unknown');
    expect(fromPulsarStatus(undefined)).toBe('unknown');
  });
});

it('tells complete from executor_error by exit codes and ignore_error', () => {
  expect(stateFromExitCodes([0, 0], [{}, {}])).toBe('complete');
  expect(stateFromExitCodes([0, 2], [{}, {}])).toBe('executor_error');
  expect(stateFromExitCodes([1, 0], [{ ignore_error: true }, {}])).toBe('complete');
  expect(stateFromExitCodes([137], [])).toBe('executor_error');
});

it('every unified state is reachable from TES', () => {
  const reached = new Set(Object.values(TES_STATE_MAP));
  expect(JOB_STATES.filter((s) => !reached.has(s))).toEqual(['lost']);
});
