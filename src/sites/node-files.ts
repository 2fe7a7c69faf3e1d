/**
 * `nodeLocalFiles`: the Node.js (and Deno) file system as {@link LocalFiles}.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { fileSink } from '../transfer/node/file-sink.js';
import { streamSource } from '../transfer/sources.js';
import { transfer } from '../transfer/transfer.js';
import { listFiles } from '../pulsar/staging/local-files.js';
import type { LocalFiles } from '../contracts/local-files.js';

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
    write: async (path, bytes, signal, onBytes) => {
      const { size, sha256 } = await transfer({
        from: streamSource(bytes, basename(path)),
        to: fileSink(path),
        retry: false,
        limiter: false,
        ...(onBytes ? { onProgress: (progress: { bytesDone: number }) => onBytes(progress.bytesDone) } : {}),
        ...(signal ? { signal } : {}),
      });
      return { sizeBytes: size, sha256 };
    },
  };
}
