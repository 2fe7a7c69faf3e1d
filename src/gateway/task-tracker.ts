/**
 * `TaskTracker`: submits tasks through a network and writes everything a
 * task goes through into a {@link TaskStore}; finds them again after a
 * restart. Shared by the TES gateway and the `pulsar-network` command line.
 * @module
 */
import { emitWarning } from 'node:process';
import type { JobSiteEvent } from '../jobs/events.js';
import type { Job } from '../jobs/job.js';
import type { JobSpec } from '../contracts/job-spec.js';
import { toTesState } from '../jobs/state-map.js';
import type { Network } from '../network/network.js';
import { FINAL_TES_STATES, type GatewayTask, type GatewayTaskPatch, type TaskStore } from './store.js';
import { finishedLog, publicDecision, startedLog } from './views.js';

/** Tries of a task write the store refused, and the wait before the next (times the try). */
const STORE_WRITE_ATTEMPTS = 4;
const STORE_RETRY_MS = 250;

/**
 * Follows tasks of one store through one network.
 *
 * @example
 * ```ts
 * const tracker = new TaskTracker(network, new SqliteTaskStore('gateway.db'));
 * tracker.resume(); // every task an earlier process left in flight
 * const id = await tracker.submit(spec, 'me');
 * await tracker.job(id)?.wait();
 * console.log(tracker.store.get(id)?.state); // 'COMPLETE'
 * ```
 */
export class TaskTracker {
  readonly #jobs = new Map<string, { job: Job }>();
  #closed = false;

  readonly #onStoreError: (error: Error, id: string) => void;
  /** Changes the store refused, by task, merged in order: written before any later change of the task. */
  readonly #unwritten = new Map<string, { patch: GatewayTaskPatch; tries: number }>();

  constructor(
    /** The network the tasks run on. */
    readonly network: Network,
    /** Where the tasks' states, sites and logs are written. */
    readonly store: TaskStore,
    options: {
      /**
       * Hears a write the store refused after its retries (a locked or full
       * database): the task goes on, and a restart re-reads its true state
       * from its site. @default a process warning
       */
      onStoreError?: (error: Error, id: string) => void;
    } = {},
  ) {
    this.#onStoreError = options.onStoreError ?? ((error, id) => emitWarning(`task ${id}: the task store refused a write: ${error.message}`, 'TaskStoreWarning'));
  }

  /** The job of a task this tracker follows. */
  job(id: string): Job | undefined {
    return this.#jobs.get(id)?.job;
  }

  /** How many tasks it follows now. */
  get following(): number {
    return this.#jobs.size;
  }

  /**
   * Stores a new task and submits it. Resolves with its id once the first
   * attempt (its site and idempotency key) is stored, so a restart finds it.
   * `placement.excludeSites` keeps it off those sites, also when it is
   * submitted again after a restart.
   */
  async submit(spec: JobSpec, owner: string, placement: { excludeSites?: Record<string, string> } = {}): Promise<string> {
    // The network makes the id (its attempts' keys are then known to be new: no look-up before each create);
    // the task is stored before the job's first event, which comes on a later microtask.
    const job = this.network.submit(spec, placement);
    const id = job.id;
    try {
      const task: Omit<GatewayTask, 'seq'> = { id, owner, spec, state: 'QUEUED', creationTime: new Date().toISOString() };
      if (placement.excludeSites) task.excludeSites = placement.excludeSites;
      this.store.insert(task);
    } catch (error) {
      void job.cancel(); // not stored: it must not run (nothing has been sent yet)
      throw error;
    }
    this.#follow(id, job);
    // The first attempt is stored by the `trying` listener of #follow, which runs first.
    await new Promise<void>((resolve) => {
      const settle = (): void => {
        job.off('site', onSite);
        job.off('done', settle);
        resolve();
      };
      const onSite = (event: JobSiteEvent): void => {
        if (event.action === 'trying') settle();
      };
      job.on('site', onSite);
      job.on('done', settle);
    });
    return id;
  }

  /**
   * Follows again a stored task that is not finished: re-attached on its
   * site (found by remote id, or by its idempotency key when the site had
   * not answered yet), or submitted when no site had been tried.
   */
  attach(task: GatewayTask): Job {
    const known = this.#jobs.get(task.id);
    if (known) return known.job;
    let job: Job;
    if (task.site !== undefined && (task.remoteId !== undefined || task.idempotencyKey !== undefined)) {
      const options: { id: string; idempotencyKey?: string } = { id: task.id };
      if (task.idempotencyKey !== undefined) options.idempotencyKey = task.idempotencyKey;
      job = this.network.attach(task.site, task.remoteId, task.spec, options);
    } else {
      job = this.network.submit(task.spec, { id: task.id, ...(task.excludeSites && { excludeSites: task.excludeSites }) });
    }
    this.#follow(task.id, job);
    return job;
  }

  /** Re-attaches every unfinished task of the store; returns their ids. */
  resume(): string[] {
    return this.store.unfinished().map((task) => (this.attach(task), task.id));
  }

  /** Cancels a task (re-attaching it first when this tracker does not follow it). No-op once it has ended. */
  async cancel(id: string): Promise<void> {
    const task = this.store.get(id);
    if (!task || FINAL_TES_STATES.has(task.state)) return;
    this.attach(task);
    const entry = this.#jobs.get(id);
    if (!entry) return;
    this.#write(id, { state: 'CANCELING' });
    await entry.job.cancel();
  }

  /** Resolves when every followed task has ended and been stored. */
  async idle(): Promise<void> {
    while (this.#jobs.size > 0) {
      await Promise.all([...this.#jobs.values()].map(({ job }) => job.wait().then(() => new Promise((r) => setImmediate(r)))));
    }
  }

  /** Stops writing (the store may then be closed); the tasks go on on their sites. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Writes a task's change. Called from job listeners, so it never throws: a
   * write the store refuses (another process holding the database past its
   * busy timeout) is kept, later changes of the task merged after it in
   * order, and tried again a few times, then reported.
   */
  #write(id: string, patch: GatewayTaskPatch): void {
    if (this.#closed) return;
    const pending = this.#unwritten.get(id);
    if (pending) {
      Object.assign(pending.patch, patch);
      return;
    }
    try {
      this.store.update(id, patch);
    } catch (error) {
      this.#unwritten.set(id, { patch: { ...patch }, tries: 1 });
      this.#retryWrite(id, error);
    }
  }

  #retryWrite(id: string, error: unknown): void {
    const pending = this.#unwritten.get(id);
    if (!pending) return;
    if (pending.tries >= STORE_WRITE_ATTEMPTS) {
      this.#unwritten.delete(id);
      this.#onStoreError(error instanceof Error ? error : new Error(String(error)), id);
      return;
    }
    setTimeout(() => {
      if (this.#closed) return;
      try {
        this.store.update(id, pending.patch);
        this.#unwritten.delete(id);
      } catch (again) {
        pending.tries++;
        this.#retryWrite(id, again);
      }
    }, STORE_RETRY_MS * pending.tries).unref();
  }


  #persistDecision(id: string, job: Job): void {
    const record = this.network.decision(job);
    if (!record) return;
    const attempt = record.attempts.at(-1);
    const patch: GatewayTaskPatch = { decision: publicDecision(record) };
    if (attempt) {
      patch.site = attempt.site;
      patch.idempotencyKey = attempt.idempotencyKey;
    }
    this.#write(id, patch);
  }

  #follow(id: string, job: Job): void {
    const entry = { job };
    this.#jobs.set(id, entry);
    job.on('site', (event) => {
      if (event.action === 'trying') {
        // A new attempt (the first, or after a failover): its site and key are stored before its submit is
        // sent, and the old remote id forgotten, so a restart finds this attempt by its key, not the old one.
        const attempt = this.network.decision(job)?.attempts.at(-1);
        if (attempt?.site === event.siteId) {
          this.#persistDecision(id, job);
          this.#write(id, { site: event.siteId, idempotencyKey: attempt.idempotencyKey, remoteId: undefined });
        }
        return;
      }
      if (event.remoteId === undefined || (event.action !== 'submitted' && event.action !== 'attached')) return;
      this.#persistDecision(id, job);
      this.#write(id, { site: event.siteId, remoteId: event.remoteId, log: startedLog(event.siteId, event.remoteId, new Date(event.time).toISOString()) });
    });
    job.on('state', (event) => {
      // the first event is the job's initial state, not news from its site
      if (event.previous === undefined) return;
      const state = toTesState(event.state);
      if (!FINAL_TES_STATES.has(state)) this.#write(id, { state });
    });
    void job.wait().then((result) => {
      if (!this.#closed) {
        this.#persistDecision(id, job);
        const stored = this.store.get(id);
        const state = toTesState(result.state);
        this.#write(id, { state, log: finishedLog(result, stored?.log, stored?.spec ?? job.spec ?? { executors: [] }) });
      }
      this.#jobs.delete(id);
    });
  }
}
