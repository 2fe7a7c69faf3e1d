/**
 * Where the runtimes of the runtime matrix are installed, found the same way
 * scripts/peers/install-runtimes.sh and install-chromium.sh put them.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/** Paths of the installed runtimes. */
export interface RuntimePaths {
  /** The machine's Node (the one running the tests). */
  node20: string;
  /** Node 24 from the npm package `node@24`. */
  node24: string;
  /** Deno 2 from the npm package `deno@2`. */
  deno: string;
  /** Debian's chromium. */
  chromium: string;
}

/** `.peers/runtimes` when `CI=true`, else `${PULSAR_NETWORK_CACHE:-~/.cache/pulsar-network}/runtimes`. */
export function runtimePaths(): RuntimePaths {
  const dir =
    process.env.CI === 'true'
      ? join(REPO, '.peers', 'runtimes')
      : join(process.env.PULSAR_NETWORK_CACHE ?? join(homedir(), '.cache', 'pulsar-network'), 'runtimes');
  return {
    node20: process.execPath,
    node24: join(dir, 'node24', 'node_modules', '.bin', 'node'),
    deno: join(dir, 'deno', 'node_modules', '.bin', 'deno'),
    chromium: '/usr/bin/chromium',
  };
}

/** Throws a clear error when a runtime binary is missing. */
export function requireRuntime(path: string, installer: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/peers/${installer} (or npm run peers)`);
  return path;
}
