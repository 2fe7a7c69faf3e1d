/**
 * Copying bytes on the local file system with progress and sha256. Node-only.
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What a copy wrote. */
export interface CopyResult {
  sizeBytes: number;
  /** Lowercase hex sha256 of the bytes written. */
  sha256: string;
}

/** Progress callback: bytes written so far. */
export type OnBytes = (bytesDone: number) => void;

/** Reports progress at most every this many bytes (and at the end). */
const REPORT_EVERY = 1 << 20;

/**
 * Streams `source` into `dest`, hashing on the way, through a temporary file
 * renamed into place at the end: `dest` never holds a partial copy.
 */
export async function writeStream(source: Readable | AsyncIterable<Uint8Array>, dest: string, onBytes?: OnBytes, signal?: AbortSignal): Promise<CopyResult> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = `${dest}.part-${randomUUID().slice(0, 8)}`;
  const hash = createHash('sha256');
  let size = 0;
  let reported = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      if (onBytes && size - reported >= REPORT_EVERY) {
        reported = size;
        onBytes(size);
      }
      callback(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, createWriteStream(temp), signal ? { signal } : {});
    await rename(temp, dest);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { sizeBytes: size, sha256: hash.digest('hex') };
}

/** Copies a file with {@link writeStream}. */
export function copyFile(src: string, dest: string, onBytes?: OnBytes, signal?: AbortSignal): Promise<CopyResult> {
  return writeStream(createReadStream(src), dest, onBytes, signal);
}

/** Writes bytes with {@link writeStream}. */
export function writeBytes(bytes: Uint8Array, dest: string): Promise<CopyResult> {
  return writeStream(
    (async function* () {
      yield bytes;
    })(),
    dest,
  );
}
