/**
 * The local site's work directory: where it is by default (per user, under
 * the user's cache directory), kept private, and cleaned of old jobs.
 * @module
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../errors.js';
import { userCacheDir } from '../../util/user-dirs.js';
import { readRecord, readStatus, type LocalJobRecord } from './record.js';
import { isTerminalState } from '../../jobs/state.js';

/** When a local site removes a job's directory: after any end, after a success only, or never. */
export type LocalCleanup = 'always' | 'onSuccess' | 'never';

/** The cleanup policies. */
export const LOCAL_CLEANUPS: readonly LocalCleanup[] = ['always', 'onSuccess', 'never'];

/**
 * The default work directory of this user: `$XDG_CACHE_HOME/pulsar-network/local`,
 * or `~/.cache/pulsar-network/local` (never a directory shared by all users).
 */
export function defaultWorkDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return userCacheDir('local', env, home);
}

/** The id of a job of the local site: also the name of its directory under `jobs/`. */
export const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Makes the work directory (0700) if missing, and checks it: it must be a
 * real directory (not a link) owned by this user. One that is open to
 * others is closed (chmod 0700): job files hold inputs and outputs.
 */
export async function prepareWorkDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await ownDirectory(dir);
  if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/** The `lstat` of `dir`, once it is known to be a real directory (not a link) of this user. */
async function ownDirectory(dir: string): Promise<Stats> {
  const info = await lstat(dir);
  const refuse = (message: string): never => {
    throw new ValidationError('local site work directory', [{ path: 'workDir', message: `${dir} ${message}` }]);
  };
  if (!info.isDirectory()) refuse('is not a directory (a link or a file): give a directory of your own');
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) refuse(`belongs to uid ${info.uid}, not to this user (uid ${uid}): give a directory of your own`);
  return info;
}

/** What {@link collectGarbage} removed and kept. */
export interface GcReport {
  /** Ids of the job directories removed. */
  removed: string[];
  /** Ids kept because their job has not ended. */
  running: string[];
}

/**
 * Removes the directories of ended jobs last changed more than `olderThanMs`
 * ago (and their idempotency keys); jobs still running are kept. A job
 * directory without a readable record is removed by age alone.
 */
export async function collectGarbage(workDir: string, olderThanMs: number, now = Date.now()): Promise<GcReport> {
  const report: GcReport = { removed: [], running: [] };
  const jobs = join(workDir, 'jobs');
  // Only this user's own directories are cleaned, and no link is followed (in them or to them).
  if (!(await lstat(workDir).catch(() => undefined))) return report;
  await ownDirectory(workDir);
  if (!(await lstat(jobs).catch(() => undefined))?.isDirectory()) return report;
  for (const id of await readdir(jobs)) {
    const dir = join(jobs, id);
    const info = JOB_ID.test(id) ? await lstat(dir).catch(() => undefined) : undefined;
    if (!info?.isDirectory() || now - info.mtimeMs < olderThanMs) continue;
    const record = await readRecord(dir).catch(() => undefined);
    if (record && !isTerminalState((await readStatus(dir, id)).state)) {
      report.running.push(id);
      continue;
    }
    await removeJob(workDir, dir, record);
    report.removed.push(id);
  }
  return report;
}

/** Removes an ended job's directory and its idempotency key. */
export async function removeJob(workDir: string, dir: string, record?: LocalJobRecord): Promise<void> {
  record ??= await readRecord(dir);
  if (record) await rm(keyFileOf(workDir, record.idempotencyKey), { force: true });
  await rm(dir, { recursive: true, force: true });
}

/** Where the id of the job a submit with this key made is kept. */
export function keyFileOf(workDir: string, idempotencyKey: string): string {
  return join(workDir, 'keys', createHash('sha256').update(idempotencyKey).digest('hex'));
}
