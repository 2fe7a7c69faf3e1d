/**
 * Local file helpers of staging (Node only): listing trees, reading a file as
 * a replayable upload body, and writing a download atomically.
 * @module
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { PulsarUploadBody } from '../body.js';

/** Bytes read or written per file-system call. */
const CHUNK = 1024 * 1024;

/**
 * A local file as an upload: a stream factory (one fresh stream per attempt) and its size.
 *
 * @example
 * ```ts
 * const { body, size } = await fileUpload('/data/reads.fq');
 * await pulsar.upload(job.jobId, 'reads.fq', 'input', body, size);
 * ```
 */
export async function fileUpload(path: string): Promise<{ body: PulsarUploadBody; size: number }> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
  return { body: () => Readable.toWeb(createReadStream(path, { highWaterMark: CHUNK })) as ReadableStream<Uint8Array>, size: info.size };
}

/** Every regular file below `root`, as `/`-separated paths relative to it, sorted. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/** The regular files directly in `dir` (not below), sorted; none when it does not exist. */
export async function topLevelFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
}

/**
 * Writes a download stream to `destination` through a temporary sibling file,
 * renamed into place once the stream ended, so a broken transfer never leaves a
 * truncated file under the real name. Returns the bytes written.
 */
export async function writeStreamToFile(body: ReadableStream<Uint8Array>, destination: string): Promise<number> {
  await mkdir(dirname(destination), { recursive: true });
  const partial = `${destination}.pulsar-partial`;
  let bytes = 0;
  const file = await open(partial, 'w');
  const reader = body.getReader();
  // Pulsar sends downloads in 1 KiB pieces: gather them into 1 MiB writes. The
  // next read waits for the disk, so memory stays bounded.
  const buffer = new Uint8Array(CHUNK);
  let filled = 0;
  const flush = async (): Promise<void> => {
    let offset = 0;
    while (offset < filled) offset += (await file.write(buffer, offset, filled - offset)).bytesWritten;
    filled = 0;
  };
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      let chunk = next.value;
      bytes += chunk.byteLength;
      while (chunk.byteLength > 0) {
        const take = Math.min(chunk.byteLength, CHUNK - filled);
        buffer.set(chunk.subarray(0, take), filled);
        filled += take;
        chunk = chunk.subarray(take);
        if (filled === CHUNK) await flush();
      }
    }
    await flush();
    await file.close();
    await rename(partial, destination);
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  return bytes;
}
