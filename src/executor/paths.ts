/**
 * Container paths of a job mapped into a host directory, for running
 * executors without a container. Portable (no `node:` imports).
 * @module
 */
import type { JobSpec } from '../contracts/job-spec.js';

/** Directories a job may never map without a container: it would shadow the system. */
const SYSTEM_DIRS = new Set(['/', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/proc', '/run', '/sbin', '/sys', '/usr', '/var']);

/** Normalises an absolute POSIX path (`//a/./b/` → `/a/b`); `undefined` when it is not absolute or climbs with `..`. */
export function normalizeContainerPath(path: string): string | undefined {
  if (!path.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** True when `path` is `root` or below it (every path is below `/`). */
export function isBelow(path: string, root: string): boolean {
  return root === '/' || path === root || path.startsWith(`${root}/`);
}

/** True when a path holds a wildcard (`*`, `?` or a bracket expression). */
export function hasWildcard(path: string): boolean {
  return /[*?[]/.test(path);
}

/** The longest leading directory of `path` without wildcards (`/data/out/*.txt` → `/data/out`). */
export function wildcardFreeDir(path: string): string {
  const parts = path.split('/');
  const i = parts.findIndex((part) => hasWildcard(part));
  const dir = parts.slice(0, i === -1 ? parts.length - 1 : i).join('/');
  return dir === '' ? '/' : dir;
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * The container directories a job uses: the directory of every input, output
 * and redirection, every volume and every working directory (a `DIRECTORY`
 * input or output counts as its own directory).
 */
export function containerDirs(spec: JobSpec): string[] {
  const dirs = new Set<string>();
  const add = (path: string | undefined, isDir = false): void => {
    const normal = path === undefined ? undefined : normalizeContainerPath(path);
    if (normal) dirs.add(isDir ? normal : dirname(normal));
  };
  for (const input of spec.inputs ?? []) add(input.path, input.type === 'DIRECTORY');
  for (const output of spec.outputs ?? []) {
    if (typeof output.path === 'string' && hasWildcard(output.path)) add(wildcardFreeDir(output.path), true);
    else add(output.path, output.type === 'DIRECTORY');
  }
  for (const volume of spec.volumes ?? []) add(volume, true);
  for (const executor of spec.executors ?? []) {
    add(executor.workdir, true);
    add(executor.stdin);
    add(executor.stdout);
    add(executor.stderr);
  }
  // Keep only the outermost: a directory inside another maps with it.
  const sorted = [...dirs].sort((a, b) => a.length - b.length);
  return sorted.filter((dir, i) => !sorted.slice(0, i).some((outer) => dir.startsWith(`${outer}/`)));
}

/**
 * The directories a site makes before the run, as a container runtime does
 * (`docker run -w` makes the working directory): every executor's working
 * directory, the parent of every output and redirection, every volume.
 * Input paths are left to staging.
 */
export function dirsToMake(spec: JobSpec): string[] {
  const dirs = new Set<string>();
  const add = (path: string | undefined, isDir = false): void => {
    const normal = path === undefined ? undefined : normalizeContainerPath(path);
    if (normal) dirs.add(isDir ? normal : dirname(normal));
  };
  for (const output of spec.outputs ?? []) {
    if (typeof output.path === 'string' && hasWildcard(output.path)) add(wildcardFreeDir(output.path), true);
    else add(output.path);
  }
  for (const volume of spec.volumes ?? []) add(volume, true);
  for (const executor of spec.executors ?? []) {
    add(executor.workdir, true);
    add(executor.stdout);
    add(executor.stderr);
  }
  return [...dirs].sort();
}

/** True when the directory must not be mapped (it would shadow system files). */
export function isSystemDir(dir: string): boolean {
  return SYSTEM_DIRS.has(dir);
}

/**
 * Maps container paths of one job below `root` on the host: `/data/x` becomes
 * `<root>/data/x`, in paths and inside command arguments and env values.
 *
 * @example
 * ```ts
 * const map = new PathMap('/tmp/job1/root', ['/data']);
 * map.host('/data/in.txt'); // '/tmp/job1/root/data/in.txt'
 * map.rewrite('wc -l /data/in.txt > /data/n'); // 'wc -l /tmp/job1/root/data/in.txt > /tmp/job1/root/data/n'
 * ```
 */
export class PathMap {
  readonly #pattern: RegExp | undefined;

  constructor(
    readonly root: string,
    readonly dirs: readonly string[],
  ) {
    const alternatives = [...dirs].sort((a, b) => b.length - a.length).map(escapeRegExp);
    // A mapped directory at a path boundary: not preceded by a path character,
    // followed by `/`, the end, or a character that cannot continue a name.
    this.#pattern = alternatives.length
      ? new RegExp(`(?<![\\w.~/-])(${alternatives.join('|')})(?=/|$|[^\\w.-])`, 'g')
      : undefined;
  }

  /** The host path of a container path. */
  host(containerPath: string): string {
    const normal = normalizeContainerPath(containerPath);
    if (normal === undefined) throw new RangeError(`not an absolute container path: ${containerPath}`);
    return normal === '/' ? this.root : `${this.root}${normal}`;
  }

  /** Replaces mapped container paths in free text (a command argument, an env value). */
  rewrite(text: string): string {
    if (!this.#pattern) return text;
    return text.replace(this.#pattern, (dir: string) => `${this.root}${dir}`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
