/**
 * Local file helpers of staging (Node only): listing trees, reading a file as
 * a replayable upload body. Downloads are written by `fileSink`.
 * @module
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
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
export async function fileUpload(path: string): Promise<{
  /** A factory of a fresh read stream of the file, one per attempt. */
  body: PulsarUploadBody;
  /** The file's size in bytes at the time of the call. */
  size: number;
}> {
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
