/**
 * The mime bundles of the display layer: what a notebook shows of a job, a
 * network, a decision record and a page of tasks; every foreign text escaped.
 */
import { describe, expect, it } from 'vitest';
import { createJob, decisionBundle, displayable, escapeHtml, installJupyterDisplays, jobBundle, JUPYTER_DISPLAY, networkBundle, TaskList, taskPageBundle, type MimeBundle } from '../../src/internal.js';
import { Network, pinned, type DecisionRecord } from '../../src/index.js';
import { fastEngine, FakeSite } from './network-fake-site.js';

// What the Node entry does when it is imported (src/node.ts).
installJupyterDisplays();

const HOSTILE = `<img src=x onerror="alert('x')">&amp;`;
const SHA = 'a'.repeat(64);

/** True when the text holds no markup but the bundle's own: the hostile text appears only escaped. */
function escapedIn(html: string): void {
  expect(html).not.toContain('<img');
  expect(html).toContain(escapeHtml(HOSTILE));
}

describe('escapeHtml', () => {
  it('escapes the five characters of HTML and XML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('jobBundle', () => {
  it('shows state, site, remote id, timings, exit codes and outputs with sizes and sha256, escaped', async () => {
    const { job, control } = createJob({ id: 'job-1', spec: { name: HOSTILE, executors: [{ image: 'alpine', command: ['true'] }] } });
    control.bind('hpc-1', 'remote-9');
    control.update({ state: 'running', siteState: 'RUNNING' });
    control.finish({ state: 'complete', executors: [{ exitCode: 0 }], outputs: [{ path: `/out/${HOSTILE}`, url: 'https://user:pw@store.example.org/o.txt?token=s3cret', sizeBytes: 1536, sha256: SHA }] });
    await job.wait();
    const bundle = jobBundle(job);
    const html = bundle['text/html'] ?? '';
    expect(html).toContain('class="pulsar-network-job"');
    expect(html).toContain('complete on hpc-1 (remote-9)');
    expect(html).toMatch(/<td[^>]*>running<\/td><td[^>]*>RUNNING<\/td>/);
    expect(html).toContain('exit codes 0');
    expect(html).toContain('1.5 KiB');
    expect(html).toContain(SHA);
    expect(html).not.toContain('s3cret');
    expect(html).not.toContain('pw@');
    escapedIn(html);
    expect(bundle['text/plain']).toContain(`Job job-1 “${HOSTILE}”: complete on hpc-1 (remote-9)`);
    expect(bundle['text/plain']).toContain(SHA);
    // the method the kernel calls is installed by the package entry
    expect((job as unknown as Record<symbol, () => MimeBundle>)[JUPYTER_DISPLAY]?.()).toEqual(bundle);
    expect(Symbol.keyFor(JUPYTER_DISPLAY)).toBe('Jupyter.display');
  });

  it('shows transfers in progress when given them, and the error that ended a job', async () => {
    const { job, control } = createJob({ id: 'job-2' });
    const live = jobBundle(job, [{ direction: 'up', file: 'reads.fq', bytesDone: 512, bytesTotal: 2048, done: false }]);
    expect(live['text/html']).toContain('no site yet');
    expect(live['text/html']).toMatch(/<td[^>]*>in<\/td><td[^>]*>reads\.fq<\/td><td[^>]*>512 B of 2\.0 KiB \(25%\)<\/td>/);
    control.fail(new Error(`site said ${HOSTILE}`));
    await job.wait();
    const html = jobBundle(job)['text/html'] ?? '';
    expect(html).toContain('system_error');
    escapedIn(html);
  });
});

describe('networkBundle', () => {
  it('lists every site with kind, endpoint without credentials, health, breaker and load', async () => {
    const sites = [new FakeSite('alpha'), new FakeSite('beta')];
    const network = await Network.create(
      { seed: 's', sites: [{ id: 'alpha', kind: 'pulsar-rest', url: 'https://alpha.example.org/?private_token=s3cret' }, { id: 'beta', kind: 'pulsar-rest', url: 'https://beta.example.org' }] },
      { sites: { alpha: sites[0] as FakeSite, beta: sites[1] as FakeSite }, strategy: pinned('alpha', 'beta'), engine: fastEngine(), probes: false },
    );
    try {
      const bundle = networkBundle(network);
      const html = bundle['text/html'] ?? '';
      expect(html).toContain('Network of 2 site(s), seed s');
      expect(html).toMatch(/<td[^>]*>alpha<\/td><td[^>]*>pulsar-rest<\/td><td[^>]*>https:\/\/alpha\.example\.org\/\?private_token=\[REDACTED\]<\/td><td[^>]*>unknown<\/td><td[^>]*>closed<\/td><td[^>]*>0<\/td><td[^>]*>0<\/td>/);
      expect(html).not.toContain('s3cret');
      expect(bundle['text/plain'].split('\n')).toHaveLength(4);
      expect((network as unknown as Record<symbol, () => MimeBundle>)[JUPYTER_DISPLAY]?.()).toEqual(bundle);
    } finally {
      await network.close();
    }
  });
});

describe('decisionBundle', () => {
  it('shows the ranking with scores and reasons, the excluded sites, attempts and failovers, escaped', () => {
    const record = {
      schema: 'pulsar-network/decision-record/v1',
      job: { id: 'job-7', name: HOSTILE, idempotencyKey: 'job-7' },
      submitted: true,
      strategy: 'balanced',
      seed: 's',
      sequence: 0,
      request: { resources: { cores: 1, memoryGb: 0, gpus: 0 }, inputs: [], scheduling: {}, sequence: 0 },
      views: [],
      candidates: [
        { site: 'alpha', score: 0.91234, terms: { load: 0.9 }, reason: `least loaded ${HOSTILE}` },
        { site: 'beta', score: 0.5, terms: {}, reason: 'busier' },
      ],
      excluded: [{ site: 'gpu', by: 'eligibility', reason: 'needs 4 cores, has 2' }],
      chosen: 'alpha',
      attempts: [{ site: 'alpha', idempotencyKey: 'job-7:alpha:1', startedAt: '2026-01-01T00:00:00.000Z', ending: 'failed', cause: 'system_error' }],
      failovers: [{ from: 'alpha', to: 'beta', cause: 'system_error', at: '2026-01-01T00:00:05.000Z', delayMs: 10 }],
      outcome: { state: 'complete', site: 'beta' },
      timestamps: { decidedAt: '2026-01-01T00:00:00.000Z' },
    } as unknown as DecisionRecord;
    const bundle = decisionBundle(record);
    const html = bundle['text/html'] ?? '';
    expect(html).toMatch(/<td[^>]*>1<\/td><td[^>]*>alpha<\/td><td[^>]*>0\.912<\/td>/);
    expect(html).toMatch(/<td[^>]*>2<\/td><td[^>]*>beta<\/td><td[^>]*>0\.500<\/td><td[^>]*>busier<\/td>/);
    expect(html).toContain('needs 4 cores, has 2');
    expect(html).toContain('pulsar-network-decision-failovers');
    expect(html).toContain('by balanced: alpha; ended complete on beta');
    escapedIn(html);
    expect(bundle['text/plain']).toContain('ranking:');
    expect(displayable(() => bundle)[JUPYTER_DISPLAY]()).toBe(bundle);
  });
});

describe('taskPageBundle', () => {
  it('shows the tasks of a page and whether more follow; a TaskList shows its first page', async () => {
    const page = { tasks: [{ id: 't1', state: 'COMPLETE', name: HOSTILE, creation_time: '2026-01-01T00:00:00Z' }, { id: 't2', state: 'RUNNING' }], nextPageToken: 'p2' };
    const bundle = taskPageBundle(page);
    expect(bundle['text/html']).toContain('2 task(s), more pages follow');
    expect(bundle['text/html']).toMatch(/<td[^>]*>t2<\/td><td[^>]*>RUNNING<\/td><td[^>]*><\/td>/);
    escapedIn(bundle['text/html'] ?? '');
    let fetched = 0;
    const list = new TaskList(async () => {
      fetched++;
      return page;
    });
    const shown = await (list as unknown as Record<symbol, () => Promise<MimeBundle>>)[JUPYTER_DISPLAY]?.();
    expect(shown).toEqual(bundle);
    expect(fetched).toBe(1);
  });
});
