/**
 * `nodeLocalFiles`: the Node.js (and Deno) file system as {@link LocalFiles}.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import type { LocalFiles } from './local-files.js';
import { writeStream } from './local/files.js';

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
    write: (path, bytes, signal, onBytes) => writeStream(Readable.fromWeb(bytes as NodeReadableStream<Uint8Array>), path, onBytes, signal),
  };
}
