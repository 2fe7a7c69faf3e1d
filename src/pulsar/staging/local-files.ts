/**
 * Local file helpers of staging (Node only): listing trees, reading a file as
 * a replayable upload body, and writing a download atomically.
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { PulsarUploadBody } from '../body.js';

/** A local file as an upload: a stream factory (one fresh stream per attempt) and its size. */
export async function fileUpload(path: string): Promise<{ body: PulsarUploadBody; size: number }> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
  return { body: () => Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>, size: info.size };
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
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  try {
    await body.pipeThrough(counter).pipeTo(Writable.toWeb(createWriteStream(partial)) as WritableStream<Uint8Array>);
    await rename(partial, destination);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return bytes;
}
