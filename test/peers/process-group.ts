/**
 * Peer servers run detached, each in its own process group, so that stopping
 * one reaches its workers and jobs too. These helpers signal a group and make
 * sure no group outlives the test process.
 */
import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Sends `signal` to the process group led by `proc` (nothing if it is gone). */
export function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // already gone
  }
}

/** Kills the group of `proc` with SIGKILL if the test process exits while it still runs. */
export function killOnExit(proc: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const child of running) killGroup(child, 'SIGKILL');
    });
  }
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
}
