/**
 * `nodeLocalFiles`: the Node.js (and Deno) file system as {@link LocalFiles}.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { fileSink } from '../transfer/node/file-sink.js';
import { throwIfAborted } from '../util/abort.js';
import { listFiles } from '../pulsar/staging/local-files.js';
import type { LocalFileDigest, LocalFiles } from '../contracts/local-files.js';

/**
 * Local file access for sites that run elsewhere (`TesSite`, `PulsarRestSite`):
 * resolves paths against the working directory, reads and streams inputs,
 * writes and hashes outputs.
 *
 * @example
 * ```ts
 * import { nodeLocalFiles, TesSite } from 'pulsar-network/node';
 * const site = new TesSite({ client: { baseUrl: process.env.TES_URL! }, files: nodeLocalFiles() });
 * ```
 */
export function nodeLocalFiles(): LocalFiles {
  return {
    resolve: (pathOrFileUrl) => (/^file:/i.test(pathOrFileUrl) ? fileURLToPath(pathOrFileUrl) : resolve(pathOrFileUrl)),
    size: async (path) => {
      const info = await stat(path).catch(() => undefined);
      return info?.isFile() ? info.size : undefined;
    },
    read: async (path, signal) => new Uint8Array(await readFile(path, signal ? { signal } : {})),
    digest: async (path, signal) => {
      const hash = createHash('sha256');
      let sizeBytes = 0;
      for await (const chunk of createReadStream(path, signal ? { signal } : {})) {
        hash.update(chunk as Buffer);
        sizeBytes += (chunk as Buffer).length;
      }
      return { sizeBytes, sha256: hash.digest('hex') };
    },
    stream: (path) => Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>,
    remove: (path) => rm(path, { force: true }),
    list: async (path) => ((await stat(path).catch(() => undefined))?.isDirectory() ? listFiles(path) : undefined),
    write: (path, bytes, signal, onBytes) => writeFile(path, bytes, signal, onBytes),
  };
}

/** Bytes between two `onBytes` reports of a write. */
const REPORT_EVERY = 1024 * 1024;

/**
 * `LocalFiles.write`: one pass over the body into a {@link fileSink} (a
 * temporary name, flushed and renamed into place once whole), hashed on the
 * way. The caller's transfer already retries and verifies; a second transfer
 * here cost more CPU than the download itself on small files.
 */
async function writeFile(path: string, bytes: ReadableStream<Uint8Array>, signal: AbortSignal | undefined, onBytes: ((bytesDone: number) => void) | undefined): Promise<LocalFileDigest> {
  const sink = fileSink(path);
  const hash = createHash('sha256');
  const reader = bytes.getReader();
  let sizeBytes = 0;
  let reported = 0;
  // A body that stalls still ends at an abort: the read returns, and the check below throws.
  const onAbort = (): void => void reader.cancel(signal?.reason).catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const writer = await sink.open({ offset: 0, signal: signal ?? new AbortController().signal });
    try {
      for (;;) {
        throwIfAborted(signal, `writing ${path}`);
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        sizeBytes += value.byteLength;
        await writer.write(value);
        if (onBytes && sizeBytes - reported >= REPORT_EVERY) onBytes((reported = sizeBytes));
      }
      // A cancelled read looks like the end: never commit what an abort cut short.
      throwIfAborted(signal, `writing ${path}`);
      await writer.close();
    } catch (error) {
      await writer.abort(error).catch(() => undefined);
      throw error;
    }
    const sha256 = hash.digest('hex');
    await sink.commit({ size: sizeBytes, sha256 });
    if (onBytes && reported !== sizeBytes) onBytes(sizeBytes);
    return { sizeBytes, sha256 };
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    await sink.discard();
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
