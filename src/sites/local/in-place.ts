/**
 * Inputs used where they are instead of copied: in a sandbox, a `file://`
 * input under a path the site shares with its tasks (a `file://` storage of
 * the site, or a configured bind) is bound at its container path. Node-only.
 * @module
 */
import { mkdir, realpath, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ValidationIssue } from '../../errors.js';
import type { JobInput } from '../../contracts/job-spec.js';
import { isBelow, type PathMap } from '../../executor/paths.js';
import { shareHolding, shareOf, type InPlaceInput } from '../../executor/plan.js';
import type { LocalLocation } from '../../executor/validate.js';

/** A host directory shared with the tasks, as the site resolved it. */
export interface SharedPath {
  /** The real path (links resolved). */
  path: string;
  /** Tasks may write below it. */
  writable: boolean;
}

/** A shared path given as a `file://` URL or a path, or with its mode; `undefined` for other URLs (s3://, https://). */
export function sharedPathOf(entry: string | { path: string; writable?: boolean }, fileUrlToPath: (url: string) => string): { path: string; writable: boolean } | undefined {
  const given = shareOf(entry);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(given.path)?.[1]?.toLowerCase();
  if (scheme === undefined) return given.path.startsWith('/') ? given : undefined;
  return scheme === 'file' ? { path: fileUrlToPath(given.path), writable: given.writable } : undefined;
}

/** The shared paths that exist here, with their links resolved. */
export async function resolveShared(paths: ReadonlyArray<{ path: string; writable: boolean }>): Promise<SharedPath[]> {
  const resolved = await Promise.all(paths.map(async (p) => ({ path: await realpath(p.path).catch(() => undefined), writable: p.writable })));
  return resolved.filter((p): p is SharedPath => p.path !== undefined);
}

/**
 * The inputs of `inputs` that are used in place: local files and
 * directories whose real path is below a shared path. A directory that
 * holds `workDir` (the site's own jobs) is refused.
 */
export async function inPlaceInputs(
  inputs: readonly JobInput[],
  shared: readonly SharedPath[],
  ctx: { locate: (url: string) => LocalLocation | undefined; workDir: string },
): Promise<{ inPlace: InPlaceInput[]; issues: ValidationIssue[] }> {
  const inPlace: InPlaceInput[] = [];
  const issues: ValidationIssue[] = [];
  if (shared.length === 0) return { inPlace, issues };
  for (const [index, input] of inputs.entries()) {
    const where = typeof input.content === 'string' || !input.url ? undefined : ctx.locate(input.url);
    if (where?.kind !== 'file') continue;
    const host = await realpath(where.path).catch(() => undefined);
    if (host === undefined) continue; // staging says it is missing
    const under = shareHolding(host, shared);
    if (!under) continue;
    const directory = (await stat(host)).isDirectory();
    if (directory && isBelow(ctx.workDir, host)) {
      issues.push({ path: `$.inputs[${index}].url`, message: 'is a directory holding the site\'s work directory; it cannot be given to a task' });
      continue;
    }
    inPlace.push({ index, container: input.path, host, writable: directory && under.writable, directory });
  }
  return { inPlace, issues };
}

/** Makes an empty file or directory at each in-place input's mapped path, for the sandbox to mount on. */
export async function placeInputs(inPlace: readonly InPlaceInput[], map: PathMap): Promise<void> {
  for (const input of inPlace) {
    const at = map.host(input.container);
    await mkdir(dirname(at), { recursive: true });
    if (input.directory) await mkdir(at, { recursive: true });
    else await writeFile(at, '');
  }
}
