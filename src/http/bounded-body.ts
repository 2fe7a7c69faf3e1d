/**
 * Reading answers in bounded memory: a body read whole up to a cap (a
 * typed error past it), and the tail of a body (the rest streamed and
 * dropped), whatever the server sends.
 * @module
 */
import { ResponseTooLargeError } from '../errors.js';

/** The default cap on an answer read whole (JSON, text), in bytes. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * Reads a body whole, at most `maxBytes`; past that the body is cancelled
 * and a {@link ResponseTooLargeError} thrown.
 *
 * @example
 * ```ts
 * const bytes = await readCapped(response.body, 1 << 20, 'GET /status');
 * ```
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number, where: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  await eachChunk(body, (chunk) => {
    size += chunk.byteLength;
    if (size > maxBytes) throw new ResponseTooLargeError({ where, limitBytes: maxBytes });
    chunks.push(chunk);
  });
  return concatBytes(chunks, size);
}

/**
 * Hands each chunk of a body to `take` as it arrives; when `take` throws,
 * the rest of the body is cancelled unread and the error thrown.
 *
 * @example
 * ```ts
 * let bytes = 0;
 * await eachChunk(response.body, (chunk) => void (bytes += chunk.byteLength));
 * ```
 */
export async function eachChunk(body: ReadableStream<Uint8Array> | null, take: (chunk: Uint8Array) => void): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      take(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** The end of a body, and how much came before it. */
export interface BodyTail {
  /** The last bytes, at most the cap, decoded as UTF-8 and starting on a whole character. */
  text: string;
  /** Bytes dropped before the tail. */
  skippedBytes: number;
}

/**
 * Reads a body to its end keeping only its last `maxBytes` (the rest is
 * dropped as it streams by), so memory stays bounded however long it is.
 *
 * @example
 * ```ts
 * const { text, skippedBytes } = await readTail(response.body, 64 * 1024);
 * ```
 */
export async function readTail(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<BodyTail> {
  const ring = new TailBuffer(maxBytes);
  await eachChunk(body, (chunk) => ring.append(chunk));
  return { text: ring.text(), skippedBytes: ring.total - ring.length };
}

/**
 * The last `capacity` bytes appended, in a fixed buffer.
 *
 * @example
 * ```ts
 * const tail = new TailBuffer(64 * 1024);
 * const reader = stream.getReader();
 * for (let read = await reader.read(); !read.done; read = await reader.read()) tail.append(read.value);
 * console.log(tail.text());
 * ```
 */
export class TailBuffer {
  readonly #buffer: Uint8Array;
  #start = 0;
  /** Bytes held (at most the capacity). */
  length = 0;
  /** Bytes appended in all. */
  total = 0;

  constructor(
    /** The most bytes held. */
    readonly capacity: number,
  ) {
    this.#buffer = new Uint8Array(Math.max(0, capacity));
  }

  /** Forgets everything (the buffer is kept). */
  reset(): void {
    this.#start = 0;
    this.length = 0;
    this.total = 0;
  }

  /** Appends bytes, dropping the oldest beyond the capacity. */
  append(bytes: Uint8Array): void {
    this.total += bytes.byteLength;
    const cap = this.capacity;
    if (cap === 0) return;
    if (bytes.byteLength >= cap) {
      this.#buffer.set(bytes.subarray(bytes.byteLength - cap));
      this.#start = 0;
      this.length = cap;
      return;
    }
    let end = (this.#start + this.length) % cap;
    const first = Math.min(bytes.byteLength, cap - end);
    this.#buffer.set(bytes.subarray(0, first), end);
    this.#buffer.set(bytes.subarray(first), 0);
    end = (end + bytes.byteLength) % cap;
    const length = this.length + bytes.byteLength;
    if (length > cap) {
      this.#start = end;
      this.length = cap;
    } else this.length = length;
  }

  /** The bytes held, oldest first. */
  bytes(): Uint8Array {
    const cap = this.capacity;
    if (this.#start + this.length <= cap) return this.#buffer.slice(this.#start, this.#start + this.length);
    const out = new Uint8Array(this.length);
    const head = cap - this.#start;
    out.set(this.#buffer.subarray(this.#start));
    out.set(this.#buffer.subarray(0, this.length - head), head);
    return out;
  }

  /** The bytes held as UTF-8 text; when older bytes were dropped, a character cut at the start is dropped too. */
  text(): string {
    let bytes = this.bytes();
    if (this.total > this.length) {
      let skip = 0;
      while (skip < 3 && skip < bytes.length && ((bytes[skip] as number) & 0xc0) === 0x80) skip++;
      bytes = bytes.subarray(skip);
    }
    return new TextDecoder().decode(bytes);
  }
}

/** The chunks as one array (the chunk itself when there is only one); `size` is their total length, when known. */
export function concatBytes(chunks: Uint8Array[], size = chunks.reduce((n, chunk) => n + chunk.byteLength, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
