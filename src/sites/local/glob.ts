/**
 * POSIX pattern matching (IEEE Std 1003.1-2017, 2.13) of TES output paths
 * with wildcards. Node-only (it reads directories).
 * @module
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hasWildcard } from '../../executor/paths.js';

/** A regular expression for one path segment of a pattern. */
export function segmentRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      source += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  // A leading dot is matched only by a pattern that starts with one.
  return new RegExp(segment.startsWith('.') ? `^${source}$` : `^(?!\\.)${source}$`);
}

/**
 * The files under `root` matching an absolute container pattern: returns
 * the container paths of the matches, sorted.
 */
export async function globFiles(root: string, pattern: string): Promise<string[]> {
  const segments = pattern.split('/').filter((s) => s !== '');
  const matches: string[] = [];
  const walk = async (containerDir: string, index: number): Promise<void> => {
    const segment = segments[index];
    if (segment === undefined) return;
    const last = index === segments.length - 1;
    let entries;
    try {
      entries = await readdir(join(root, containerDir), { withFileTypes: true });
    } catch {
      return;
    }
    const test = hasWildcard(segment) ? segmentRegExp(segment) : undefined;
    for (const entry of entries) {
      if (test ? !test.test(entry.name) : entry.name !== segment) continue;
      const path = `${containerDir === '/' ? '' : containerDir}/${entry.name}`;
      if (last) {
        if (entry.isFile()) matches.push(path);
      } else if (entry.isDirectory()) await walk(path, index + 1);
    }
  };
  await walk('/', 0);
  return matches.sort();
}
