/**
 * What the local site checks in a job spec before it touches anything.
 * @module
 */
import type { ValidationIssue } from '../errors.js';
import type { JobSpec } from '../contracts/job-spec.js';
import { containerDirs, hasWildcard, isSystemDir, normalizeContainerPath } from './paths.js';
import { ENV_NAME } from './script.js';

/**
 * How the site will treat executor images: run them (`container`), run the
 * command without its image as a plain process (`ignore`, container paths
 * rewritten) or in a sandbox that binds the container paths (`sandbox`), or
 * refuse the job.
 */
export type ImagePolicy = { mode: 'container' } | { mode: 'ignore' } | { mode: 'sandbox' } | { mode: 'refuse'; why: string };

/** Where a sandbox cannot bind a task's directory: the root, and the directories it makes anew. */
const UNBINDABLE = ['/proc', '/dev'];

/** Where an input or output URL points, for the local site. */
export type LocalLocation = { kind: 'file'; path: string } | { kind: 'http'; url: string };

/**
 * Classifies a TES `url` for the local site: `file://` URLs and plain paths
 * are files (a relative path is relative to `cwd`), `http(s)://` URLs are
 * fetched; anything else is `undefined`.
 */
export function locate(url: string, resolvePath: (path: string) => string, fileUrlToPath: (url: string) => string): LocalLocation | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || /^[a-z]:[\\/]/i.test(url)) return { kind: 'file', path: resolvePath(url) };
  if (scheme === 'file') return { kind: 'file', path: fileUrlToPath(url) };
  if (scheme === 'http' || scheme === 'https') return { kind: 'http', url };
  return undefined;
}

/** Every problem of `spec` for the local site; an empty list when it can run. */
export function checkSpec(
  spec: JobSpec,
  policy: ImagePolicy,
  where: { locate: (url: string) => LocalLocation | undefined },
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const issue = (path: string, message: string): void => {
    issues.push({ path, message });
  };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return [{ path: '$', message: 'a job spec must be an object (a TES task)' }];
  const absolute = (value: unknown, path: string): void => {
    if (value === undefined) return;
    if (typeof value !== 'string' || normalizeContainerPath(value) === undefined) {
      issue(path, 'must be an absolute container path without ".." (e.g. /data/in.txt)');
    }
  };
  if (!Array.isArray(spec.executors) || spec.executors.length === 0) issue('$.executors', 'at least one executor is required');
  (spec.executors ?? []).forEach((executor, i) => {
    const at = `$.executors[${i}]`;
    if (!Array.isArray(executor.command) || executor.command.length === 0 || executor.command.some((w) => typeof w !== 'string')) {
      issue(`${at}.command`, 'must be a non-empty array of strings');
    }
    if (typeof executor.image !== 'string' || executor.image === '') issue(`${at}.image`, 'is required by TES (with allowNoContainer, any image name will do)');
    else if (policy.mode === 'refuse') issue(`${at}.image`, policy.why);
    absolute(executor.workdir, `${at}.workdir`);
    absolute(executor.stdin, `${at}.stdin`);
    absolute(executor.stdout, `${at}.stdout`);
    absolute(executor.stderr, `${at}.stderr`);
    for (const [name, value] of Object.entries(executor.env ?? {})) {
      if (!ENV_NAME.test(name)) issue(`${at}.env.${name}`, 'is not a valid environment variable name');
      if (typeof value !== 'string') issue(`${at}.env.${name}`, 'must be a string');
    }
  });
  (spec.inputs ?? []).forEach((input, i) => {
    const at = `$.inputs[${i}]`;
    absolute(input.path, `${at}.path`);
    if (typeof input.path !== 'string') issue(`${at}.path`, 'is required');
    const hasContent = typeof input.content === 'string';
    if (hasContent && input.url) issue(at, 'has both url and content; give one');
    else if (!hasContent && !input.url) issue(at, 'needs a url (file://, a local path, http(s)://) or inline content');
    else if (!hasContent && input.url && !where.locate(input.url)) issue(`${at}.url`, 'the local site reads file:// URLs, local paths and http(s):// URLs only');
    if (hasContent && input.type === 'DIRECTORY') issue(`${at}.type`, 'inline content cannot be a DIRECTORY');
  });
  (spec.outputs ?? []).forEach((output, i) => {
    const at = `$.outputs[${i}]`;
    absolute(output.path, `${at}.path`);
    if (typeof output.path !== 'string') issue(`${at}.path`, 'is required');
    if (typeof output.url !== 'string' || output.url === '') issue(`${at}.url`, 'is required');
    else if (where.locate(output.url)?.kind !== 'file') issue(`${at}.url`, 'the local site delivers outputs to file:// URLs and local paths only');
    if (typeof output.path === 'string' && hasWildcard(output.path)) {
      const prefix = output.path_prefix === undefined ? undefined : normalizeContainerPath(output.path_prefix);
      if (prefix === undefined) issue(`${at}.path_prefix`, 'is required, as an absolute container path, when path has wildcards');
      else if (!output.path.startsWith(prefix === '/' ? '/' : `${prefix}/`)) issue(`${at}.path_prefix`, `must be a leading part of path (${output.path})`);
    }
  });
  (spec.volumes ?? []).forEach((volume, i) => absolute(volume, `$.volumes[${i}]`));
  // A NUL cannot pass through a shell script, nor through the NUL-separated sandbox arguments.
  (spec.executors ?? []).forEach((executor, i) => {
    const words = [...(Array.isArray(executor.command) ? executor.command : []), ...Object.values(executor.env ?? {}), executor.workdir, executor.stdin, executor.stdout, executor.stderr];
    if (words.some((w) => typeof w === 'string' && w.includes('\0'))) issue(`$.executors[${i}]`, 'a command word, env value or path contains a NUL character');
  });
  if (issues.length === 0 && policy.mode === 'ignore') {
    for (const dir of containerDirs(spec)) {
      if (isSystemDir(dir)) issue('$', `container directory ${dir} cannot be mapped into the job directory without a container (system paths in commands would be rewritten); use a directory such as /data`);
    }
  }
  if (issues.length === 0 && policy.mode === 'sandbox') {
    for (const dir of containerDirs(spec)) {
      if (dir === '/' || UNBINDABLE.some((d) => dir === d || dir.startsWith(`${d}/`))) issue('$', `container directory ${dir} cannot be bound in the sandbox (it is the root, or made anew there); use a directory such as /data`);
    }
  }
  return issues;
}
