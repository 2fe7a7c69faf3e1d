/**
 * Finds py-tes as scripts/peers/install-py-tes.sh installed it, and runs
 * Python scripts with it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The py-tes version the installer pins. */
export const PY_TES_VERSION = '1.1.2';

/** The older py-tes the installer also pins (what Toil's and Snakemake's TES plugins use). */
export const PY_TES_LEGACY_VERSION = '0.4.2';

/** Paths of an installed py-tes: its venv and the venv's python. */
export function pyTesPaths(version = PY_TES_VERSION): { venv: string; python: string } {
  const base = process.env.CI === 'true' ? join(root, '.peers') : (process.env.PULSAR_NETWORK_CACHE ?? join(homedir(), '.cache', 'pulsar-network'));
  const venv = join(base, `py-tes-${version}`);
  return { venv, python: join(venv, 'bin', 'python') };
}

/** Runs a Python script with py-tes importable; resolves with its stdout. */
export function runWithPyTes(script: string, args: string[], options: { timeoutMs?: number; version?: string } = {}): Promise<string> {
  const { python } = pyTesPaths(options.version);
  if (!existsSync(python)) {
    return Promise.reject(new Error(`py-tes is not installed at ${python}: run scripts/peers/install-py-tes.sh (npm run peers)`));
  }
  return new Promise((resolvePromise, reject) => {
    execFile(python, [script, ...args], { timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

/** Path of a script in this folder. */
export function peerScript(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), name);
}
