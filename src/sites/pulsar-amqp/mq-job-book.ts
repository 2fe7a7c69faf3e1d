/**
 * The jobs a {@link PulsarMqSite} knows: by id and by idempotency key, and,
 * with a state directory, their records on disk (written before a setup
 * leaves, updated as the job moves, taken back at start).
 * @module
 */
import { join } from 'node:path';
import { PulsarNetworkError, ValidationError } from '../../errors.js';
import { userCacheDir } from '../../util/user-dirs.js';
import { JobRecordStore, type MqJobRecord } from './job-records.js';
import { recordOf, type MqJob } from './mq-job.js';
import type { JobRecordsReport } from './mq-options.js';

/** The jobs of one AMQP site, and their records when the site keeps them. */
export class MqJobBook {
  readonly #siteId: string;
  readonly #jobs = new Map<string, MqJob>();
  readonly #byKey = new Map<string, string>();
  readonly #store: JobRecordStore | undefined;
  readonly #report: JobRecordsReport = { reloaded: 0, skipped: [], failedWrites: 0 };

  /** `stateDirectory` (absolute) keeps records there; without it the jobs live in memory only. */
  constructor(siteId: string, stateDirectory: string | undefined) {
    this.#siteId = siteId;
    if (stateDirectory !== undefined) this.#store = new JobRecordStore(stateDirectory);
  }

  /** True when jobs are recorded on disk. */
  get persistent(): boolean {
    return this.#store !== undefined;
  }

  /** The records' directory, when there is one. */
  get directory(): string | undefined {
    return this.#store?.directory;
  }

  /** Where a job's manifest waits: beside the records, or in this user's cache directory (not the temp directory every user shares). */
  manifestPath(remoteId: string): string {
    return join(this.directory ?? userCacheDir('amqp'), `${remoteId}.manifest`);
  }

  /** What the book made of its records: reloaded, skipped, failed writes. */
  get report(): JobRecordsReport {
    return { ...this.#report };
  }

  get(remoteId: string): MqJob | undefined {
    return this.#jobs.get(remoteId);
  }

  /** The id of the job submitted with this idempotency key, if any. */
  idOf(idempotencyKey: string): string | undefined {
    return this.#byKey.get(idempotencyKey);
  }

  values(): IterableIterator<MqJob> {
    return this.#jobs.values();
  }

  /**
   * Takes a new job and records it before anything leaves: a restart right
   * after the setup is published still knows the job. Throws (and keeps
   * nothing) when the record cannot be written.
   */
  async add(job: MqJob): Promise<void> {
    this.#jobs.set(job.remoteId, job);
    this.#byKey.set(job.idempotencyKey, job.remoteId);
    await this.#store?.save(job.remoteId, () => recordOf(job, this.#siteId)).catch((error: unknown) => {
      this.#unlist(job.remoteId);
      const why = error instanceof Error ? error.message : String(error);
      throw new PulsarNetworkError(`could not record the job in the state directory ${this.#store?.directory} (${why}); nothing was sent`, { cause: error });
    });
  }

  /** Writes the job's record while the book still keeps the job; never throws (a failed write is counted). */
  async save(job: MqJob): Promise<void> {
    if (!this.#store || this.#jobs.get(job.remoteId) !== job) return;
    await this.#store.save(job.remoteId, () => recordOf(job, this.#siteId)).catch(() => {
      this.#report.failedWrites++;
    });
  }

  /** Forgets a job and removes its record; `quiet` ignores a record that cannot be removed. */
  async remove(remoteId: string, quiet = false): Promise<void> {
    this.#unlist(remoteId);
    const removed = this.#store?.remove(remoteId);
    await (quiet ? removed?.catch(() => undefined) : removed);
  }

  /**
   * Takes the recorded jobs back (once, at start): `revive` makes each job of
   * its record; jobs the book already has are left as they are. Returns the
   * jobs taken back.
   */
  async reload(revive: (record: MqJobRecord) => MqJob): Promise<MqJob[]> {
    if (!this.#store) return [];
    const { records, skipped } = await this.#store.load({ siteId: this.#siteId, manifestPath: (id) => this.manifestPath(id) }).catch((error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      throw new ValidationError('PulsarMqSite options', [{ path: 'stateDirectory', message: `cannot be created or read (${why})` }], { cause: error });
    });
    this.#report.skipped = skipped;
    const revived: MqJob[] = [];
    for (const record of records) {
      if (this.#jobs.has(record.remoteId)) continue;
      const job = revive(record);
      this.#jobs.set(job.remoteId, job);
      this.#byKey.set(job.idempotencyKey, job.remoteId);
      this.#report.reloaded++;
      revived.push(job);
    }
    return revived;
  }

  /** Waits for record writes under way. */
  async flush(): Promise<void> {
    await this.#store?.flush();
  }

  #unlist(remoteId: string): void {
    const job = this.#jobs.get(remoteId);
    this.#jobs.delete(remoteId);
    // The job knows its key: no scan of every key per removal.
    if (job && this.#byKey.get(job.idempotencyKey) === remoteId) this.#byKey.delete(job.idempotencyKey);
  }
}
