/**
 * A file on the local disk as a transfer source (Node and Deno).
 * @module
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ValidationError } from '../../errors.js';
import type { OpenedSource, SourceReadOptions, TransferSource } from '../types.js';

const CHUNK = 1024 * 1024;

/**
 * A source reading a local file in 1 MiB chunks from any offset. The size is
 * read when the transfer starts; a file that changes size while it is read
 * fails the size check instead of being sent half-old, half-new.
 *
 * @example
 * ```ts
 * import { fileSource } from 'pulsar-network/node';
 * await transfer({ from: await fileSource('/data/reads.fq.gz'), to: uploadSink(http, { path: 'upload' }), direction: 'up' });
 * ```
 */
export async function fileSource(path: string, name: string = basename(path)): Promise<TransferSource> {
  const info = await stat(path);
  if (!info.isFile()) throw new ValidationError('file source', [{ path: 'path', message: `${path} is not a regular file` }]);
  const size = info.size;
  return {
    name,
    size,
    replayable: true,
    read: async <T>(options: SourceReadOptions, consume: (opened: OpenedSource) => Promise<T>): Promise<T> => {
      const handle = await open(path, 'r');
      let position = Math.min(options.offset, size);
      const start = position;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const buffer = new Uint8Array(CHUNK);
          const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
          if (bytesRead === 0) {
            controller.close();
            return;
          }
          position += bytesRead;
          controller.enqueue(buffer.subarray(0, bytesRead));
        },
      });
      try {
        return await consume({ stream, offset: start, size });
      } finally {
        await handle.close().catch(() => undefined);
      }
    },
  };
}
