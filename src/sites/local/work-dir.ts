/**
 * The local site's work directory: where it is by default (per user, under
 * the user's cache directory), kept private, and cleaned of old jobs.
 * @module
 */
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../errors.js';
import { readRecord, readStatus } from './record.js';
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
  const cache = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(home, '.cache');
  return resolve(cache, 'pulsar-network', 'local');
}

/**
 * Makes the work directory (0700) if missing, and checks it: it must be a
 * real directory (not a link) owned by this user. One that is open to
 * others is closed (chmod 0700): job files hold inputs and outputs.
 */
export async function prepareWorkDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  const refuse = (message: string): never => {
    throw new ValidationError('local site work directory', [{ path: 'workDir', message: `${dir} ${message}` }]);
  };
  if (!info.isDirectory()) refuse('is not a directory (a link or a file): give a directory of your own');
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) refuse(`belongs to uid ${info.uid}, not to this user (uid ${uid}): give a directory of your own`);
  if ((info.mode & 0o077) !== 0) await chmod(dir, 0o700);
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
  const ids = await readdir(jobs).catch(() => [] as string[]);
  for (const id of ids) {
    const dir = join(jobs, id);
    const changed = (await stat(dir).catch(() => undefined))?.mtimeMs;
    if (changed === undefined || now - changed < olderThanMs) continue;
    const record = await readRecord(dir);
    if (record && !isTerminalState((await readStatus(dir, id)).state)) {
      report.running.push(id);
      continue;
    }
    if (record) await rm(keyFileOf(workDir, record.idempotencyKey), { force: true });
    await rm(dir, { recursive: true, force: true });
    report.removed.push(id);
  }
  return report;
}

/** Removes an ended job's directory and its idempotency key. */
export async function removeJob(workDir: string, dir: string): Promise<void> {
  const record = await readRecord(dir);
  if (record) await rm(keyFileOf(workDir, record.idempotencyKey), { force: true });
  await rm(dir, { recursive: true, force: true });
}

/** Where the id of the job a submit with this key made is kept. */
export function keyFileOf(workDir: string, idempotencyKey: string): string {
  return join(workDir, 'keys', createHash('sha256').update(idempotencyKey).digest('hex'));
}
