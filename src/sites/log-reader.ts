/**
 * The part of `Site.readLogs` every site shares: the cursor (a byte offset per
 * executor and stream), the read cap, and UTF-8 decoding that never splits a
 * character. A site supplies only how to size and read a stream. Portable.
 * @module
 */
import { ValidationError } from '../errors.js';
import type { LogChunk, LogRead, ReadLogsOptions } from './site.js';

/** The default of `ReadLogsOptions.maxBytes`. */
export const DEFAULT_LOG_READ_BYTES = 64 * 1024;

/** One stream of one executor. */
export interface LogStream {
  /** Index of the executor. */
  executor: number;
  /** Which of its output streams. */
  stream: 'stdout' | 'stderr';
}

/** How a site reaches its log streams, for {@link readLogStreams}. */
export interface LogStreamSource {
  /** The streams that may have output, in order. */
  streams: readonly LogStream[];
  /** The stream's size in bytes now; `undefined` while it does not exist. */
  size(stream: LogStream): Promise<number | undefined>;
  /** `length` bytes of the stream from byte `position` (fewer at its end). */
  read(stream: LogStream, position: number, length: number): Promise<Uint8Array>;
}

/**
 * Reads what each stream gained since `cursor`: at most `maxBytes` per stream
 * (when more arrived, the older bytes are skipped and the chunk's `offset`
 * says where the text starts), ending before an incomplete UTF-8 character
 * unless `final`. Invalid UTF-8 becomes U+FFFD.
 *
 * @example
 * ```ts
 * declare const files: Pick<LogStreamSource, 'size' | 'read'>;
 * const got = await readLogStreams({ streams: [{ executor: 0, stream: 'stdout' }], ...files }, undefined, { maxBytes: 4096 });
 * console.log(got.chunks.map((c) => c.text).join(''), got.cursor);
 * ```
 */
export async function readLogStreams(source: LogStreamSource, cursor: string | undefined, options: ReadLogsOptions = {}): Promise<LogRead> {
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_READ_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 4) {
    throw new ValidationError('log read options', [{ path: 'maxBytes', message: `must be an integer of at least 4 (one UTF-8 character), got ${maxBytes}` }]);
  }
  const offsets = parseLogCursor(cursor);
  const chunks: LogChunk[] = [];
  for (const stream of source.streams) {
    const key = keyOf(stream);
    const from = offsets[key] ?? 0;
    const size = await source.size(stream);
    if (size === undefined || size <= from) continue;
    const start = Math.max(from, size - maxBytes);
    const bytes = await source.read(stream, start, size - start);
    // After a skip, the first bytes may end a character that began in the skipped part.
    const lead = start > from ? continuationBytes(bytes) : 0;
    const end = options.final ? bytes.length : completeUtf8Length(bytes);
    if (end <= lead) {
      if (options.final) offsets[key] = start + end;
      continue;
    }
    const text = new TextDecoder().decode(bytes.subarray(lead, end));
    chunks.push({ ...stream, offset: start + lead, bytes: end - lead, text });
    offsets[key] = start + end;
  }
  return { chunks, cursor: JSON.stringify(offsets) };
}

function keyOf(stream: LogStream): string {
  return `${stream.executor}.${stream.stream}`;
}

const KEY = /^\d+\.(stdout|stderr)$/;

/** The offsets a cursor holds; throws a {@link ValidationError} for a cursor this module did not make. */
function parseLogCursor(cursor: string | undefined): Record<string, number> {
  if (cursor === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor);
  } catch {
    parsed = undefined;
  }
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.entries(parsed).every(([key, offset]) => KEY.test(key) && Number.isSafeInteger(offset) && (offset as number) >= 0);
  if (!valid) throw new ValidationError('log cursor', [{ path: 'cursor', message: 'is not a cursor returned by readLogs' }]);
  return { ...(parsed as Record<string, number>) };
}

/** How many bytes at the start continue a character begun before them (at most 3). */
function continuationBytes(bytes: Uint8Array): number {
  let n = 0;
  while (n < 3 && n < bytes.length && ((bytes[n] as number) & 0xc0) === 0x80) n++;
  return n;
}

/**
 * The length of the longest prefix of `bytes` that does not end inside a
 * UTF-8 character: `bytes.length`, or less by the 1 to 3 bytes of a
 * character whose last bytes have not arrived.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const byte = bytes[n - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return back >= needs ? n : n - back;
  }
  return n; // continuation bytes only: invalid, left to the decoder
}
