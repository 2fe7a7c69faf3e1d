/**
 * Whether bubblewrap can sandbox tasks on this machine, found by running
 * one: the package being installed is not enough (user namespaces may be
 * off, or the binary not allowed to make them). Node-only.
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_FUNCTIONS, sandboxCheckLines } from '../../executor/sandbox.js';

/** What the probe found: usable, or why not. */
export type SandboxProbe =
  | {
      /** A sandbox ran. */
      usable: true;
    }
  | {
      /** No sandbox could be made. */
      usable: false;
      /** Why (bwrap missing, or its last error line). */
      reason: string;
    };

/**
 * Runs a task sandbox made exactly as a task's is (host read-only, private
 * /tmp, a bound directory written to, no network, no capabilities), with a
 * time limit.
 *
 * @example
 * ```ts
 * const found = await probeBubblewrap();
 * if (!found.usable) console.log(`no sandbox here: ${found.reason}`);
 * ```
 */
export async function probeBubblewrap(timeoutMs = 10_000): Promise<SandboxProbe> {
  const dir = await mkdtemp(join(tmpdir(), 'pulsar-network-bwrap-'));
  try {
    const script = [...SANDBOX_FUNCTIONS, ...sandboxCheckLines(dir)].join('\n');
    const failure = await new Promise<string | undefined>((resolve) => {
      execFile('/bin/sh', ['-c', script], { cwd: dir, timeout: timeoutMs }, (error, _stdout, stderr) => {
        resolve(error ? stderr.trim().split('\n').at(-1) || `exit ${String(error.code ?? error.message)}` : undefined);
      });
    });
    if (failure === undefined) return { usable: true };
    return { usable: false, reason: /bwrap: not found|No such file/.test(failure) ? 'bwrap is not installed (Debian: apt-get install bubblewrap)' : `bwrap failed: ${failure.slice(0, 300)}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
