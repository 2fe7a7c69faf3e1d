/**
 * `transfer()`: moves the bytes of one file from a source to a sink, with
 * retries, resume, sha256 verification, progress, a per-host cap and abort.
 * @module
 */
import {
  AbortError,
  ConnectionError,
  HttpError,
  IntegrityError,
  PulsarNetworkError,
  TimeoutError,
  TransferError,
} from '../errors.js';
import { resolveRetryPolicy, retry, type RetryOptions } from '../http/retry.js';
import type { TransferProgress } from './progress.js';
import { anySignal } from '../util/abort.js';
import { defaultHostLimiter, type HostLimiter } from './host-limit.js';
import { ProgressReporter } from './progress.js';
import { createStreamHash, type StreamHash } from './stream-hash.js';
import type { OpenedSource, SinkWriter, TransferSink, TransferSource } from './types.js';

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

const IDLE = Symbol('idle');

/** A writer that keeps nothing: the bytes are only hashed (the Blob is sent whole afterwards). */
const HASH_ONLY: SinkWriter = { write: async () => undefined, close: async () => undefined, abort: async () => undefined };

/**
 * Moves one file from `from` to `to` and returns its size and sha256.
 *
 * - Retries through the library's `retry()`: connection failures, stalls
 *   (`idleTimeout`), retryable HTTP statuses and integrity mismatches.
 * - Resumes where both ends allow it (a URL source with a validator, a file
 *   or stream sink); otherwise starts the file over.
 * - Never publishes unverified bytes: a file sink renames its temporary file
 *   into place only after the size and sha256 checks passed.
 * - Aborting the signal stops it at once and removes partial data; it then
 *   rejects with {@link AbortError}. Other failures reject with
 *   {@link TransferError} whose `cause` is the last error.
 *
 * @example
 * ```ts
 * import { HttpClient, transfer, urlSource } from 'pulsar-network';
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
  const { from, to } = options;
  const direction = options.direction ?? (to.host !== undefined ? 'up' : 'down');
  // Progress and errors name what the user knows: the local file going up, the destination coming down.
  const file = direction === 'up' ? from.name : to.name;
  const expected = options.expected ?? {};
  const wantSha = expected.sha256?.toLowerCase();
  const policy = resolveRetryPolicy(mergeRetry(options.retry));
  const idleMs = options.idleTimeout ?? 60_000;
  const limiter = options.limiter === false ? undefined : (options.limiter ?? defaultHostLimiter);
  const progress = new ProgressReporter(options.onProgress, {
    file,
    direction,
    intervalMs: options.progressInterval ?? 250,
  });

  let committed = 0;
  let validator: string | undefined;
  let total: number | undefined = expected.size ?? from.size;
  let highWater = 0;
  let progressed = false;
  let sourceRead = false;
  let attempts = 0;
  let bytesMoved = 0;
  let hashAhead = false;
  // Downloads hash in a worker thread where there is one (see stream-hash.ts).
  const offload = direction === 'down';
  let hash: StreamHash = await createStreamHash(total, offload);

  const startOver = async (): Promise<void> => {
    if (committed > 0 && to.partial === 'append-only') {
      throw new TransferError({ file, bytesDone: committed, attempts, reason: 'cannot start over: bytes were already delivered to the stream' });
    }
    committed = 0;
    hashAhead = false;
    hash.drop();
    hash = await createStreamHash(total, offload);
  };

  const pump = async (opened: OpenedSource, writer: SinkWriter, signal: AbortSignal, touch: () => void): Promise<void> => {
    const reader = opened.stream.getReader();
    const stop = (): void => void reader.cancel(signal.reason).catch(() => undefined);
    signal.addEventListener('abort', stop, { once: true });
    let next = reader.read();
    try {
      for (;;) {
        const { done, value } = await next;
        if (signal.aborted) throw signal.reason;
        if (done) break;
        // Ask for the next chunk now, so the network keeps flowing while this one is written and hashed.
        next = reader.read();
        if (total !== undefined && committed + value.byteLength > total) {
          throw new IntegrityError({ file, check: 'size', expected: total, actual: `more than ${total}` });
        }
        // Hash while the sink writes (in a worker thread for large files); if the write fails, the digest is ahead of the sink.
        const written = writer.write(value);
        const hashed = hash.update(value);
        try {
          if (hashed) {
            // The write may fail while the hash makes room: that failure is handled below.
            written.catch(() => undefined);
            await hashed;
          }
          await written;
        } catch (error) {
          hashAhead = true;
          throw error instanceof PulsarNetworkError
            ? error
            : new TransferError({ file, bytesDone: committed, attempts, reason: `writing failed: ${describe(error)}` }, { cause: error });
        }
        committed += value.byteLength;
        bytesMoved += value.byteLength;
        touch();
        if (committed > highWater) {
          highWater = committed;
          progressed = true;
        }
        progress.update(committed, total);
      }
    } catch (error) {
      next.catch(() => undefined);
      await reader.cancel(error).catch(() => undefined);
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
    }
    if (total !== undefined && committed < total) {
      throw new ConnectionError({ method: 'READ', url: from.name, mayHaveBeenSent: true, reason: `the body ended after ${committed} of ${total} bytes` });
    }
  };

  /** Reads the digest of the attempt's bytes and checks them against `expected`. */
  const verify = async (): Promise<{ size: number; sha256: string }> => {
    const size = committed;
    // Whatever happens next, these bytes are hashed: a later attempt starts over.
    committed = 0;
    const finished = hash;
    hash = await createStreamHash(total, offload);
    const sha256 = await finished.digestHex();
    if (expected.size !== undefined && size !== expected.size) {
      throw new IntegrityError({ file, check: 'size', expected: expected.size, actual: size });
    }
    if (wantSha !== undefined && sha256 !== wantSha) {
      throw new IntegrityError({ file, check: 'sha256', expected: wantSha, actual: sha256 });
    }
    return { size, sha256 };
  };

  const attempt = async (): Promise<{ size: number; sha256: string }> => {
    attempts++;
    progressed = false;
    const attemptControl = new AbortController();
    const signal = anySignal([options.signal, attemptControl.signal]) as AbortSignal;
    const release = await limiter?.acquire([from.host, to.host], signal);
    const watchdog = idleWatchdog(idleMs, () => attemptControl.abort(IDLE));
    try {
      if (to.sendWhole && from.blob) {
        // A runtime that cannot stream a request body: hash the Blob, then send it whole.
        const blob = from.blob;
        await startOver();
        const open = { offset: 0, size: blob.size, signal };
        await pump({ stream: blob.stream(), offset: 0, size: blob.size }, HASH_ONLY, signal, watchdog.touch);
        watchdog.stop();
        await to.sendWhole(blob, open);
        return verify();
      }
      const offset = to.partial === 'restart' || hashAhead ? 0 : committed;
      if (offset === 0 && (committed > 0 || hashAhead)) await startOver();
      await from.read({ offset, ...(validator !== undefined ? { validator } : {}), signal }, async (opened) => {
        sourceRead = true;
        if (opened.offset !== offset) await startOver();
        validator = opened.validator;
        if (opened.size !== undefined) {
          if (expected.size !== undefined && opened.size !== expected.size) {
            throw new IntegrityError({ file, check: 'size', expected: expected.size, actual: opened.size });
          }
          total = opened.size;
        }
        const open = { offset: opened.offset, signal, ...(total !== undefined ? { size: total } : {}) };
        const writer = await to.open(open);
        try {
          await pump(opened, writer, signal, watchdog.touch);
          await writer.close();
        } catch (error) {
          await writer.abort(error);
          throw error;
        }
      });
      return verify();
    } catch (error) {
      if (options.signal?.aborted) throw new AbortError(`transfer of ${file}`, { cause: options.signal.reason });
      if (attemptControl.signal.aborted) {
        throw new TimeoutError({ scope: 'transfer', timeoutMs: idleMs, what: `transfer of ${file} (no byte moved)` }, { cause: error });
      }
      throw error;
    } finally {
      watchdog.stop();
      release?.();
    }
  };

  try {
    const result = await retry(attempt, policy, {
      ...(options.signal ? { signal: options.signal } : {}),
      shouldRetry: (error) =>
        !options.signal?.aborted && (from.replayable || !sourceRead) && isRetryable(error, policy.statusCodes),
      consumesRetry: () => !progressed,
      retryAfterMs: (error) => (error instanceof HttpError ? error.retryAfterMs : undefined),
    });
    try {
      await to.commit(result);
    } catch (error) {
      throw new TransferError({ file, bytesDone: result.size, attempts, reason: `publishing failed: ${describe(error)}` }, { cause: error });
    }
    progress.finish(result.size, result.size);
    return { file, size: result.size, sha256: result.sha256, attempts, bytesMoved };
  } catch (error) {
    await to.discard();
    progress.finish(committed, total);
    if (error instanceof AbortError || error instanceof TransferError) throw error;
    if (options.signal?.aborted) throw new AbortError(`transfer of ${file}`, { cause: options.signal.reason });
    throw new TransferError({ file, bytesDone: highWater, attempts, reason: describe(error) }, { cause: error });
  } finally {
    hash.drop();
  }
}

function mergeRetry(given: TransferOptions['retry']): RetryOptions {
  if (given === false) return { ...TRANSFER_RETRY, retries: 0 };
  if (typeof given === 'number') return { ...TRANSFER_RETRY, retries: given };
  return { ...TRANSFER_RETRY, ...given };
}

function isRetryable(error: unknown, statuses: readonly number[]): boolean {
  if (error instanceof AbortError || error instanceof TransferError) return false;
  if (error instanceof HttpError) return statuses.includes(error.status);
  return error instanceof ConnectionError || error instanceof TimeoutError || error instanceof IntegrityError;
}

function describe(error: unknown): string {
  if (error instanceof PulsarNetworkError) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Calls `onIdle` when `touch()` was not called for `ms`. One timer, re-armed lazily. */
function idleWatchdog(ms: number, onIdle: () => void): { touch: () => void; stop: () => void } {
  let last = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = (): void => {
    const quiet = Date.now() - last;
    if (quiet >= ms) {
      timer = undefined;
      onIdle();
      return;
    }
    timer = setTimeout(check, ms - quiet);
  };
  if (Number.isFinite(ms)) timer = setTimeout(check, ms);
  return {
    touch: () => {
      last = Date.now();
    },
    stop: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
