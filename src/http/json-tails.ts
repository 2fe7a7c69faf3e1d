/**
 * Reading a JSON answer whose strings may be huge (a TES task's stdout in
 * its FULL view, a Pulsar status with the job's output): the body streams
 * through, every string longer than the cap keeps only its tail, and what
 * is kept is bounded, whatever the server sends.
 * @module
 */
import { ProtocolError, ResponseTooLargeError } from '../errors.js';
import { excerptOf, type SecretSet } from '../redact.js';
import { concatBytes, eachChunk, TailBuffer } from './bounded-body.js';

/** Options of {@link readJsonKeepingTails}. */
export interface JsonTailOptions {
  /** Longest string kept whole, in UTF-8 bytes; longer ones keep their last this many bytes. */
  tailBytes: number;
  /** Most bytes kept in all (the document with its strings cut); past it a {@link ResponseTooLargeError}. */
  maxBytes: number;
  /** Where the answer came from, for errors (`GET /tasks/{id}`). */
  where: string;
  /** Secrets the excerpt of a broken answer is scrubbed of. */
  secrets?: SecretSet;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SIMPLE_ESCAPES: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09 };
const encoder = new TextEncoder();

/**
 * Parses a JSON body read as a stream, keeping of each string at most its
 * last `tailBytes` (cut on a whole UTF-8 character). Memory stays below
 * `maxBytes` plus one chunk, however long the strings are.
 *
 * @example
 * ```ts
 * const task = await readJsonKeepingTails(response.body, { tailBytes: 64 * 1024, maxBytes: 32 << 20, where: 'GET /tasks/{id}' });
 * ```
 */
export async function readJsonKeepingTails(body: ReadableStream<Uint8Array> | null, options: JsonTailOptions): Promise<unknown> {
  const compactor = new Compactor(options);
  await eachChunk(body, (chunk) => compactor.write(chunk));
  const text = compactor.end();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtocolError({ where: options.where, problem: 'the answer is not valid JSON', excerpt: excerptOf(text, options.secrets, 120) });
  }
}

/** Copies the JSON structure, each string re-encoded from its (tail of) decoded bytes. */
class Compactor {
  readonly #out: Uint8Array[] = [];
  #outSize = 0;
  readonly #string: TailBuffer;
  #inString = false;
  /** 0: plain text; 1: after a backslash; 2..5: reading the hex digits of `\u`. */
  #escape = 0;
  #unit = 0;
  #highSurrogate = -1;

  constructor(readonly options: JsonTailOptions) {
    this.#string = new TailBuffer(options.tailBytes);
  }

  write(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.byteLength;
    while (i < n) {
      if (!this.#inString) {
        const start = i;
        while (i < n && chunk[i] !== QUOTE) i++;
        this.#emitStructure(chunk.subarray(start, i));
        if (i < n) {
          this.#inString = true;
          this.#string.reset();
          i++;
        }
      } else if (this.#escape > 0) {
        this.#escaped(chunk[i] as number);
        i++;
      } else {
        const start = i;
        const quote = chunk.indexOf(QUOTE, i);
        const slash = chunk.indexOf(BACKSLASH, i);
        const stop = Math.min(quote === -1 ? n : quote, slash === -1 ? n : slash);
        if (stop > start) this.#text(chunk.subarray(start, stop));
        i = stop;
        if (i < n) {
          if (chunk[i] === QUOTE) this.#closeString();
          else this.#escape = 1;
          i++;
        }
      }
    }
  }

  end(): string {
    if (this.#inString) throw new ProtocolError({ where: this.options.where, problem: 'the answer ends inside a string' });
    return new TextDecoder().decode(concatBytes(this.#out, this.#outSize));
  }

  /** Bytes outside strings: kept without whitespace. */
  #emitStructure(bytes: Uint8Array): void {
    let kept = 0;
    const copy = new Uint8Array(bytes.byteLength);
    for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) copy[kept++] = b;
    if (kept > 0) this.#emit(copy.subarray(0, kept));
  }

  #emit(bytes: Uint8Array): void {
    this.#outSize += bytes.byteLength;
    if (this.#outSize > this.options.maxBytes) throw new ResponseTooLargeError({ where: this.options.where, limitBytes: this.options.maxBytes });
    this.#out.push(bytes);
  }

  #text(bytes: Uint8Array): void {
    this.#flushSurrogate();
    this.#string.append(bytes);
  }

  #escaped(b: number): void {
    if (this.#escape === 1) {
      if (b === 0x75) {
        this.#escape = 2;
        this.#unit = 0;
        return;
      }
      const simple = SIMPLE_ESCAPES[b];
      if (simple === undefined) throw new ProtocolError({ where: this.options.where, problem: 'the answer has a bad escape in a string' });
      this.#escape = 0;
      this.#text(Uint8Array.of(simple));
      return;
    }
    const digit = parseInt(String.fromCharCode(b), 16);
    if (Number.isNaN(digit)) throw new ProtocolError({ where: this.options.where, problem: 'the answer has a bad \\u escape in a string' });
    this.#unit = (this.#unit << 4) | digit;
    if (++this.#escape < 6) return;
    this.#escape = 0;
    this.#codeUnit(this.#unit);
  }

  #codeUnit(unit: number): void {
    if (unit >= 0xdc00 && unit <= 0xdfff && this.#highSurrogate !== -1) {
      const point = 0x10000 + ((this.#highSurrogate - 0xd800) << 10) + (unit - 0xdc00);
      this.#highSurrogate = -1;
      this.#string.append(encoder.encode(String.fromCodePoint(point)));
      return;
    }
    this.#flushSurrogate();
    if (unit >= 0xd800 && unit <= 0xdbff) this.#highSurrogate = unit;
    else this.#string.append(encoder.encode(String.fromCharCode(unit)));
  }

  /** A high surrogate not followed by a low one stands for an unknown character. */
  #flushSurrogate(): void {
    if (this.#highSurrogate === -1) return;
    this.#highSurrogate = -1;
    this.#string.append(encoder.encode('\ufffd'));
  }

  #closeString(): void {
    this.#flushSurrogate();
    this.#inString = false;
    this.#emit(encoder.encode(JSON.stringify(this.#string.text())));
  }
}
