import { describe, expect, it } from 'vitest';
import { renderTask } from '../../src/gateway/views.js';
import { finishedLog, provenanceTags, publicDecision } from '../../src/gateway/views.js';
import { JOB_STATES, TES_STATE_MAP, TES_STATE_OF_JOB_STATE, TES_STATES, toTesState, type GatewayTask } from '../../src/internal.js';
import type { DecisionRecord } from '../../src/index.js';

const record = {
  schema: 'pulsar-network/decision-record/v1',
  job: { id: 't1', idempotencyKey: 't1' },
  submitted: true,
  strategy: 'balanced',
  seed: 's',
  sequence: 0,
  views: [{ site: { id: 'hpc', kind: 'tes', url: 'https://user:secret@tes.example.org/ga4gh/tes/v1?access_token=abc', resources: {}, tags: {}, storages: [], weight: 1 }, live: {} }],
  candidates: [],
  excluded: [],
  chosen: 'hpc',
  attempts: [{ site: 'eu', idempotencyKey: 't1:eu:1', startedAt: 'x' }, { site: 'hpc', idempotencyKey: 't1:hpc:1', startedAt: 'y' }],
  failovers: [{ from: 'eu', to: 'hpc', cause: 'system_error', at: 'z', delayMs: 1 }],
  timestamps: { decidedAt: 'x' },
} as unknown as DecisionRecord;

const task: GatewayTask = {
  id: 't1',
  seq: 1,
  owner: 'alice',
  state: 'COMPLETE',
  creationTime: '2026-01-01T00:00:00.000Z',
  site: 'hpc',
  spec: {
    name: 'n',
    inputs: [{ path: '/in', content: 'secret data' }],
    executors: [{ image: 'alpine', command: ['true'] }],
    tags: { mine: 'yes' },
  },
  log: { logs: [{ exit_code: 0, stdout: 'out', stderr: 'err' }], outputs: [], system_logs: ['sys'] },
  decision: record,
};

describe('gateway views', () => {
  it('MINIMAL is id and state; BASIC hides content, stdout, stderr and system logs; FULL has everything', () => {
    expect(renderTask(task, 'MINIMAL', '/b')).toEqual({ id: 't1', state: 'COMPLETE' });
    const basic = renderTask(task, 'BASIC', '/b');
    expect(basic.inputs).toEqual([{ path: '/in' }]);
    expect(basic.logs).toEqual([{ logs: [{ exit_code: 0 }], outputs: [] }]);
    expect(basic.creation_time).toBe('2026-01-01T00:00:00.000Z');
    const full = renderTask(task, 'FULL', '/b');
    expect(full.inputs).toEqual([{ path: '/in', content: 'secret data' }]);
    expect(full.logs).toEqual([{ logs: [{ exit_code: 0, stdout: 'out', stderr: 'err' }], outputs: [], system_logs: ['sys'] }]);
    // the stored task is not changed by rendering
    expect(task.log?.system_logs).toEqual(['sys']);
  });

  it('summarises the decision in tags, next to the task\'s own', () => {
    expect(provenanceTags(task, '/ga4gh/tes/v1')).toEqual({
      'pulsar-network.site': 'hpc',
      'pulsar-network.strategy': 'balanced',
      'pulsar-network.attempts': '2',
      'pulsar-network.failovers': 'eu>hpc',
      'pulsar-network.decision': '/ga4gh/tes/v1/tasks/t1/decision',
    });
    expect(renderTask(task, 'BASIC', '/x').tags).toMatchObject({ mine: 'yes', 'pulsar-network.site': 'hpc' });
  });

  it('a public decision record carries no site credentials', () => {
    const text = JSON.stringify(publicDecision(record));
    expect(text).not.toContain('secret');
    expect(text).not.toContain('abc');
    expect(publicDecision(record).views[0]?.site.url).toBe('https://REDACTED:REDACTED@tes.example.org/ga4gh/tes/v1?access_token=[REDACTED]');
  });

  it('the log of a finished job: exit codes, output URLs as the task asked, sizes as int64 strings', () => {
    const log = finishedLog(
      {
        jobId: 't1',
        siteId: 'hpc',
        remoteId: 'r1',
        state: 'complete',
        ok: true,
        exitCodes: [0],
        outputs: [{ path: '/out/a.txt', url: '/tmp/site/a.txt', sizeBytes: 12, sha256: 'x' }],
        logs: { executors: [{ exitCode: 0, stdout: 'hi\n' }], system: [] },
        history: [{ state: 'complete', time: Date.parse('2026-01-01T00:00:05Z') }],
      },
      { logs: [], outputs: [], start_time: '2026-01-01T00:00:01Z', metadata: { site: 'hpc', remote_id: 'r1' } },
      { executors: [{ image: 'a', command: ['b'] }], outputs: [{ path: '/out/a.txt', url: 's3://bucket/a.txt' }] },
    );
    expect(log).toEqual({
      logs: [{ exit_code: 0, stdout: 'hi\n' }],
      outputs: [{ url: 's3://bucket/a.txt', path: '/out/a.txt', size_bytes: '12' }],
      system_logs: [],
      start_time: '2026-01-01T00:00:01Z',
      end_time: '2026-01-01T00:00:05.000Z',
      metadata: { site: 'hpc', remote_id: 'r1' },
    });
  });
});

describe('TES state of each job state', () => {
  it('covers every unified state with a TES state, and goes back to the same state except lost', () => {
    expect(Object.keys(TES_STATE_OF_JOB_STATE).sort()).toEqual([...JOB_STATES].sort());
    for (const state of JOB_STATES) {
      expect(TES_STATES).toContain(toTesState(state));
      if (state !== 'lost') expect(TES_STATE_MAP[toTesState(state)]).toBe(state);
    }
    expect(toTesState('lost')).toBe('SYSTEM_ERROR');
  });
});
