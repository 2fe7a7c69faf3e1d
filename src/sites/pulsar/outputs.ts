/**
 * Which files of a Pulsar job's working directory an output names. Portable.
 * @module
 */
import type { JobOutput } from '../../jobs/spec.js';
import { hasWildcard } from '../local/paths.js';
import { workdirName } from './command.js';

/** One file to download for an output: its working-directory name, container path, and path below the destination. */
export interface OutputMatch {
  /** The file's name in the working directory, as Pulsar lists it. */
  name: string;
  /** Its container path. */
  path: string;
  /** Its path below the output's destination (empty for a file output). */
  relative: string;
}

/** The working-directory files an output names: the file itself, a directory's files, or a last-segment pattern's matches. */
export function matchOutput(output: JobOutput, working: readonly string[]): OutputMatch[] {
  const base = workdirName(output.path);
  if (hasWildcard(output.path)) {
    const slash = base.lastIndexOf('/');
    const dir = base.slice(0, slash + 1);
    const pattern = globToRegExp(base.slice(slash + 1));
    const prefix = workdirName(output.path_prefix ?? '/').replace(/\/+$/, '');
    return working
      .filter((name) => name.startsWith(dir) && pattern.test(name.slice(dir.length)))
      .sort()
      .map((name) => ({ name, path: `/${name.slice(workdirName('/').length)}`, relative: name.slice(prefix.length + 1) }));
  }
  if (working.includes(base)) return [{ name: base, path: output.path, relative: '' }];
  const dir = `${base.replace(/\/+$/, '')}/`;
  return working
    .filter((name) => name.startsWith(dir))
    .sort()
    .map((name) => ({ name, path: `${output.path.replace(/\/+$/, '')}/${name.slice(dir.length)}`, relative: name.slice(dir.length) }));
}

function globToRegExp(segment: string): RegExp {
  let source = '';
  for (const char of segment) {
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
