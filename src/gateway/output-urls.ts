/**
 * The URL a task log shows for a delivered file: in the form the client
 * gave its output (a `file://` URL stays one), whatever the site reports
 * (sites report where they wrote, often a bare host path).
 * @module
 */
import type { JobOutput } from '../contracts/job-spec.js';

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The client's URL for the file delivered from container path `path`: the
 * output's own `url` for a file output; for a file of a DIRECTORY output,
 * or matched by a wildcard output, that output's `url` joined with the
 * file's path below the directory (or below `path_prefix`). `reported` (a
 * path made a `file://` URL) when no output covers it.
 *
 * @example
 * ```ts
 * clientOutputUrl([{ path: '/work', url: 'file:///out/run 1', type: 'DIRECTORY' }], '/work/a b.txt', '/out/run 1/a b.txt');
 * // 'file:///out/run%201/a%20b.txt'
 * ```
 */
export function clientOutputUrl(outputs: readonly JobOutput[], path: string, reported: string): string {
  let best: { url: string; rest: string } | undefined;
  for (const output of outputs) {
    if (output.path === path) return output.url;
    const dir = /[*?[]/.test(output.path) ? output.path_prefix : output.type === 'DIRECTORY' ? output.path : undefined;
    if (dir === undefined) continue;
    const base = dir.replace(/\/+$/, '');
    if (!path.startsWith(`${base}/`)) continue;
    const rest = path.slice(base.length + 1);
    if (!best || rest.length < best.rest.length) best = { url: output.url, rest };
  }
  if (best) return joinUrl(best.url, best.rest);
  return SCHEME.test(reported) ? reported : `file://${reported.split('/').map(encodeURIComponent).join('/')}`;
}

/** `base` + `/` + the relative path, its segments percent-encoded when `base` is a URL. */
function joinUrl(base: string, rest: string): string {
  const isUrl = SCHEME.test(base);
  const segments = rest.split('/').map((s) => (isUrl ? encodeURIComponent(s) : s));
  return `${base.replace(/\/+$/, '')}/${segments.join('/')}`;
}
