/**
 * Reading a small file a job wrote, such as a completion marker, while its
 * status may not list it yet (Pulsar lists files only in the final status):
 * one attempt, a size cap, and `undefined` when the server has no such file.
 * Portable.
 * @module
 */
import { HttpError, TransferError } from '../errors.js';
import { readCapped } from '../http/bounded-body.js';
import type { PulsarClient } from './client.js';
import type { PulsarDownloadType } from './wire.js';

/** Options of {@link readJobText}. */
export interface ReadJobTextOptions {
  /** Aborts the read (rejects with AbortError). */
  signal?: AbortSignal;
  /** The server directory to read from. @default 'output_workdir' */
  type?: PulsarDownloadType;
  /** A longer file is refused with a ProtocolError, in bytes. @default 1048576 */
  maxBytes?: number;
}

/**
 * The text of one job file, read in one attempt whether or not the job's
 * status lists it; `undefined` when the server answers that it has no such
 * file (Pulsar answers 500 for a missing file, 404 on some proxies). Any other
 * failure is thrown, as is a file longer than `maxBytes` (a
 * ResponseTooLargeError, which is a ProtocolError).
 *
 * @example
 * ```ts
 * const marker = await readJobText(pulsar, jobId, 'finished');
 * if (marker !== undefined) console.log('the job script ended');
 * ```
 */
export async function readJobText(client: PulsarClient, jobId: string, name: string, options: ReadJobTextOptions = {}): Promise<string | undefined> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  try {
    return await client.downloadWith(jobId, name, options.type ?? 'output_workdir', async (body) => new TextDecoder().decode(await readCapped(body, maxBytes, `GET /jobs/{job_id}/files?name=${name}`)), {
      unlisted: true,
      retry: false,
      ...(options.signal && { signal: options.signal }),
    });
  } catch (error) {
    const cause = error instanceof TransferError ? error.cause : error;
    if (cause instanceof HttpError && (cause.status === 500 || cause.status === 404)) return undefined;
    throw error;
  }
}
