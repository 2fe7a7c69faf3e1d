/**
 * The POSIX shell script that runs a job's executors in order, each with its
 * own working directory, environment and redirections, recording each exit
 * code and stopping at the first failure unless the executor says
 * `ignore_error`. Portable (no `node:` imports).
 * @module
 */
import type { JobExecutor } from '../contracts/job-spec.js';
import { shellQuote } from './shell.js';
import { SANDBOX_FUNCTIONS, sandboxArgv, sandboxLines, type SandboxCall } from './sandbox.js';

/** A container runtime the local site can run images with. */
export type ContainerRuntime = 'docker' | 'podman' | 'apptainer' | 'singularity';

/** Every runtime the local site knows, in the order `auto` tries them. */
export const CONTAINER_RUNTIMES: readonly ContainerRuntime[] = ['apptainer', 'singularity', 'podman', 'docker'];

/** Files the script writes, relative to the job directory. */
export const SCRIPT_FILES = {
  exitCodes: 'exit-codes',
  finished: 'finished',
  stdout: (i: number) => `logs/${i}.stdout`,
  stderr: (i: number) => `logs/${i}.stderr`,
} as const;

export { shellQuote };

/**
 * The exit codes the script recorded, in order: one integer a line of
 * {@link SCRIPT_FILES}`.exitCodes`. A line that is not an integer (a damaged
 * file) reads as -1, a failure: a job never passes as complete on codes
 * nobody can read. Every site reads its exit codes through this.
 *
 * @example
 * ```ts
 * parseExitCodes('0\n1\n'); // [0, 1]
 * ```
 */
export function parseExitCodes(text: string): number[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (/^\s*-?\d+\s*$/.test(line) ? Number.parseInt(line, 10) : -1));
}

/** Names a POSIX shell accepts as environment variable names. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How one executor is run. */
export interface ScriptExecutor {
  executor: JobExecutor;
  /** The argv to run: the command itself, or wrapped by a container runtime. */
  argv: string[];
  /** Host working directory; `undefined` when the runtime sets it. */
  cwd?: string;
  /** Environment exported before the command (empty when the runtime passes it). */
  env: Record<string, string>;
  stdin?: string;
  /** Host file of stdout (the spec's, or the log file). */
  stdout: string;
  stderr: string;
  /**
   * Run `argv` in this bubblewrap sandbox (its arguments are written, where
   * the script runs, to `sandbox-<index>.args` beside it); `cwd` and `env`
   * are then unused.
   */
  sandbox?: SandboxCall;
}

/** The file of an executor's sandbox arguments, relative to the script's directory. */
export function sandboxArgsFile(index: number): string {
  return `sandbox-${index}.args`;
}

/** The script text for executors that run one after the other. */
export function runScript(executors: readonly ScriptExecutor[]): string {
  const lines = ['#!/bin/sh', '# Written by pulsar-network LocalSite: runs the executors of one job.', `: > ${SCRIPT_FILES.exitCodes}`];
  if (executors.some((step) => step.sandbox)) lines.push(...SANDBOX_FUNCTIONS);
  executors.forEach((step, i) => {
    lines.push(`# executor ${i}`, '(');
    const stdin = step.stdin === undefined ? '/dev/null' : step.stdin;
    const redirections = `< ${shellQuote(stdin)} > ${shellQuote(step.stdout)} 2> ${shellQuote(step.stderr)}`;
    if (step.sandbox) {
      const file = sandboxArgsFile(i);
      lines.push(...sandboxLines(step.sandbox, file).map((line) => `  ${line}`));
      // the site's shell opens only files of its own; the task's are opened inside the sandbox
      const own = `< /dev/null > ${SCRIPT_FILES.stdout(i)} 2> ${SCRIPT_FILES.stderr(i)}`;
      lines.push(`  exec ${sandboxArgv(step.argv, step.sandbox.redirect).map(shellQuote).join(' ')} 3< ${file} ${own}`);
    } else {
      if (step.cwd !== undefined) lines.push(`  cd ${shellQuote(step.cwd)} || exit 125`);
      for (const [name, value] of Object.entries(step.env)) lines.push(`  ${name}=${shellQuote(value)}; export ${name}`);
      lines.push(`  exec ${step.argv.map(shellQuote).join(' ')} ${redirections}`);
    }
    lines.push(')', 'code=$?', `echo "$code" >> ${SCRIPT_FILES.exitCodes}`);
    if (!step.executor.ignore_error) lines.push(`if [ "$code" -ne 0 ]; then : > ${SCRIPT_FILES.finished}; exit 0; fi`);
  });
  lines.push(`: > ${SCRIPT_FILES.finished}`, '');
  return lines.join('\n');
}

/** What a runtime needs to run one executor in a container. */
export interface ContainerCall {
  runtime: ContainerRuntime;
  image: string;
  command: readonly string[];
  /** Host directory → container directory. */
  mounts: ReadonlyArray<readonly [host: string, container: string]>;
  workdir?: string;
  env: Record<string, string>;
}

/**
 * The argv that runs a command in a container with the given runtime
 * (`docker run …`, `apptainer exec …`).
 *
 * @example
 * ```ts
 * containerArgv({ runtime: 'docker', image: 'alpine', command: ['ls'], mounts: [['/tmp/j/root/data', '/data']], env: {} });
 * // ['docker', 'run', '--rm', '-i', '-v', '/tmp/j/root/data:/data', 'alpine', 'ls']
 * ```
 */
export function containerArgv(call: ContainerCall): string[] {
  if (call.runtime === 'docker' || call.runtime === 'podman') {
    const argv: string[] = [call.runtime, 'run', '--rm', '-i'];
    for (const [host, container] of call.mounts) argv.push('-v', `${host}:${container}`);
    if (call.workdir !== undefined) argv.push('-w', call.workdir);
    for (const [name, value] of Object.entries(call.env)) argv.push('-e', `${name}=${value}`);
    argv.push(call.image, ...call.command);
    return argv;
  }
  const argv: string[] = [call.runtime, 'exec', '--cleanenv'];
  for (const [host, container] of call.mounts) argv.push('--bind', `${host}:${container}`);
  if (call.workdir !== undefined) argv.push('--pwd', call.workdir);
  for (const [name, value] of Object.entries(call.env)) argv.push('--env', `${name}=${value}`);
  const image = /^[a-z][a-z0-9+.-]*:\/\//i.test(call.image) || call.image.startsWith('/') ? call.image : `docker://${call.image}`;
  argv.push(image, ...call.command);
  return argv;
}
