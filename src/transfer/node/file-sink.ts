/**
 * A file on the local disk as a transfer sink (Node and Deno): bytes go to a
 * temporary name beside the destination and are renamed into place only once
 * complete, verified and flushed.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SinkOpenOptions, SinkWriter, TransferSink } from '../types.js';

const WRITE_BATCH = 1024 * 1024;
const MAX_IN_FLIGHT = 8 * 1024 * 1024;

/** Options of {@link fileSink}. */
export interface FileSinkOptions {
  /** Create missing parent directories. @default true */
  mkdirs?: boolean;
  /** Display name for progress and errors. @default the file's base name */
  name?: string;
}

/**
 * A sink writing `path` safely: the bytes land in `.<name>.<random>.partial`
 * in the same directory, are kept across retries so a download can resume,
 * and are fsynced and renamed to `path` only after the transfer verified
 * them. A failed or aborted transfer removes the temporary file, so nothing
 * ever appears under `path` unless it is whole.
 *
 * @example
 * ```ts
 * import { fileSink } from 'pulsar-network/node';
 * await transfer({ from: urlSource(http, { path: 'out.bam' }), to: fileSink('/results/out.bam'), expected: { sha256 } });
 * ```
 */
export function fileSink(path: string, options: FileSinkOptions = {}): TransferSink {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  let handle: FileHandle | undefined;
  let settled = false;

  const close = async (): Promise<void> => {
    const current = handle;
    handle = undefined;
    await current?.close();
  };

  return {
    name: options.name ?? basename(path),
    partial: 'resume',
    open: async (open_: SinkOpenOptions): Promise<SinkWriter> => {
      if (settled) throw new Error(`${path}: the sink was already committed or discarded`);
      if (!handle) {
        if (options.mkdirs !== false) await mkdir(directory, { recursive: true });
        handle = await open(temporary, 'w+', 0o644);
      }
      const file = handle;
      if ((await file.stat()).size < open_.offset) {
        throw new Error(`${temporary} holds fewer bytes than were reported written; a write to it failed`);
      }
      await file.truncate(open_.offset);
      let position = open_.offset;
      // Chunks are gathered into ~1 MiB writes, and up to MAX_IN_FLIGHT bytes of writes run while the
      // next chunks arrive, so the network is not paused while the disk works (and vice versa).
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      let inFlight = 0;
      let chain: Promise<void> = Promise.resolve();
      let failure: unknown;
      const flush = (): void => {
        if (pendingBytes === 0) return;
        const buffers = pending;
        const size = pendingBytes;
        const at = position;
        pending = [];
        pendingBytes = 0;
        position += size;
        inFlight += size;
        chain = chain.then(async () => {
          if (failure !== undefined) return;
          try {
            let written = 0;
            while (written < size) {
              const { bytesWritten } = await file.writev(remaining(buffers, written), at + written);
              written += bytesWritten;
            }
          } catch (error) {
            failure = error;
          } finally {
            inFlight -= size;
          }
        });
      };
      const settle = async (): Promise<void> => {
        flush();
        await chain;
        if (failure !== undefined) throw failure;
      };
      return {
        write: async (chunk) => {
          if (failure !== undefined) throw failure;
          pending.push(chunk);
          pendingBytes += chunk.byteLength;
          if (pendingBytes >= WRITE_BATCH) flush();
          while (inFlight > MAX_IN_FLIGHT && failure === undefined) await chain;
        },
        close: async () => {
          await settle();
          await file.truncate(position);
          await file.sync();
        },
        // Bytes accepted so far count as delivered: put them on disk for the next attempt.
        abort: () => settle(),
      };
    },
    commit: async () => {
      settled = true;
      await close();
      await rename(temporary, path);
      await syncDirectory(directory);
    },
    discard: async () => {
      settled = true;
      await close().catch(() => undefined);
      await unlink(temporary).catch(() => undefined);
    },
  };
}

/** Flushes a directory entry (the rename) to disk where the platform allows it. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Some platforms and file systems cannot open or fsync a directory; the rename itself is done.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** The buffers after the first `skip` bytes (for a short write). */
function remaining(buffers: Uint8Array[], skip: number): Uint8Array[] {
  if (skip === 0) return buffers;
  const out: Uint8Array[] = [];
  for (const buffer of buffers) {
    if (skip >= buffer.byteLength) {
      skip -= buffer.byteLength;
      continue;
    }
    out.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return out;
}
