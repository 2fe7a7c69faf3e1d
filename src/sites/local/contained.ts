/**
 * Reading what a task left without following its links out: a task writes
 * in its job directory, and could leave there a symbolic link to any host
 * file for the site (which runs outside the sandbox) to read as a log or
 * deliver as an output. Every such read is checked against the real path of
 * the file actually opened. Node-only.
 * @module
 */
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { isBelow } from '../../executor/paths.js';

/** True when the real path of `path` (links resolved) is `root` or below it; false when it does not exist. */
export async function isContained(path: string, root: string): Promise<boolean> {
  const [real, realRoot] = await Promise.all([realpath(path).catch(() => undefined), realpath(root).catch(() => undefined)]);
  return real !== undefined && realRoot !== undefined && isBelow(real, realRoot);
}

/**
 * Opens `path` for reading only when the file opened is below `root` (its
 * path read back from the open descriptor, so a link swapped in between
 * cannot redirect the read); `undefined` when it is missing or elsewhere.
 */
export async function openContained(path: string, root: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch {
    return undefined;
  }
  const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => realpath(path).catch(() => ''));
  const realRoot = await realpath(root).catch(() => undefined);
  if (realRoot !== undefined && opened !== '' && isBelow(opened, realRoot)) return handle;
  await handle.close();
  return undefined;
}
