/**
 * TimelineRecorder and timelineSvg: attempts per site recorded from the
 * events of a real Network (scripted sites), drawn as well-formed SVG with
 * one bar per attempt and every failover marked.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { Network, pinned, type JobSpec } from '../../src/index.js';
import { installJupyterDisplays, JUPYTER_DISPLAY, TimelineRecorder, timelineSvg, type Timeline } from '../../src/internal.js';
import { fastEngine, FakeSite } from './network-fake-site.js';

// What the Node entry does when it is imported (src/node.ts).
installJupyterDisplays();

const HOSTILE = `<b onmouseover="x">&'`;

/** Parses the SVG as XML: throws on anything not well-formed. */
function parseSvg(svg: string): Element {
  const doc = new DOMParser({
    onError: (level, message) => {
      throw new Error(`SVG is not well-formed XML (${level}): ${message}`);
    },
  }).parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  if (!root) throw new Error('no root element');
  expect(root.tagName).toBe('svg');
  expect(root.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
  return root;
}

function groups(root: Element, cls: string): Element[] {
  return Array.from(root.getElementsByTagName('g')).filter((g) => g.getAttribute('class') === cls);
}

describe('TimelineRecorder on a network', () => {
  it('records one attempt per site tried, marks the failover, and draws one bar per attempt', async () => {
    const a = new FakeSite('a', () => ({ states: ['queued', 'running', 'system_error'] }));
    const b = new FakeSite('b');
    const network = await Network.create(
      { seed: 't', failover: { maxAttempts: 3, backoff: { minDelay: 1, maxDelay: 2 } }, sites: ['a', 'b'].map((id) => ({ id, kind: 'pulsar-rest', url: `https://${id}.example.org` })) },
      { sites: { a, b }, strategy: pinned('a', 'b'), engine: fastEngine(), probes: false },
    );
    const recorder = new TimelineRecorder();
    const stop = recorder.watch(network);
    try {
      const spec: JobSpec = { name: 'moves', executors: [{ image: 'alpine', command: ['true'] }] };
      const first = network.submit(spec);
      expect((await first.wait()).state).toBe('complete');
      const second = network.submit({ ...spec, name: 'stays' });
      b.staging = { bytes: 10, ms: 5 };
      await second.wait();
      const { attempts } = recorder.timeline();
      expect(attempts.map((x) => [x.jobId, x.site, x.ending])).toEqual([
        [first.id, 'a', 'failover'],
        [first.id, 'b', 'complete'],
        [second.id, 'a', 'failover'],
        [second.id, 'b', 'complete'],
      ]);
      expect(attempts[0]?.failover?.reason).toContain('system_error');
      expect(attempts[0]?.segments.map((s) => s.phase)).toEqual(['staging', 'queued', 'running']);
      // a job's state never goes back: on b it stays `running` from a, so no new state event says when b started it
      expect(attempts[1]?.segments.map((s) => s.phase)).toEqual(['staging', 'queued']);
      for (const attempt of attempts) {
        expect(attempt.end).toBeGreaterThanOrEqual(attempt.start);
        expect(attempt.segments[0]?.start).toBe(attempt.start);
        expect(attempt.segments.at(-1)?.end).toBe(attempt.end);
      }
      const root = parseSvg(recorder.toSvg({ title: 'two jobs' }));
      const bars = groups(root, 'attempt');
      expect(bars).toHaveLength(4);
      expect(bars.map((g) => g.getAttribute('data-site'))).toEqual(['a', 'a', 'b', 'b']);
      const failovers = groups(root, 'failover');
      expect(failovers.map((g) => [g.getAttribute('data-job'), g.getAttribute('data-from'), g.getAttribute('data-to')])).toEqual([
        [first.id, 'a', 'b'],
        [second.id, 'a', 'b'],
      ]);
      const bundle = recorder[JUPYTER_DISPLAY]();
      expect(bundle['text/plain']).toBe('Timeline of 2 job(s): 4 attempt(s), 2 failover(s)');
      expect(bundle['image/svg+xml']).toContain('<svg');
    } finally {
      stop();
      await network.close();
    }
    expect(network.listenerCount('site')).toBe(0);
  });
});

describe('timelineSvg', () => {
  it('escapes job and site names and draws each phase of an attempt', () => {
    const recorder = new TimelineRecorder({ now: () => 10_000 });
    const base = { jobId: 'j1', time: 1000 };
    recorder.record({ ...base, type: 'state', state: 'queued' }, HOSTILE);
    recorder.record({ ...base, type: 'site', action: 'trying', siteId: `s${HOSTILE}` });
    recorder.record({ ...base, time: 2000, type: 'site', action: 'submitted', siteId: `s${HOSTILE}`, remoteId: 'r' });
    recorder.record({ ...base, time: 3000, type: 'state', state: 'running', previous: 'queued' });
    recorder.record({ ...base, time: 5000, type: 'transfer', direction: 'down', file: 'o', bytesDone: 0, done: false });
    const timeline: Timeline = recorder.timeline();
    expect(timeline.attempts).toHaveLength(1);
    const [attempt] = timeline.attempts;
    expect(attempt?.ending).toBeUndefined();
    expect(attempt?.end).toBe(10_000);
    expect(attempt?.segments).toEqual([
      { phase: 'staging', start: 1000, end: 2000 },
      { phase: 'queued', start: 2000, end: 3000 },
      { phase: 'running', start: 3000, end: 5000 },
      { phase: 'transfer', start: 5000, end: 10_000 },
    ]);
    const svg = timelineSvg(timeline, { title: HOSTILE });
    expect(svg).not.toContain('<b ');
    const root = parseSvg(svg);
    const [bar] = groups(root, 'attempt');
    expect(bar?.getAttribute('data-site')).toBe(`s${HOSTILE}`);
    const phases = Array.from(bar?.getElementsByTagName('rect') ?? []).map((r) => r.getAttribute('class')).filter(Boolean);
    expect(phases).toEqual(['segment phase-staging', 'segment phase-queued', 'segment phase-running', 'segment phase-transfer']);
    expect(groups(root, 'failover')).toHaveLength(0);
  });

  it('draws an empty timeline, and a job that ended before any site took it', () => {
    expect(() => parseSvg(timelineSvg(new TimelineRecorder().timeline()))).not.toThrow();
    const recorder = new TimelineRecorder();
    recorder.record({ jobId: 'j', time: 1, type: 'state', state: 'queued' });
    recorder.record({ jobId: 'j', time: 5, type: 'state', state: 'system_error', previous: 'queued' });
    expect(recorder.timeline().attempts.map((a) => [a.jobId, a.site, a.start, a.end, a.ending])).toEqual([['j', '?', 1, 5, 'system_error']]);
  });
});
