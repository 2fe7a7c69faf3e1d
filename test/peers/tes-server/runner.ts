/**
 * Runs one TES task as local processes: stages inputs, runs each executor
 * (argv, no shell added, no container), keeps stdout/stderr tails and exit
 * codes, and delivers outputs to file:// URLs.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, openSync, closeSync } from 'node:fs';
import { cp, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { components } from '../../../generated/tes.js';
import { PathMapper } from './paths.js';

type Schemas = components['schemas'];
export type TesState = Schemas['tesState'];

/** The log of the (single) attempt of a task. */
export interface AttemptLog {
  start_time?: string;
  end_time?: string;
  logs: Schemas['tesExecutorLog'][];
  outputs: Schemas['tesOutputFileLog'][];
  system_logs: string[];
  metadata: Record<string, string>;
}

/** What the runner needs from the server. */
export interface RunControl {
  signal: AbortSignal;
  setState(state: TesState): void;
  log: AttemptLog;
}

const TAIL_BYTES = 10_000;

class SystemError extends Error {}

/** Runs the task to its end state (never throws). */
export async function runTask(task: Schemas['tesTask'], hostRoot: string, control: RunControl): Promise<TesState> {
  const mapper = new PathMapper(hostRoot, declaredPaths(task));
  const { log, signal } = control;
  try {
    control.setState('INITIALIZING');
    log.start_time = new Date().toISOString();
    log.metadata.runner = 'local-process';
    await mkdir(hostRoot, { recursive: true });
    for (const volume of task.volumes ?? []) await mkdir(mapper.host(volume), { recursive: true });
    for (const output of task.outputs ?? []) await mkdir(dirname(mapper.host(output.path)), { recursive: true });
    for (const input of task.inputs ?? []) await stageInput(input, mapper);
    if (signal.aborted) return 'CANCELED';
    control.setState('RUNNING');
    let failed = false;
    for (const executor of task.executors) {
      const entry = await runExecutor(executor, mapper, signal);
      log.logs.push(entry);
      if (signal.aborted) return 'CANCELED';
      if (entry.exit_code !== 0 && !executor.ignore_error) {
        failed = true;
        break;
      }
    }
    if (failed) return 'EXECUTOR_ERROR';
    for (const output of task.outputs ?? []) log.outputs.push(...(await deliverOutput(output, mapper)));
    return 'COMPLETE';
  } catch (error) {
    if (signal.aborted) return 'CANCELED';
    log.system_logs.push(error instanceof SystemError ? error.message : `internal error: ${String(error)}`);
    return 'SYSTEM_ERROR';
  } finally {
    log.end_time = new Date().toISOString();
  }
}

function declaredPaths(task: Schemas['tesTask']): string[] {
  const paths: string[] = [...(task.volumes ?? [])];
  for (const item of [...(task.inputs ?? []), ...(task.outputs ?? [])]) paths.push(item.path);
  for (const e of task.executors) for (const p of [e.workdir, e.stdin, e.stdout, e.stderr]) if (p) paths.push(p);
  return paths;
}

async function stageInput(input: Schemas['tesInput'], mapper: PathMapper): Promise<void> {
  const target = mapper.host(input.path);
  await mkdir(dirname(target), { recursive: true });
  if (input.content !== undefined && input.content !== '') {
    await writeFile(target, input.content);
    return;
  }
  const source = localPath(input.url ?? '');
  if (!source) throw new SystemError(`input ${input.path}: unsupported URL ${input.url} (this server stages file:// URLs and content)`);
  try {
    await cp(source, target, { recursive: true });
  } catch (error) {
    throw new SystemError(`input ${input.path}: cannot read ${input.url}: ${(error as Error).message}`);
  }
}

async function deliverOutput(output: Schemas['tesOutput'], mapper: PathMapper): Promise<Schemas['tesOutputFileLog'][]> {
  const destination = localPath(output.url);
  if (!destination) throw new SystemError(`output ${output.path}: unsupported URL ${output.url} (this server delivers to file:// URLs)`);
  const matches = /[*?[]/.test(output.path) ? await glob(output.path, mapper) : [output.path];
  if (matches.length === 0 || !(await exists(mapper.host(matches[0] as string)))) {
    throw new SystemError(`output ${output.path}: not found after the executors ran`);
  }
  const logs: Schemas['tesOutputFileLog'][] = [];
  for (const match of matches) {
    const relative = output.path_prefix ? posix.relative(output.path_prefix, match) : '';
    const target = relative ? join(destination, relative) : destination;
    await mkdir(dirname(target), { recursive: true });
    await cp(mapper.host(match), target, { recursive: true });
    for (const file of await filesUnder(target)) {
      const base = relative ? join(output.url, relative) : output.url;
      const suffix = file.slice(target.length);
      logs.push({ url: base + suffix, path: match + suffix, size_bytes: String((await stat(file)).size) });
    }
  }
  return logs;
}

async function runExecutor(executor: Schemas['tesExecutor'], mapper: PathMapper, signal: AbortSignal): Promise<Schemas['tesExecutorLog']> {
  const start_time = new Date().toISOString();
  const argv = executor.command.map((word) => mapper.rewrite(word));
  const cwd = executor.workdir ? mapper.host(executor.workdir) : mapper.hostRoot;
  await mkdir(cwd, { recursive: true });
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: mapper.hostRoot };
  for (const [name, value] of Object.entries(executor.env ?? {})) env[name] = mapper.rewrite(value);
  const stdinFd = executor.stdin ? openSync(mapper.host(executor.stdin), 'r') : undefined;
  const stdoutFile = executor.stdout ? createWriteStream(mapper.host(executor.stdout)) : undefined;
  const stderrFile = executor.stderr ? createWriteStream(mapper.host(executor.stderr)) : undefined;
  const stdout = new Tail();
  const stderr = new Tail();
  const exit_code = await new Promise<number>((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd,
      env,
      stdio: [stdinFd ?? 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const kill = (): void => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    signal.addEventListener('abort', kill, { once: true });
    // A cancel that came after RUNNING was reported but before the spawn (while the workdir was made) fired no listener.
    if (signal.aborted) kill();
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      stdoutFile?.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      stderrFile?.write(chunk);
    });
    child.on('error', (error) => {
      stderr.push(Buffer.from(`cannot start ${executor.command[0]}: ${error.message}\n`));
      signal.removeEventListener('abort', kill);
      resolve(127);
    });
    child.on('close', (code, killed) => {
      signal.removeEventListener('abort', kill);
      resolve(code ?? (killed ? 137 : 1));
    });
  });
  if (stdinFd !== undefined) closeSync(stdinFd);
  await Promise.all([stdoutFile, stderrFile].map((s) => (s ? new Promise((r) => s.end(r)) : undefined)));
  return { start_time, end_time: new Date().toISOString(), exit_code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Keeps the last TAIL_BYTES bytes of a stream, as Funnel does. */
class Tail {
  #chunks: Buffer[] = [];
  #size = 0;
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - (this.#chunks[0]?.length ?? 0) >= TAIL_BYTES) this.#size -= (this.#chunks.shift() as Buffer).length;
  }
  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - TAIL_BYTES)).toString('utf8');
  }
}

function localPath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (url.startsWith('/')) return url;
  return undefined;
}

async function glob(pattern: string, mapper: PathMapper): Promise<string[]> {
  const dir = posix.dirname(pattern);
  if (/[*?[]/.test(dir)) throw new SystemError(`output ${pattern}: wildcards are supported in the last path segment only`);
  const regex = new RegExp(`^${posix.basename(pattern).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  const names = await readdir(mapper.host(dir)).catch(() => [] as string[]);
  return names.filter((n) => regex.test(n)).sort().map((n) => posix.join(dir, n));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path)).sort()) out.push(...(await filesUnder(join(path, entry))));
  return out;
}
