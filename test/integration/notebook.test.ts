/**
 * examples/notebook.ipynb runs headless under Deno's Jupyter kernel with the
 * built package (scripts/notebook/execute.py, nbclient from the venv of
 * scripts/peers/install-jupyter.sh), then the executed notebook is read back:
 * no error output, and the rich outputs (HTML, SVG) of the cells that show a
 * network, a job, a decision record and the timeline, with their key content.
 * A missing kernel or venv fails the test: it is never skipped.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { jupyterEnv, requireJupyter } from '../peers/jupyter.js';
import { requireRuntime, runtimePaths } from '../peers/runtimes.js';
import { ensureTarball } from '../runtime/support/global-setup.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Output {
  output_type: string;
  data?: Record<string, string | string[]>;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}
interface Cell {
  id: string;
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
}

const text = (value: string | string[] | undefined): string => (Array.isArray(value) ? value.join('') : (value ?? ''));

describe('examples/notebook.ipynb', () => {
  it('executes under the Deno kernel with no error cell, and its cells show rich outputs', async () => {
    const { python, kernelPath } = requireJupyter();
    requireRuntime(runtimePaths().deno, 'install-runtimes.sh');
    await ensureTarball(); // builds dist/ when the sources are newer than the last pack
    if (!existsSync(resolve(ROOT, 'dist', 'node.js'))) await run('npm', ['run', '--silent', 'build'], { cwd: ROOT });
    const home = await mkdtemp(join(tmpdir(), 'pn-notebook-'));
    try {
      const executed = join(home, 'executed.ipynb');
      const { stdout } = await run(python, [join(ROOT, 'scripts/notebook/execute.py'), join(ROOT, 'examples/notebook.ipynb'), executed, '--timeout', '150'], {
        cwd: ROOT,
        env: jupyterEnv(kernelPath, home),
        timeout: 170_000,
      });
      const ranBy = stdout.split('\n').find((l) => l.includes('executed by kernel'));
      // the CI log shows which kernel ran the notebook
      console.log(ranBy);
      expect(ranBy).toMatch(/executed by kernel 'deno': Deno kernel 2\.\d+\.\d+ \(typescript /);
      const nb = JSON.parse(await readFile(executed, 'utf8')) as { cells: Cell[]; metadata: { executed_by?: { implementation?: string } } };
      expect(nb.metadata.executed_by?.implementation).toBe('Deno kernel');
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      const outputs = code.flatMap((c) => c.outputs ?? []);
      expect(outputs.filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`)).toEqual([]);
      const cellOf = (source: RegExp): Cell => {
        const found = code.filter((c) => source.test(text(c.source)));
        expect(found, `one cell matching ${source}`).toHaveLength(1);
        return found[0] as Cell;
      };
      const rich = (cell: Cell, mime: string): string[] => (cell.outputs ?? []).map((o) => text(o.data?.[mime])).filter(Boolean);

      // the network, first as configured, then after the jobs
      const networks = code.filter((c) => text(c.source).trim().endsWith('network')).flatMap((c) => rich(c, 'text/html'));
      expect(networks).toHaveLength(2);
      for (const html of networks) expect(html).toContain('class="pulsar-network-sites"');
      expect(networks[0]).toMatch(/<td[^>]*>institute<\/td><td[^>]*>pulsar-rest<\/td>.*?<td[^>]*>unknown<\/td>/);
      // every job failed on the institute (nothing listens there): its health says so
      expect(networks[1]).toMatch(/<td[^>]*>institute<\/td><td[^>]*>pulsar-rest<\/td><td[^>]*>[^<]*<\/td><td[^>]*>degraded/);
      expect(networks[1]).toMatch(/<td[^>]*>workstation<\/td><td[^>]*>local<\/td><td[^>]*><\/td><td[^>]*>healthy<\/td>/);

      // the live display: one output, updated in place to the job's end
      const live = rich(cellOf(/displayLive\(jobs\[0\]\)/), 'text/html');
      expect(live).toHaveLength(1);
      expect(live[0]).toMatch(/“words-1”: complete on workstation/);

      // a finished job: timings, outputs with their size and sha256
      const [job] = rich(cellOf(/^const results = /), 'text/html');
      expect(job).toMatch(/“words-4”: complete on workstation/);
      expect(job).toMatch(/class="pulsar-network-job-outputs".*\/out\/count\.txt.*[0-9a-f]{64}/);

      // the decision record: ranking with scores and reasons, the exclusion, the failover
      const [decision] = rich(cellOf(/^showDecision/), 'text/html');
      expect(decision).toMatch(/<td[^>]*>1<\/td><td[^>]*>institute<\/td><td[^>]*>3\.000<\/td><td[^>]*>pinned, choice 1 of 3<\/td>/);
      expect(decision).toContain('asks 4 cores, the site accepts at most 2');
      expect(decision).toMatch(/class="pulsar-network-decision-failovers".*<td[^>]*>institute<\/td><td[^>]*>workstation<\/td>/);

      // the outputs fetched
      const printed = (cellOf(/job\.outputs\(\)/).outputs ?? []).map((o) => text(o.text)).join('');
      expect(printed).toContain('words-1 on workstation: 400 words');
      expect(printed).toContain('words-4 on workstation: 2800 words');

      // the timeline: well-formed SVG, two attempts per job (the institute, then the workstation), four failovers
      const [svg] = rich(cellOf(/^timeline$/), 'image/svg+xml');
      const root = new DOMParser({ onError: (level, message) => { throw new Error(`${level}: ${message}`); } }).parseFromString(svg ?? '', 'image/svg+xml').documentElement;
      const groups = (cls: string): number => Array.from(root?.getElementsByTagName('g') ?? []).filter((g) => g.getAttribute('class') === cls).length;
      expect(groups('attempt')).toBe(8);
      expect(groups('failover')).toBe(4);
      expect(svg).toContain('words-3');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
