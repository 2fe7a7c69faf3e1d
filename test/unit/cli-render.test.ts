import { describe, expect, it } from 'vitest';
import { eventLine, formatBytes, liveBlock, progressBar, sitesTable, table } from '../../src/cli/render.js';
import type { Candidate } from '../../src/internal.js';

describe('command-line rendering', () => {
  it('progress bars: share, sizes and file; unknown totals', () => {
    expect(progressBar({ file: 'reads.fq', direction: 'up', bytesDone: 4 * 1024 * 1024, bytesTotal: 10 * 1024 * 1024, done: false })).toBe(
      'up   [########------------]  40%  4.0 MB/10.0 MB  reads.fq',
    );
    expect(progressBar({ file: 'out.bam', direction: 'down', bytesDone: 10, bytesTotal: 10, done: true }, 10)).toBe('down [##########] 100%  10 B/10 B  out.bam');
    expect(progressBar({ file: 'x', direction: 'up', bytesDone: 2048, done: false }, 4)).toBe('up   [????]        2.0 KB  x');
    expect(liveBlock('running', [{ file: 'a', direction: 'up', bytesDone: 0, bytesTotal: 4, done: false }], 4)).toEqual(['state: running', 'up   [----]   0%  0 B/4 B  a']);
  });

  it('tables pad every column but the last', () => {
    expect(table(['A', 'LONG HEADER', 'C'], [['value', 'x', 'last cell'], ['v', 'y', '']])).toEqual(['A      LONG HEADER  C', 'value  x            last cell', 'v      y']);
  });

  it('event lines', () => {
    expect(eventLine({ type: 'state', jobId: 'j', time: 0, state: 'running', previous: 'queued', siteState: 'RUNNING' })).toBe('state  queued -> running (RUNNING)');
    expect(eventLine({ type: 'site', jobId: 'j', time: 0, action: 'failover', siteId: 'b', remoteId: 'r', reason: 'left a: lost' })).toBe('site   failover b as r: left a: lost');
    expect(eventLine({ type: 'transfer', jobId: 'j', time: 0, direction: 'up', file: 'f', bytesDone: 1, done: false })).toBeUndefined();
    expect(eventLine({ type: 'log', jobId: 'j', time: 0, stream: 'stdout', executor: 1, text: 'x\ny\n' })).toBe('log    stdout[1] | x\nlog    stdout[1] | y');
    expect(eventLine({ type: 'log', jobId: 'j', time: 0, stream: 'system', text: 'output /o was not produced' })).toBe('log    system | output /o was not produced');
    expect(eventLine({ type: 'log', jobId: 'j', time: 0, stream: 'stderr', executor: 0, text: '' })).toBeUndefined();
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 ** 4)).toBe('5.0 TB');
  });

  it('event lines show control characters from a site or a job as ?, so no escape sequence reaches the terminal', () => {
    const hostile = 'lost\x1b]0;pwned\x07\x1b[2J\x9b31m';
    expect(eventLine({ type: 'site', jobId: 'j', time: 0, action: 'failover', siteId: 'b', remoteId: 'r\x1b[A', reason: hostile })).toBe('site   failover b as r?[A: lost?]0;pwned??[2J?31m');
    expect(eventLine({ type: 'log', jobId: 'j', time: 0, stream: 'stdout', executor: 0, text: 'a\tb\r\nc\x1b[1m\r\n' })).toBe('log    stdout[0] | a\tb\nlog    stdout[0] | c?[1m');
  });

  it('the sites table says healthy, unreachable (a refused connection, with host:port and code) and refusing', () => {
    const site = (id: string, health: Candidate['live']['health']): Candidate => ({
      site: { id, kind: 'tes', url: `http://${id}/`, resources: {}, tags: {}, storages: [], weight: 1 },
      live: { health, breaker: 'closed', inFlight: 0, queued: 0, errorRate: health === 'healthy' ? 0 : 1, recentFailures: health === 'healthy' ? 0 : 1 },
    });
    const refused = 'GET http://127.0.0.1:9/service-info failed: cannot connect to 127.0.0.1:9: connection refused, nothing listens there (ECONNREFUSED)';
    const lines = sitesTable([site('ok', 'healthy'), site('dead', 'unreachable'), site('locked', 'refusing')], new Map([
      ['ok', { ok: true, latencyMs: 3 }],
      ['dead', { ok: false, latencyMs: 1, error: refused, failure: 'unreachable' as const }],
      ['locked', { ok: false, latencyMs: 2, error: 'GET http://locked/service-info failed with HTTP 401', failure: 'refusing' as const }],
    ]));
    const health = lines.slice(1).map((line) => line.split(/\s{2,}/)[2]);
    expect(health).toEqual(['healthy', `unreachable (${refused})`, 'refusing (GET http://locked/service-info failed with HTTP 401)']);
    expect(lines.join('\n')).not.toContain('degraded');
  });
});
