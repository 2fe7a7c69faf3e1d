/**
 * The local site's job directory: the record it keeps of each job, and the
 * job's status read back from the files the run script leaves. Everything a
 * new `LocalSite` over the same work directory needs to attach. Node-only.
 * @module
 */
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobSpec } from '../../contracts/job-spec.js';
import { stateFromExitCodes } from '../../jobs/state-map.js';
import type { ExecutorLog, SiteJobStatus } from '../site.js';
import { openContained } from './contained.js';
import { parseExitCodes, SCRIPT_FILES, type ContainerRuntime } from '../../executor/script.js';

/** Files of a job directory besides those of the run script. */
export const JOB_FILES = {
  record: 'job.json',
  script: 'run.sh',
  pid: 'pid',
  cancel: 'cancel-requested',
  /** Created exclusively by the one site instance that starts the job. */
  claim: 'claimed',
  /** Why the run script could not be started. */
  startFailed: 'start-failed',
  root: 'root',
} as const;

/** What `job.json` holds. */
export interface LocalJobRecord {
  version: 1;
  id: string;
  idempotencyKey: string;
  createdAt: string;
  /** The spec, with secrets in input URLs redacted. */
  spec: JobSpec;
  /** The runtime that runs the images, or `null` when they are ignored. */
  runtime: ContainerRuntime | null;
  /** Host files that receive each executor's stdout and stderr. */
  logFiles: Array<{ stdout: string; stderr: string }>;
  /** The process that staged the inputs. */
  ownerPid: number;
  /** Said in the job's system logs (how it ran, when not as configured). */
  warnings?: string[];
}

/** Most bytes of an executor's stdout or stderr kept in its log. */
export const LOG_TAIL_BYTES = 64 * 1024;

/** Reads `job.json`; `undefined` when the job is unknown. */
export async function readRecord(dir: string): Promise<LocalJobRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, JOB_FILES.record), 'utf8')) as LocalJobRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The exit codes recorded so far, in order. */
export async function readExitCodes(dir: string): Promise<number[]> {
  try {
    return parseExitCodes(await readFile(join(dir, SCRIPT_FILES.exitCodes), 'utf8'));
  } catch {
    return [];
  }
}

/** The pid of the run script (leader of its process group), once started. */
export async function readPid(dir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(join(dir, JOB_FILES.pid), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True while a process of this pid exists and is not a zombie (an init that
 * does not reap, as in some containers, leaves dead orphans as zombies).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // Field 3 of /proc/<pid>/stat, after the parenthesised command name, is the state.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // No /proc (macOS): kill(pid, 0) is all there is.
  }
}

/**
 * The job's status from its files:
 *
 * | files | state (site state) |
 * |---|---|
 * | no `job.json` | `lost` (`unknown-job`) |
 * | `finished`, an executor failed without `ignore_error` | `executor_error` (`finished`) |
 * | `finished`, otherwise | `complete` (`finished`) |
 * | `start-failed` | `system_error` (`failed-to-start`) |
 * | `cancel-requested`, script alive | `canceling` |
 * | `cancel-requested`, script gone or never started | `canceled` |
 * | `pid`, script alive | `running` |
 * | `pid`, script gone without `finished` | `system_error` (`vanished`) |
 * | `claimed` | `queued` (`starting`) |
 * | `run.sh` | `queued` (`waiting` for a free slot) |
 * | the staging process alive | `queued` (`staging`) |
 * | otherwise | `system_error` (`staging-interrupted`) |
 */
export async function readStatus(dir: string, remoteId: string): Promise<SiteJobStatus> {
  const record = await readRecord(dir);
  if (!record) return { remoteId, state: 'lost', siteState: 'unknown-job' };
  // Liveness first, `finished` after: a script that ends between the two looks
  // has written `finished` before exiting, so it is never taken for vanished.
  const pid = await readPid(dir);
  const alive = pid !== undefined && isAlive(pid);
  const exitCodes = await readExitCodes(dir);
  const status = (state: SiteJobStatus['state'], siteState: string): SiteJobStatus => ({ remoteId, state, siteState, exitCodes });
  if (await exists(join(dir, SCRIPT_FILES.finished))) {
    return status(stateFromExitCodes(exitCodes, record.spec.executors), 'finished');
  }
  if (await exists(join(dir, JOB_FILES.startFailed))) return status('system_error', 'failed-to-start');
  if (await exists(join(dir, JOB_FILES.cancel))) return status(alive ? 'canceling' : 'canceled', alive ? 'canceling' : 'canceled');
  if (pid !== undefined) return status(alive ? 'running' : 'system_error', alive ? 'running' : 'vanished');
  if (await exists(join(dir, JOB_FILES.claim))) return status('queued', 'starting');
  if (await exists(join(dir, JOB_FILES.script))) return status('queued', 'waiting');
  return isAlive(record.ownerPid) ? status('queued', 'staging') : status('system_error', 'staging-interrupted');
}

/**
 * The last {@link LOG_TAIL_BYTES} of a file of the job directory `dir`, as
 * text; empty when it is missing, or a link out of the job directory.
 */
export async function readTail(path: string, dir: string): Promise<string> {
  const handle = await openContained(path, dir);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The logs of the executors that ran. */
export async function readExecutorLogs(dir: string, record: LocalJobRecord): Promise<ExecutorLog[]> {
  const codes = await readExitCodes(dir);
  return Promise.all(
    codes.map(async (exitCode, i) => {
      const files = record.logFiles[i];
      const log: ExecutorLog = { exitCode };
      if (files) {
        log.stdout = await readTail(files.stdout, dir);
        log.stderr = await readTail(files.stderr, dir);
      }
      return log;
    }),
  );
}
