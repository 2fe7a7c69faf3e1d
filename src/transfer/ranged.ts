/**
 * A download split into ranges fetched at once over their own connections,
 * as aria2 does: on a long link one TCP stream is bound by its window, N of
 * them are not. Each range is written at its own position in the sink and
 * resumes on its own; the whole content is hashed in order by reading back
 * the prefix that is complete, while the rest still arrives.
 * @module
 */
import { ConnectionError } from '../errors.js';
import { anySignal } from '../util/abort.js';
import { createSha256, type Sha256 } from './sha256.js';
import type { OpenedSource, PositionalWriter, TransferSink, TransferSource } from './types.js';

const MIB = 1024 * 1024;
/** Downloads smaller than this are not split by default. */
const SPLIT_FROM = 64 * MIB;
/** By default one range per this many bytes, up to DEFAULT_MAX ranges. */
const BYTES_PER_RANGE = 32 * MIB;
const DEFAULT_MAX = 4;
/** An answer slower than this (from asking to its headers) suggests a long link, where ranges pay. */
const LONG_LINK_MS = 25;
/** Bytes gathered before a positional write, and read back per hash step. */
const BATCH = MIB;
/** Least time between two saves of the ranges' state, in milliseconds. */
const SAVE_EVERY = 200;

/** The server would not serve a range: the content `changed` (start it all over), or it ignores ranges. */
export class RangeRefused {
  constructor(readonly changed: boolean) {}
}

/**
 * How many ranges to split `opened` into: 1 unless both ends can and it is
 * worth it. By default that is a large file whose answer took LONG_LINK_MS or
 * more to come (at least a round trip): on loopback and LAN one stream is
 * faster and cheaper (bench/transfer: 4 ranges over loopback ran at 0.4–0.9×
 * one stream, with 1–3 s/GiB more CPU).
 */
export function rangeCount(opened: OpenedSource, from: TransferSource, to: TransferSink, asked: number | undefined, answerMs: number): number {
  const size = opened.size;
  if (opened.offset !== 0 || !opened.acceptsRanges || opened.validator === undefined || size === undefined) return 1;
  if (!from.readRange || !to.openPositional) return 1;
  const count = asked ?? (size < SPLIT_FROM || answerMs < LONG_LINK_MS ? 1 : Math.min(DEFAULT_MAX, Math.floor(size / BYTES_PER_RANGE)));
  // Every range gets at least one batch.
  return Math.max(1, Math.min(Math.floor(count), Math.floor(size / BATCH)));
}

interface Range {
  readonly start: number;
  /** The byte after the range's last one. */
  readonly end: number;
  /** Bytes from `start` up to here are written to the sink. */
  written: number;
}

/** The state of a split download across attempts: where each range stands, and how far the hash got. */
export class RangedDownload {
  readonly size: number;
  readonly #from: TransferSource;
  readonly #file: PositionalWriter;
  readonly #validator: string;
  readonly #ranges: Range[];
  readonly #hash: Sha256;
  readonly #buffer = new Uint8Array(BATCH);
  /** The content up to here is hashed. */
  #hashed = 0;
  #hashing: Promise<void> | undefined;
  #hashWanted = false;
  #hashFailure: { error: unknown } | undefined;
  #dropped = false;
  #saving: Promise<void> | undefined;
  #saveWanted = false;
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #lastSave = 0;
  #sealed = false;

  private constructor(size: number, validator: string, ranges: Range[], from: TransferSource, file: PositionalWriter, hash: Sha256) {
    this.size = size;
    this.#from = from;
    this.#file = file;
    this.#validator = validator;
    this.#ranges = ranges;
    this.#hash = hash;
  }

  /** Splits the content `opened` starts (at byte 0) into `count` ranges written into `to`. */
  static async start(opened: OpenedSource, count: number, from: TransferSource, to: TransferSink): Promise<RangedDownload> {
    const { size, validator } = opened;
    if (size === undefined || validator === undefined || !to.openPositional) throw new Error('a split download needs a size, a validator and a positional sink');
    const step = Math.ceil(size / count / BATCH) * BATCH;
    const ranges: Range[] = [];
    for (let start = 0; start < size; start += step) ranges.push({ start, end: Math.min(size, start + step), written: start });
    return new RangedDownload(size, validator, ranges, from, await to.openPositional(size), await createSha256());
  }

  /** Continues the split download whose state an earlier run saved in `to`; undefined when there is none that holds together. */
  static async restore(from: TransferSource, to: TransferSink): Promise<RangedDownload | undefined> {
    const saved = parseState(await to.savedRanges?.());
    if (!saved || !from.readRange || !to.openPositional) return undefined;
    const ranges = saved.ranges.map(([start, end, written]) => ({ start, end, written }));
    return new RangedDownload(saved.size, saved.validator, ranges, from, await to.openPositional(saved.size), await createSha256());
  }

  /** Bytes written so far, over all ranges. */
  get done(): number {
    let done = 0;
    for (const range of this.#ranges) done += range.written - range.start;
    return done;
  }

  /**
   * Fetches every range not yet complete at once; `first` (the whole content
   * from byte 0, on the first attempt) serves the first range. A broken
   * connection ends its range only; other failures stop them all. The bytes
   * each range wrote stay for the next attempt.
   */
  async run(first: OpenedSource | undefined, signal: AbortSignal, onBytes: (bytes: number) => void): Promise<RangeRefused | undefined> {
    const round = new AbortController();
    const stop = anySignal([signal, round.signal]) as AbortSignal;
    let failure: { error: unknown } | undefined;
    let refused: RangeRefused | undefined;
    const work = this.#ranges
      .filter((range) => range.written < range.end)
      .map(async (range) => {
        try {
          if (first && range.start === 0 && range.written === 0) return await this.#fill(range, first.stream, stop, onBytes);
          const outcome = await this.#from.readRange?.({ start: range.written, end: range.end, validator: this.#validator, signal: stop }, (opened) =>
            this.#fill(range, opened.stream, stop, onBytes),
          );
          if (outcome === 'changed' || outcome === 'ignored') {
            refused ??= new RangeRefused(outcome === 'changed');
            round.abort(refused);
          }
        } catch (error) {
          failure ??= { error };
          // A broken connection stops only its own range: the others go on, and the next attempt resumes it.
          if (!(error instanceof ConnectionError)) round.abort(error);
        }
      });
    // A first stream not used (its range was complete) must still be released.
    if (first && this.#ranges[0]!.written > 0) await first.stream.cancel().catch(() => undefined);
    await Promise.all(work);
    if (refused) return refused;
    if (failure) throw failure.error;
    await this.#file.sync();
    return undefined;
  }

  /** Reads one range's bytes from `stream` into the sink at their position, a batch at a time. */
  async #fill(range: Range, stream: ReadableStream<Uint8Array>, signal: AbortSignal, onBytes: (bytes: number) => void): Promise<void> {
    const reader = stream.getReader();
    const stop = (): void => void reader.cancel(signal.reason).catch(() => undefined);
    signal.addEventListener('abort', stop, { once: true });
    // Chunks are copied into two reused batch buffers (one filling, one being written), so the
    // socket's buffers die young: holding them in batches got them promoted and cost a full GC
    // every few MiB (bench/transfer, `--trace-gc`). `written` moves when a write lands.
    let [batch, spare] = [new Uint8Array(BATCH), new Uint8Array(BATCH)];
    let batched = 0;
    let received = range.written;
    let writing: Promise<void> = Promise.resolve();
    const flush = async (): Promise<void> => {
      await writing;
      const full = batch.subarray(0, batched);
      [batch, spare] = [spare, batch];
      writing = this.#write(range, full);
      writing.catch(() => undefined);
      batched = 0;
    };
    try {
      while (received < range.end) {
        const { done, value } = await reader.read();
        if (signal.aborted) throw signal.reason;
        if (done) break;
        let chunk = received + value.byteLength > range.end ? value.subarray(0, range.end - received) : value;
        received += chunk.byteLength;
        onBytes(chunk.byteLength);
        while (chunk.byteLength > 0) {
          const take = Math.min(chunk.byteLength, BATCH - batched);
          batch.set(take === chunk.byteLength ? chunk : chunk.subarray(0, take), batched);
          batched += take;
          chunk = chunk.subarray(take);
          if (batched === BATCH) await flush();
        }
      }
      if (received >= range.end) await reader.cancel().catch(() => undefined);
    } finally {
      signal.removeEventListener('abort', stop);
      // What arrived counts as delivered, even when the range broke: the next attempt continues after it.
      if (batched > 0) await flush().catch(() => undefined);
      await writing;
    }
    if (received < range.end) {
      const reason = `range ${range.start}-${range.end - 1} ended after ${received - range.start} of ${range.end - range.start} bytes`;
      throw new ConnectionError({ method: 'READ', url: this.#from.name, mayHaveBeenSent: true, reason });
    }
  }

  async #write(range: Range, bytes: Uint8Array): Promise<void> {
    await this.#file.write([bytes], range.written);
    range.written += bytes.byteLength;
    this.#wantHash();
    this.#save();
  }

  /** Saves where each range stands: at most every SAVE_EVERY ms, and once more after the last change. */
  #save(): void {
    const save = this.#file.saveRanges;
    if (!save || this.#sealed) return;
    if (this.#saving || this.#saveTimer) {
      this.#saveWanted = true;
      return;
    }
    const wait = this.#lastSave + SAVE_EVERY - Date.now();
    if (wait > 0) {
      this.#saveTimer = setTimeout(() => {
        this.#saveTimer = undefined;
        this.#save();
      }, wait);
      return;
    }
    this.#saveWanted = false;
    this.#lastSave = Date.now();
    const state = JSON.stringify({ v: 1, size: this.size, validator: this.#validator, ranges: this.#ranges.map((r) => [r.start, r.end, r.written]) });
    this.#saving = save(state)
      .catch(() => undefined)
      .then(() => {
        this.#saving = undefined;
        if (this.#saveWanted) this.#save();
      });
  }

  /** No more saves (the bytes are complete, or dropped); waits for one under way. */
  async #seal(): Promise<void> {
    this.#sealed = true;
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    await this.#saving;
  }

  /** The end of the prefix of the content that is written. */
  #prefix(): number {
    for (const range of this.#ranges) if (range.written < range.end) return range.written;
    return this.size;
  }

  /** Hashes whatever prefix is written, in the background; one loop at a time. */
  #wantHash(): void {
    this.#hashWanted = true;
    if (this.#hashing) return;
    this.#hashing = this.#hashLoop();
  }

  async #hashLoop(): Promise<void> {
    try {
      while (this.#hashWanted && !this.#dropped && !this.#hashFailure) {
        this.#hashWanted = false;
        await this.#hashUpTo(this.#prefix());
      }
    } catch (error) {
      this.#hashFailure ??= { error };
    } finally {
      // Cleared in the same turn the loop ends in, so a later write starts a new loop.
      this.#hashing = undefined;
    }
  }

  async #hashUpTo(limit: number): Promise<void> {
    while (this.#hashed < limit && !this.#dropped) {
      const read = await this.#file.read(this.#buffer, Math.min(BATCH, limit - this.#hashed), this.#hashed);
      if (read === 0) throw new Error(`the partial file ends at ${this.#hashed} bytes, before ${limit}`);
      this.#hash.update(this.#buffer.subarray(0, read));
      this.#hashed += read;
    }
  }

  /** The lowercase hex sha256 of the whole content, once every range is written. */
  async digest(): Promise<string> {
    await this.#seal();
    while (this.#hashing) await this.#hashing;
    if (this.#hashFailure) throw this.#hashFailure.error;
    await this.#hashUpTo(this.size);
    return this.#hash.digestHex();
  }

  /** Stops hashing and saving (resolves once no save is under way); the sink's bytes are the sink's to discard. */
  async drop(): Promise<void> {
    this.#dropped = true;
    await this.#seal();
  }

  /** Drops the split for good, its saved state too: a run resumed after a crash in the single stream that follows does not split again. */
  async abandon(): Promise<void> {
    await this.drop();
    await this.#file.saveRanges?.('').catch(() => undefined);
  }
}

/** The saved state of a split download, when it is one this code wrote and it holds together. */
function parseState(text: string | undefined): { size: number; validator: string; ranges: Array<[number, number, number]> } | undefined {
  if (!text) return undefined;
  try {
    const state = JSON.parse(text) as { v?: unknown; size?: unknown; validator?: unknown; ranges?: unknown };
    if (state.v !== 1 || typeof state.size !== 'number' || typeof state.validator !== 'string' || !Array.isArray(state.ranges)) return undefined;
    let next = 0;
    for (const range of state.ranges as unknown[]) {
      if (!Array.isArray(range) || range.length !== 3 || !range.every((n) => Number.isSafeInteger(n))) return undefined;
      const [start, end, written] = range as [number, number, number];
      if (start !== next || written < start || written > end || end <= start) return undefined;
      next = end;
    }
    if (next !== state.size) return undefined;
    return { size: state.size, validator: state.validator, ranges: state.ranges as Array<[number, number, number]> };
  } catch {
    return undefined;
  }
}
