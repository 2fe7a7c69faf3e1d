/**
 * The files each job's last full status listed, kept per client so a
 * download of a name Pulsar does not have (it answers 500) is refused
 * before it is sent. Portable.
 * @module
 */
import { ValidationError } from '../errors.js';
import type { PulsarJobStatus, PulsarListings } from './status.js';
import type { PulsarDownloadType } from './wire.js';

const LISTED_BY: Record<PulsarDownloadType, keyof PulsarListings> = {
  output: 'outputs',
  output_workdir: 'working',
  output_metadata: 'metadata',
};
/** Jobs whose listings are kept, the most recent ones. */
const KEEP_LISTINGS = 500;

/** The listings of the most recent jobs a client asked about. */
export class ListingBook {
  readonly #listings = new Map<string, PulsarListings>();

  /** Records a job's listings (the oldest job's are dropped past 500 jobs). */
  remember(jobId: string, listings: PulsarListings): void {
    this.#listings.delete(jobId);
    this.#listings.set(jobId, listings);
    if (this.#listings.size > KEEP_LISTINGS) {
      const oldest = this.#listings.keys().next().value;
      if (oldest !== undefined) this.#listings.delete(oldest);
    }
  }

  /** Forgets a job (it was cleaned). */
  forget(jobId: string): void {
    this.#listings.delete(jobId);
  }

  /** Throws a {@link ValidationError} unless the job's final status lists `name` (asked for with `status` when not known). */
  async check(jobId: string, name: string, type: PulsarDownloadType, status: () => Promise<PulsarJobStatus>): Promise<void> {
    let listings = this.#listings.get(jobId);
    if (!listings?.[LISTED_BY[type]].includes(name)) {
      const answer = await status();
      if (!answer.listings) {
        throw new ValidationError(`download of ${name}`, [
          { path: '$.jobId', message: `job ${jobId} is ${answer.status}: outputs can be downloaded once it is finished` },
        ]);
      }
      listings = answer.listings;
    }
    const listing = LISTED_BY[type];
    if (!listings[listing].includes(name)) {
      throw new ValidationError(`download of ${name}`, [
        { path: '$.name', message: `not among the ${listing} files the final status of job ${jobId} lists (type ${type})` },
      ]);
    }
  }
}
