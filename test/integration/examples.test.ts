/**
 * Every example runs in CI against local servers (issue 6): examples/tes.ts
 * against the reference TES server, examples/pulsar.ts against a real Pulsar,
 * examples/deno-notebook.ts under Deno 2
 * with the built package (acceptance 6). Each is run as a user would and its
 * printed events and final state are checked.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requireRuntime, runtimePaths } from '../peers/runtimes.js';
import { startPulsar } from '../peers/pulsar.js';
import { startTesServer } from '../peers/tes-server/server.js';
import { ensureTarball } from '../runtime/support/global-setup.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

async function runExample(command: string, args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const { stdout } = await run(command, args, { cwd: ROOT, timeout: 120_000, env: { ...process.env, NO_COLOR: '1', ...env } });
  return stdout.split('\n');
}

describe('examples', () => {
  it('examples/tes.ts runs its job on a TES server given by TES_URL and prints its events', async () => {
    const server = await startTesServer();
    try {
      const lines = await runExample(process.execPath, ['--import', 'tsx', 'examples/tes.ts'], { TES_URL: server.origin });
      const states = lines.filter((l) => l.startsWith('state ')).map((l) => l.split(/\s+/)[3]);
      expect(states[0]).toBe('queued');
      expect(states.at(-1)).toBe('complete');
      expect(lines).toContain('done      complete');
      expect(lines.filter((l) => l.startsWith('output ') && /sha256 [0-9a-f]{64}$/.test(l))).toHaveLength(2);
      expect(lines).toContain('count.txt says 2 lines matched');
      expect(server.tasks()).toHaveLength(1);
      expect(server.violations).toEqual([]);
      const made = lines.find((l) => l.startsWith('files in '))?.slice('files in '.length);
      if (made) await rm(made, { recursive: true, force: true });
    } finally {
      await server.close();
    }
  });

  it('examples/tes.ts without TES_URL says what to set and starts nothing', async () => {
    const failure = await runExample(process.execPath, ['--import', 'tsx', 'examples/tes.ts'], { TES_URL: '' }).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('Set TES_URL') });
  });

  it('examples/pulsar.ts runs its job on the Pulsar at PULSAR_URL with PULSAR_TOKEN and prints its events', async () => {
    const pulsar = await startPulsar();
    try {
      const lines = await runExample(process.execPath, ['--import', 'tsx', 'examples/pulsar.ts'], { PULSAR_URL: pulsar.url, PULSAR_TOKEN: pulsar.token ?? '' });
      const states = lines.filter((l) => l.startsWith('state ')).map((l) => l.split(/\s+/)[3]);
      expect(states[0]).toBe('queued');
      expect(states.at(-1)).toBe('complete');
      expect(lines.filter((l) => l.startsWith('transfer  staged'))).toHaveLength(2);
      expect(lines).toContain('done      complete');
      expect(lines.filter((l) => l.startsWith('output ') && /sha256 [0-9a-f]{64}$/.test(l))).toHaveLength(2);
      expect(lines).toContain('count.txt says 2 lines matched');
      expect(lines.join('\n')).not.toContain(pulsar.token ?? 'no token');
      const made = lines.find((l) => l.startsWith('files in '))?.slice('files in '.length);
      if (made) await rm(made, { recursive: true, force: true });
    } finally {
      await pulsar.stop();
    }
  });

  it('examples/deno-notebook.ts runs under Deno 2 with the built package and streams the events of a job', async () => {
    const deno = requireRuntime(runtimePaths().deno, 'install-runtimes.sh');
    await ensureTarball(); // builds dist/ when the sources are newer than the last pack
    if (!existsSync(resolve(ROOT, 'dist', 'node.js'))) await run('npm', ['run', '--silent', 'build'], { cwd: ROOT });
    const lines = await runExample(deno, ['run', '--quiet', '--no-prompt', '--allow-read', '--allow-write', '--allow-run', '--allow-env', '--allow-sys', 'examples/deno-notebook.ts']);
    expect(lines.filter((l) => l.startsWith('state ')).map((l) => l.slice(6))).toEqual(['queued', 'running', 'complete']);
    expect(lines.filter((l) => l.startsWith('transfer up '))).toHaveLength(2);
    expect(lines).toContain('done complete');
    expect(lines).toContain('result complete exit codes 0,0');
    expect(lines).toContain('sum.txt: sum 6');
  });
});
