/**
 * Where scripts/peers/install-jupyter.sh puts the Jupyter venv and Deno's
 * kernel spec, and the environment that runs a notebook with them (a fresh
 * HOME and Jupyter dirs, so no user configuration or kernel is picked up).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/** `.peers` when `CI=true`, else `${PULSAR_NETWORK_CACHE:-~/.cache/pulsar-network}`. */
function cacheDir(): string {
  return process.env.CI === 'true' ? join(REPO, '.peers') : (process.env.PULSAR_NETWORK_CACHE ?? join(homedir(), '.cache', 'pulsar-network'));
}

/** The venv's python (with nbclient), and the Jupyter path holding `kernels/deno`. */
export function jupyterPaths(): { python: string; kernelPath: string; kernelSpec: string } {
  const base = cacheDir();
  const kernelPath = join(base, 'jupyter-kernels', 'jupyter');
  return { python: join(base, 'jupyter-venv', 'bin', 'python'), kernelPath, kernelSpec: join(kernelPath, 'kernels', 'deno', 'kernel.json') };
}

/** The paths, or a clear error naming the installer when something is missing. */
export function requireJupyter(): ReturnType<typeof jupyterPaths> {
  const paths = jupyterPaths();
  for (const path of [paths.python, paths.kernelSpec]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/peers/install-jupyter.sh (or npm run peers)`);
  }
  return paths;
}

/** The environment of a headless run: our kernel path only, everything else in `home`. */
export function jupyterEnv(kernelPath: string, home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    JUPYTER_PATH: kernelPath,
    JUPYTER_DATA_DIR: join(home, 'data'),
    JUPYTER_CONFIG_DIR: join(home, 'config'),
    JUPYTER_RUNTIME_DIR: join(home, 'runtime'),
    NO_COLOR: '1',
  };
}
