/**
 * `transfer()`: moves the bytes of one file from a source to a sink, with
 * retries, resume, sha256 verification, progress, a per-host cap and abort.
 * The work is done by a {@link TransferRun} (run.ts).
 * @module
 */
import type { AbortError, TransferError } from '../errors.js';
import { resolveRetryPolicy, type RetryOptions } from '../http/retry.js';
import { defaultHostLimiter, type HostLimiter } from './host-limit.js';
import type { TransferProgress } from './progress.js';
import { TransferRun } from './run.js';
import type { TransferSink, TransferSource } from './types.js';

/** What the bytes must be, when known (e.g. from a Pulsar output manifest). */
export interface ExpectedContent {
  /** Lowercase or uppercase hex sha256. */
  sha256?: string;
  /** Size in bytes. */
  size?: number;
}

/** Options of {@link transfer}. */
export interface TransferOptions {
  /** Where the bytes come from. */
  from: TransferSource;
  /** Where they go. */
  to: TransferSink;
  /** Direction reported in progress events. @default 'up' when the sink is remote, else 'down' */
  direction?: TransferProgress['direction'];
  /** Verified after the last byte; a mismatch starts the transfer over (it counts as a failed attempt). */
  expected?: ExpectedContent;
  /**
   * Retry policy of the whole transfer (merged over the default, `TRANSFER_RETRY`).
   * An attempt that moved the transfer further than any before it does not use up a retry.
   */
  retry?: RetryOptions | number | false;
  /** An attempt that moves no byte for this long is abandoned and retried, in milliseconds. @default 60000 */
  idleTimeout?: number;
  /** Stops the transfer and removes partial data; it then rejects with {@link AbortError}. */
  signal?: AbortSignal;
  /** Receives throttled progress and always one final report with `done: true`. */
  onProgress?: (progress: TransferProgress) => void;
  /** Least time between two progress reports, in milliseconds. @default 250 */
  progressInterval?: number;
  /** The per-host cap to respect; `false` for none. @default defaultHostLimiter (3 per host) */
  limiter?: HostLimiter | false;
  /**
   * Most ranges a download is split into, fetched at once over their own
   * connections (for long links, where one TCP stream is window-bound). Used
   * when the server honours `Range` (`Accept-Ranges: bytes` and a validator),
   * the size is known and the sink writes at any position (a file sink); each
   * range resumes on its own and the whole file is verified at the end. `1`
   * never splits. By default a file of 64 MiB or more is split when its first
   * answer took 25 ms or more (a long link: on loopback and LAN one stream is
   * faster and costs less CPU).
   * @default 1 under 64 MiB or on a fast link, else one range per 32 MiB up to 4
   */
  ranges?: number;
}

/** What a finished transfer delivered. */
export interface TransferResult {
  /** The file as progress named it: the source's name going up, the sink's name coming down. */
  file: string;
  /** Bytes delivered. */
  size: number;
  /** Lowercase hex sha256 of the delivered bytes. */
  sha256: string;
  /** Attempts made, the successful one included. */
  attempts: number;
  /** Bytes read from the source over all attempts: `size` when nothing had to be sent again. */
  bytesMoved: number;
}

/**
 * Retry defaults of a transfer: 8 retries, 200 ms – 10 s backoff with jitter, 30 min in all.
 *
 * @example
 * ```ts
 * await transfer({ from, to, retry: { ...TRANSFER_RETRY, maxRetryTime: 2 * 60 * 60_000 } });
 * ```
 */
export const TRANSFER_RETRY: Readonly<RetryOptions> = {
  retries: 8,
  minDelay: 200,
  maxDelay: 10_000,
  jitter: 0.5,
  maxRetryTime: 30 * 60_000,
};

/**
 * Moves one file from `from` to `to` and returns its size and sha256.
 *
 * - Retries through the library's `retry()`: connection failures, stalls
 *   (`idleTimeout`), retryable HTTP statuses and integrity mismatches.
 * - Resumes where both ends allow it (a URL source with a validator, a file
 *   or stream sink); otherwise starts the file over.
 * - Splits a large download into parallel ranges where both ends allow it
 *   (see `ranges`), each resuming on its own; one stream otherwise.
 * - Never publishes unverified bytes: a file sink renames its temporary file
 *   into place only after the size and sha256 checks passed.
 * - Aborting the signal stops it at once and removes partial data; it then
 *   rejects with {@link AbortError}. Other failures reject with
 *   {@link TransferError} whose `cause` is the last error.
 *
 * @example
 * ```ts
 * import { HttpClient } from 'pulsar-network';
 * import { transfer, urlSource } from 'pulsar-network/transfer';
 * import { fileSink } from 'pulsar-network/node';
 *
 * const http = new HttpClient({ baseUrl: 'https://data.example.org/' });
 * const result = await transfer({
 *   from: urlSource(http, { path: 'genomes/hg38.fa.gz' }),
 *   to: fileSink('./hg38.fa.gz'),
 *   expected: { sha256: 'c1f1…' },
 *   onProgress: (p) => console.log(p.bytesDone, p.bytesTotal),
 * });
 * console.log(result.sha256, result.attempts);
 * ```
 */
export async function transfer(options: TransferOptions): Promise<TransferResult> {
  const limiter = options.limiter === false ? undefined : (options.limiter ?? defaultHostLimiter);
  return new TransferRun(options, resolveRetryPolicy(mergeRetry(options.retry)), limiter).run();
}

function mergeRetry(given: TransferOptions['retry']): RetryOptions {
  if (given === false) return { ...TRANSFER_RETRY, retries: 0 };
  if (typeof given === 'number') return { ...TRANSFER_RETRY, retries: given };
  return { ...TRANSFER_RETRY, ...given };
}
