import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// Acceptance 5: the README's main-job command runs with no server and prints
// the job's events as they come, then the result.
it('npm run quickstart prints the events of a complete job', async () => {
  const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'quickstart'], { cwd: new URL('../..', import.meta.url) });
  const lines = stdout.split('\n');
  const states = lines.filter((l) => l.startsWith('state ')).map((l) => l.split(/\s+/)[3]);
  expect(states[0]).toBe('queued');
  expect(states.at(-1)).toBe('complete');
  expect(lines.filter((l) => l.startsWith('transfer  staged'))).toHaveLength(2);
  expect(lines.filter((l) => l.startsWith('output '))).toHaveLength(2);
  expect(lines.indexOf('done      complete')).toBeGreaterThan(lines.findIndex((l) => l.includes('-> complete')));
  expect(stdout).toContain('count.txt says 2 lines matched');
  // the decision record, read from the job's handle after its end
  expect(stdout).toMatch(/^decision {2}laptop chosen among \[laptop\] \(seed quickstart\)$/m);
  // and it cleans up after itself: the scratch folder it printed is gone
  const made = /(\S*pulsar-network-quickstart-[^/\s]+)\//.exec(stdout)?.[1];
  expect(made).toBeDefined();
  expect(existsSync(made as string)).toBe(false);
});
