/**
 * The state of one {@link transfer} call, kept in named fields of one object
 * (as tus-js-client's `Upload` keeps its resume state), and the steps of an
 * attempt as its methods.
 * @module
 */
import { AbortError, ConnectionError, IntegrityError, PulsarNetworkError, TimeoutError, TransferError } from '../errors.js';
import { retry, type RetryPolicy } from '../http/retry.js';
import { HttpError } from '../errors.js';
import { anySignal } from '../util/abort.js';
import type { HostLimiter } from './host-limit.js';
import { ProgressReporter } from './progress.js';
import { createSha256, type Sha256 } from './sha256.js';
import { RangedDownload, RangeRefused, rangeCount } from './ranged.js';
import { describe, idleWatchdog, isRetryable } from './rules.js';
import type { ExpectedContent, TransferOptions, TransferResult } from './transfer.js';
import type { OpenedSource, SinkWriter, TransferSink, TransferSource } from './types.js';

const IDLE = Symbol('idle');

/** A writer that keeps nothing: the bytes are only hashed (the Blob is sent whole afterwards). */
const HASH_ONLY: SinkWriter = { write: async () => undefined, close: async () => undefined, abort: async () => undefined };

/** What one attempt delivered. */
interface Delivered {
  size: number;
  sha256: string;
}

/** One attempt's signal and its idle watchdog's `touch`. */
interface AttemptContext {
  signal: AbortSignal;
  touch: () => void;
}

/** One transfer: created by {@link transfer}, used once through {@link TransferRun.run}. */
export class TransferRun {
  readonly #from: TransferSource;
  readonly #to: TransferSink;
  readonly #options: TransferOptions;
  readonly #policy: RetryPolicy;
  readonly #file: string;
  readonly #expected: ExpectedContent;
  readonly #idleMs: number;
  readonly #limiter: HostLimiter | undefined;
  readonly #progress: ProgressReporter;

  /** Bytes of the content the sink holds and the hash has seen, from byte 0. */
  #committed = 0;
  /** The source's validator of the bytes held, for `If-Range`. */
  #validator: string | undefined;
  /** Size of the whole content, once known. */
  #total: number | undefined;
  /** The furthest any attempt got. */
  #highWater = 0;
  /** Whether the current attempt moved further than any before it (it then uses up no retry). */
  #progressed = false;
  /** Whether the source was read at least once (a one-shot source cannot be retried after). */
  #sourceRead = false;
  #attempts = 0;
  #bytesMoved = 0;
  /** The hash saw bytes the sink lost (a failed write): the next attempt starts over. */
  #hashAhead = false;
  /**
   * The sha256 of the attempt's bytes, hashed inline on the thread that moves them. A worker
   * thread cost more CPU than it saved (a copy and a postMessage per MiB, ~0.5 s/GiB) and kept
   * 1 MiB batches alive into the old space: up to 37 full GCs per 512 MiB in bench/transfer.
   */
  #hash: Sha256 | undefined;
  /** The split download under way, when the content came in ranges. */
  #ranged: RangedDownload | undefined;
  /** The server answered a range with the whole content: no more splitting. */
  #rangesRefused = false;

  constructor(options: TransferOptions, policy: RetryPolicy, limiter: HostLimiter | undefined) {
    this.#from = options.from;
    this.#to = options.to;
    this.#options = options;
    this.#policy = policy;
    const direction = options.direction ?? (options.to.host !== undefined ? 'up' : 'down');
    // Progress and errors name what the user knows: the local file going up, the destination coming down.
    this.#file = direction === 'up' ? options.from.name : options.to.name;
    this.#expected = options.expected ?? {};
    this.#total = this.#expected.size ?? options.from.size;
    this.#idleMs = options.idleTimeout ?? 60_000;
    this.#limiter = limiter;
    this.#progress = new ProgressReporter(options.onProgress, { file: this.#file, direction, intervalMs: options.progressInterval ?? 250 });
  }

  /** Runs attempts until one delivers verified bytes, then has the sink publish them. */
  async run(): Promise<TransferResult> {
    const signal = this.#options.signal;
    try {
      this.#hash = await createSha256();
      // A split download a dead process left behind (a resumable file sink) continues where its ranges stand.
      const restored = await RangedDownload.restore(this.#from, this.#to);
      if (restored && (this.#expected.size === undefined || restored.size === this.#expected.size)) {
        this.#ranged = restored;
        this.#total = restored.size;
      } else await restored?.drop();
      const result = await retry(() => this.#attempt(), this.#policy, {
        ...(signal ? { signal } : {}),
        shouldRetry: (error) => !signal?.aborted && (this.#from.replayable || !this.#sourceRead) && isRetryable(error, this.#policy.statusCodes),
        consumesRetry: () => !this.#progressed,
        retryAfterMs: (error) => (error instanceof HttpError ? error.retryAfterMs : undefined),
      });
      await this.#publish(result);
      this.#progress.finish(result.size, result.size);
      return { file: this.#file, size: result.size, sha256: result.sha256, attempts: this.#attempts, bytesMoved: this.#bytesMoved };
    } catch (error) {
      await this.#ranged?.drop();
      await this.#to.discard();
      this.#progress.finish(this.#committed, this.#total);
      if (error instanceof AbortError || error instanceof TransferError) throw error;
      if (signal?.aborted) throw new AbortError(`transfer of ${this.#file}`, { cause: signal.reason });
      throw new TransferError({ file: this.#file, bytesDone: this.#highWater, attempts: this.#attempts, reason: describe(error) }, { cause: error });
    } finally {
      await this.#ranged?.drop();
    }
  }

  async #publish(result: Delivered): Promise<void> {
    try {
      await this.#to.commit(result);
    } catch (error) {
      const reason = `publishing failed: ${describe(error)}`;
      throw new TransferError({ file: this.#file, bytesDone: result.size, attempts: this.#attempts, reason }, { cause: error });
    }
  }

  /** One attempt under the host cap and the idle watchdog; failures come out as the library's errors. */
  async #attempt(): Promise<Delivered> {
    this.#attempts++;
    this.#progressed = false;
    const control = new AbortController();
    const signal = anySignal([this.#options.signal, control.signal]) as AbortSignal;
    const release = await this.#limiter?.acquire([this.#from.host, this.#to.host], signal);
    const watchdog = idleWatchdog(this.#idleMs, () => control.abort(IDLE));
    const context: AttemptContext = { signal, touch: watchdog.touch };
    try {
      if (this.#to.sendWhole && this.#from.blob) return await this.#sendWhole(this.#from.blob, context, watchdog.stop);
      if (this.#ranged) return await this.#resumeRanges(this.#ranged, context);
      return await this.#readStream(context);
    } catch (error) {
      if (this.#options.signal?.aborted) throw new AbortError(`transfer of ${this.#file}`, { cause: this.#options.signal.reason });
      if (control.signal.aborted) {
        throw new TimeoutError({ scope: 'transfer', timeoutMs: this.#idleMs, what: `transfer of ${this.#file} (no byte moved)` }, { cause: error });
      }
      throw error;
    } finally {
      watchdog.stop();
      release?.();
    }
  }

  /** A runtime that cannot stream a request body: hash the Blob, then send it whole. */
  async #sendWhole(blob: Blob, context: AttemptContext, stopWatchdog: () => void): Promise<Delivered> {
    await this.#startOver();
    await this.#pump({ stream: blob.stream(), offset: 0, size: blob.size }, HASH_ONLY, context);
    stopWatchdog();
    await this.#to.sendWhole?.(blob, { offset: 0, size: blob.size, signal: context.signal });
    return this.#verify();
  }

  /** Reads the source from where the sink's bytes end (or from 0), as one stream or split into ranges. */
  async #readStream(context: AttemptContext): Promise<Delivered> {
    const offset = this.#offset();
    if (offset === 0 && (this.#committed > 0 || this.#hashAhead)) await this.#startOver();
    const validator = this.#validator;
    const asked = Date.now();
    const split = await this.#from.read({ offset, ...(validator !== undefined ? { validator } : {}), signal: context.signal }, (opened) =>
      this.#consume(opened, context, Date.now() - asked),
    );
    if (split instanceof RangeRefused) return this.#dropRanges(split, context);
    return split ? this.#verifyRanges(split) : this.#verify();
  }

  /** Takes the opened bytes: into ranges when they are worth splitting, else through the sink's writer. */
  /** `answerMs`: how long the source took to answer, a hint of the link's round trip. */
  async #consume(opened: OpenedSource, context: AttemptContext, answerMs: number): Promise<RangedDownload | RangeRefused | undefined> {
    this.#sourceRead = true;
    if (opened.offset !== this.#offset()) await this.#startOver();
    this.#validator = opened.validator;
    if (opened.size !== undefined) {
      if (this.#expected.size !== undefined && opened.size !== this.#expected.size) {
        throw new IntegrityError({ file: this.#file, check: 'size', expected: this.#expected.size, actual: opened.size });
      }
      this.#total = opened.size;
    }
    const count = this.#rangesRefused ? 1 : rangeCount(opened, this.#from, this.#to, this.#options.ranges, answerMs);
    if (count > 1) {
      const ranged = await RangedDownload.start(opened, count, this.#from, this.#to);
      this.#ranged = ranged;
      return (await this.#runRanges(ranged, opened, context)) ?? ranged;
    }
    const open = { offset: opened.offset, signal: context.signal, ...(this.#total !== undefined ? { size: this.#total } : {}) };
    const writer = await this.#to.open(open);
    try {
      await this.#pump(opened, writer, context);
      await writer.close();
    } catch (error) {
      await writer.abort(error);
      throw error;
    }
    return undefined;
  }

  #offset(): number {
    return this.#to.partial === 'restart' || this.#hashAhead ? 0 : this.#committed;
  }

  /** A later attempt of a split download: each range continues where its bytes end. */
  async #resumeRanges(ranged: RangedDownload, context: AttemptContext): Promise<Delivered> {
    this.#sourceRead = true;
    const refused = await this.#runRanges(ranged, undefined, context);
    return refused ? this.#dropRanges(refused, context) : this.#verifyRanges(ranged);
  }

  /** The content changed (restart it all) or the server ignores ranges (one stream from now on). */
  async #dropRanges(refused: RangeRefused, context: AttemptContext): Promise<Delivered> {
    // Waited for: a save of the range state still under way must not land after the stream's start.
    await this.#ranged?.abandon();
    this.#ranged = undefined;
    this.#validator = undefined;
    if (!refused.changed) this.#rangesRefused = true;
    return this.#readStream(context);
  }

  /** Runs the ranges still missing; resolves with the refusal when the server would not serve one. */
  #runRanges(ranged: RangedDownload, first: OpenedSource | undefined, context: AttemptContext): Promise<RangeRefused | undefined> {
    return ranged.run(first, context.signal, (bytes) => {
      this.#bytesMoved += bytes;
      context.touch();
      this.#advance(ranged.done);
    });
  }

  /** Records that the content's first `done` bytes (or, split, `done` bytes in all) are held. */
  #advance(done: number): void {
    if (done > this.#highWater) {
      this.#highWater = done;
      this.#progressed = true;
    }
    this.#progress.update(done, this.#total);
  }

  async #startOver(): Promise<void> {
    if (this.#committed > 0 && this.#to.partial === 'append-only') {
      const reason = 'cannot start over: bytes were already delivered to the stream';
      throw new TransferError({ file: this.#file, bytesDone: this.#committed, attempts: this.#attempts, reason });
    }
    this.#committed = 0;
    this.#hashAhead = false;
    this.#hash = await createSha256();
  }

  /** Moves the opened bytes into the writer while hashing them; the hot path of a single-stream transfer. */
  async #pump(opened: OpenedSource, writer: SinkWriter, context: AttemptContext): Promise<void> {
    const { signal } = context;
    const reader = opened.stream.getReader();
    const stop = (): void => void reader.cancel(signal.reason).catch(() => undefined);
    signal.addEventListener('abort', stop, { once: true });
    // The chunk read ahead may fail while the previous one is still being written: it is
    // marked handled at once (the loop still sees its failure), or Node would report it unhandled.
    const readAhead = (): Promise<ReadableStreamReadResult<Uint8Array>> => {
      const read = reader.read();
      read.catch(() => undefined);
      return read;
    };
    let next = readAhead();
    try {
      for (;;) {
        const { done, value } = await next;
        if (signal.aborted) throw signal.reason;
        if (done) break;
        // Ask for the next chunk now, so the network keeps flowing while this one is written and hashed.
        next = readAhead();
        await this.#take(value, writer);
        this.#bytesMoved += value.byteLength;
        context.touch();
        this.#advance(this.#committed);
      }
    } catch (error) {
      await reader.cancel(error).catch(() => undefined);
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
    }
    if (this.#total !== undefined && this.#committed < this.#total) {
      const reason = `the body ended after ${this.#committed} of ${this.#total} bytes`;
      throw new ConnectionError({ method: 'READ', url: this.#from.name, mayHaveBeenSent: true, reason });
    }
  }

  /** Writes and hashes one chunk; if the write fails, the digest is ahead of the sink. */
  async #take(value: Uint8Array, writer: SinkWriter): Promise<void> {
    const total = this.#total;
    if (total !== undefined && this.#committed + value.byteLength > total) {
      throw new IntegrityError({ file: this.#file, check: 'size', expected: total, actual: `more than ${total}` });
    }
    const written = writer.write(value);
    try {
      // Hashed while the write is under way.
      this.#hash?.update(value);
      await written;
    } catch (error) {
      this.#hashAhead = true;
      if (error instanceof PulsarNetworkError) throw error;
      const reason = `writing failed: ${describe(error)}`;
      throw new TransferError({ file: this.#file, bytesDone: this.#committed, attempts: this.#attempts, reason }, { cause: error });
    }
    this.#committed += value.byteLength;
  }

  /** Reads the digest of the attempt's bytes and checks them against `expected`. */
  async #verify(): Promise<Delivered> {
    const size = this.#committed;
    // Whatever happens next, these bytes are hashed: a later attempt starts over.
    this.#committed = 0;
    const finished = this.#hash;
    this.#hash = await createSha256();
    return this.#check(size, finished?.digestHex() ?? '');
  }

  /** The digest of a split download, read back from the sink; a mismatch starts it all over. */
  async #verifyRanges(ranged: RangedDownload): Promise<Delivered> {
    this.#ranged = undefined;
    try {
      return this.#check(ranged.size, await ranged.digest());
    } finally {
      await ranged.drop();
    }
  }

  #check(size: number, sha256: string): Delivered {
    const expected = this.#expected;
    if (expected.size !== undefined && size !== expected.size) {
      throw new IntegrityError({ file: this.#file, check: 'size', expected: expected.size, actual: size });
    }
    const want = expected.sha256?.toLowerCase();
    if (want !== undefined && sha256 !== want) throw new IntegrityError({ file: this.#file, check: 'sha256', expected: want, actual: sha256 });
    return { size, sha256 };
  }
}
