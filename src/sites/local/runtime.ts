/**
 * Finding the container runtimes installed on this machine. Node-only.
 * @module
 */
import { execFile } from 'node:child_process';
import { CONTAINER_RUNTIMES, type ContainerRuntime } from '../../executor/script.js';

/** The command that succeeds only when a runtime can actually run containers. */
const PROBES: Record<ContainerRuntime, string[]> = {
  // The client alone is not enough: it must reach a daemon.
  docker: ['version', '--format', '{{.Server.Version}}'],
  podman: ['version', '--format', '{{.Client.Version}}'],
  apptainer: ['--version'],
  singularity: ['--version'],
};

/**
 * True when `runtime` is installed and answers (docker: its daemon too).
 * Never assumes: it runs the runtime's version command with a time limit.
 *
 * @example
 * ```ts
 * if (await isRuntimeAvailable('apptainer')) console.log('apptainer works');
 * ```
 */
export function isRuntimeAvailable(runtime: ContainerRuntime, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(runtime, PROBES[runtime], { timeout: timeoutMs }, (error) => resolve(error === null));
  });
}

/**
 * The container runtimes that work on this machine, in the order
 * apptainer, singularity, podman, docker.
 *
 * @example
 * ```ts
 * console.log(await detectContainerRuntimes()); // e.g. ['apptainer']
 * ```
 */
export async function detectContainerRuntimes(timeoutMs?: number): Promise<ContainerRuntime[]> {
  const found = await Promise.all(CONTAINER_RUNTIMES.map((r) => isRuntimeAvailable(r, timeoutMs)));
  return CONTAINER_RUNTIMES.filter((_, i) => found[i]);
}
