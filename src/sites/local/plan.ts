/**
 * How the local site will run a job: its image policy, and each executor as
 * a step of the run script. Portable (no `node:` imports).
 * @module
 */
import type { JobExecutor } from '../../jobs/spec.js';
import type { PathMap } from './paths.js';
import { containerArgv, type ContainerRuntime, type ScriptExecutor } from './script.js';
import type { ImagePolicy } from './validate.js';

/**
 * What to do with executor images, given the configured runtime, the runtime
 * found working (if any), and `allowNoContainer`.
 */
export function imagePolicy(
  configured: ContainerRuntime | 'auto' | undefined,
  working: ContainerRuntime | undefined,
  allowNoContainer: boolean,
): { policy: ImagePolicy; runtime?: ContainerRuntime } {
  if (working) return { policy: { mode: 'container' }, runtime: working };
  if (allowNoContainer) return { policy: { mode: 'ignore' } };
  if (configured) {
    const why =
      configured === 'auto'
        ? 'no container runtime (apptainer, singularity, podman, docker) works on this machine'
        : `the container runtime ${configured} is not installed or does not answer`;
    return { policy: { mode: 'refuse', why: `${why}; or set allowNoContainer: true to run the command without its image` } };
  }
  return {
    policy: {
      mode: 'refuse',
      why: 'the local site runs without containers unless configured: set allowNoContainer: true to ignore the image, or containerRuntime to an installed runtime (apptainer, singularity, podman, docker)',
    },
  };
}

/**
 * One executor as a step of the run script: wrapped by the runtime, or (with
 * no runtime) run as it is, container paths in its arguments, environment and
 * working directory mapped to the host. `dir` is the job directory, which
 * holds the default stdout and stderr files.
 */
export function planExecutor(executor: JobExecutor, index: number, dir: string, map: PathMap, runtime: ContainerRuntime | undefined): ScriptExecutor {
  const env = executor.env ?? {};
  const step: ScriptExecutor = {
    executor,
    argv: executor.command,
    env: {},
    stdout: executor.stdout ? map.host(executor.stdout) : `${dir}/logs/${index}.stdout`,
    stderr: executor.stderr ? map.host(executor.stderr) : `${dir}/logs/${index}.stderr`,
  };
  if (executor.stdin) step.stdin = map.host(executor.stdin);
  if (runtime) {
    const call: Parameters<typeof containerArgv>[0] = {
      runtime,
      image: executor.image,
      command: executor.command,
      mounts: map.dirs.map((d) => [map.host(d), d] as const),
      env,
    };
    if (executor.workdir) call.workdir = executor.workdir;
    step.argv = containerArgv(call);
  } else {
    step.argv = executor.command.map((word) => map.rewrite(word));
    step.cwd = executor.workdir ? map.host(executor.workdir) : map.root;
    step.env = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, map.rewrite(v)]));
  }
  return step;
}
