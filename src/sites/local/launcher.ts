/**
 * Starting the local site's jobs, at most `limit` at once, each as its own
 * process group. Node-only.
 * @module
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JOB_FILES } from './record.js';

/**
 * A first-come-first-served queue of jobs whose run script is written, and
 * the jobs started from it. A job is started by whoever creates its `claimed`
 * file first, so two instances over one work directory never both start it.
 */
export class Launcher {
  /** Jobs waiting for a slot, first come first served. */
  readonly #pending: string[] = [];
  /** The same, to ask cheaply. */
  readonly #waiting = new Set<string>();
  /** Jobs started here that have not exited. */
  readonly #running = new Set<string>();
  #pumping = false;

  constructor(
    readonly limit: number,
    private readonly dirOf: (remoteId: string) => string,
    private readonly notify: (remoteId: string) => void,
  ) {}

  /** True when the job waits in this queue. */
  isPending(remoteId: string): boolean {
    return this.#waiting.has(remoteId);
  }

  /**
   * True while this launcher holds the job (waiting here, or started here and
   * not exited): every change of its state is then announced by `notify`.
   */
  owns(remoteId: string): boolean {
    return this.#waiting.has(remoteId) || this.#running.has(remoteId);
  }

  /** Queues a job and starts what the free slots allow. */
  enqueue(remoteId: string): void {
    this.#pending.push(remoteId);
    this.#waiting.add(remoteId);
    this.notify(remoteId);
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#running.size < this.limit && this.#pending.length > 0) {
        const remoteId = this.#pending.shift() as string;
        this.#waiting.delete(remoteId);
        const dir = this.dirOf(remoteId);
        if (!(await claim(join(dir, JOB_FILES.claim)))) {
          this.notify(remoteId); // started elsewhere
          continue;
        }
        if (await exists(join(dir, JOB_FILES.cancel))) {
          this.notify(remoteId);
          continue;
        }
        try {
          await this.#start(remoteId, dir);
        } catch (error) {
          await writeFile(join(dir, JOB_FILES.startFailed), error instanceof Error ? error.message : String(error)).catch(() => undefined);
          this.notify(remoteId);
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #start(remoteId: string, dir: string): Promise<void> {
    // held from the spawn on, so its `pid` and its exit are announced as changes
    this.#running.add(remoteId);
    const child = spawn('/bin/sh', [JOB_FILES.script], { cwd: dir, detached: true, stdio: 'ignore' });
    try {
      await once(child, 'spawn');
    } catch (error) {
      this.#running.delete(remoteId);
      throw error;
    }
    child.on('exit', () => {
      this.#running.delete(remoteId);
      this.notify(remoteId);
      void this.#pump();
    });
    child.unref();
    await writeFile(join(dir, JOB_FILES.pid), String(child.pid));
    this.notify(remoteId);
  }
}

/** Creates `path` only if it does not exist: true for the one caller that made it. */
async function claim(path: string): Promise<boolean> {
  try {
    await writeFile(path, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
