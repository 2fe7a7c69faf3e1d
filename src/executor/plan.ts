/**
 * How a site runs a job as a command: its image policy, and each executor as
 * a step of the run script. Portable (no `node:` imports).
 * @module
 */
import type { JobExecutor } from '../contracts/job-spec.js';
import { isBelow, type PathMap } from './paths.js';
import type { SandboxMount } from './sandbox.js';
import { containerArgv, type ContainerRuntime, type ScriptExecutor } from './script.js';
import type { ImagePolicy } from './validate.js';

/** An input the task sees in place (bound or linked at its container path), not copied. */
export interface InPlaceInput {
  /** The input's index in the spec. */
  index: number;
  /** Its container path. */
  container: string;
  /** The real host path. */
  host: string;
  /** A directory under a writable shared path: the task may write in it (Toil's file job store). */
  writable: boolean;
  /** A directory (else a file). */
  directory: boolean;
}

/** What a site's sandbox adds to every executor. */
export interface SandboxSettings {
  /** Shared paths of the site, bound at their own paths where they exist. */
  shared: readonly SandboxMount[];
  /** Host directories the task must not see (the site's own jobs). */
  hide: readonly string[];
  /** Keep the host's network. */
  network: boolean;
}

/** A host path shared with tasks, and whether they may write below it. */
export interface Share {
  /** The host path. */
  path: string;
  /** Tasks may write below it. */
  writable: boolean;
}

/** A bind as configured (a path is read-only) as a {@link Share}. */
export function shareOf(bind: string | { path: string; writable?: boolean }): Share {
  return typeof bind === 'string' ? { path: bind, writable: false } : { path: bind.path, writable: bind.writable === true };
}

/** The share `path` lies in: the deepest; of two at one path, the writable (a bind of a storage's directory). */
export function shareHolding(path: string, shares: readonly Share[]): Share | undefined {
  const holding = shares.filter((s) => isBelow(path, s.path));
  return holding.sort((a, b) => b.path.length - a.path.length || Number(b.writable) - Number(a.writable))[0];
}

/** The host path of a container path, through the in-place inputs first. */
export function hostPathOf(containerPath: string, map: PathMap, inPlace: readonly InPlaceInput[] = []): string {
  for (const input of inPlace) {
    if (containerPath === input.container) return input.host;
    if (containerPath.startsWith(`${input.container}/`)) return `${input.host}${containerPath.slice(input.container.length)}`;
  }
  return map.host(containerPath);
}

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
 * One executor as a step of the run script: wrapped by the runtime; or run
 * as it is in a sandbox, which binds the container paths; or (neither) run
 * as it is with the container paths in its arguments, environment and
 * working directory mapped to the host. `dir` is the job directory, which
 * holds the default stdout and stderr files.
 */
export function planExecutor(
  executor: JobExecutor,
  index: number,
  dir: string,
  map: PathMap,
  runtime: ContainerRuntime | undefined,
  extra: { sandbox?: SandboxSettings; inPlace?: readonly InPlaceInput[] } = {},
): ScriptExecutor {
  const env = executor.env ?? {};
  const host = (path: string): string => hostPathOf(path, map, extra.inPlace);
  const step: ScriptExecutor = {
    executor,
    argv: executor.command,
    env: {},
    stdout: executor.stdout ? host(executor.stdout) : `${dir}/logs/${index}.stdout`,
    stderr: executor.stderr ? host(executor.stderr) : `${dir}/logs/${index}.stderr`,
  };
  if (executor.stdin) step.stdin = host(executor.stdin);
  if (extra.sandbox && !runtime) {
    const own: SandboxMount[] = [
      ...map.dirs.map((d) => ({ host: map.host(d), container: d, writable: true })),
      ...(extra.inPlace ?? []).map((i) => ({ host: i.host, container: i.container, writable: i.writable })),
    ];
    // A shared path holding a task directory would hide the mount point the task directory needs.
    const shared = extra.sandbox.shared.filter((s) => !own.some((o) => isBelow(o.container, s.container)));
    step.sandbox = { mounts: [...shared, ...own], hide: extra.sandbox.hide, workdir: executor.workdir ?? '/', env, network: extra.sandbox.network };
    const redirect = { stdin: executor.stdin, stdout: executor.stdout, stderr: executor.stderr };
    step.sandbox.redirect = Object.fromEntries(Object.entries(redirect).filter(([, path]) => path !== undefined));
  } else if (runtime) {
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
