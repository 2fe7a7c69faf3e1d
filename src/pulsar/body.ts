/**
 * What an upload can send. Pulsar needs the size up front (it reads a raw
 * body with `Content-Length`; chunked bodies are refused), and retries need a
 * body they can send again, hence sizes and stream factories. Every upload
 * goes through the transfer engine (`transfer()`).
 * @module
 */
import { ValidationError } from '../errors.js';
import { blobSource, bytesSource } from '../transfer/sources.js';
import type { OpenedSource, SourceReadOptions, TransferSource } from '../transfer/types.js';

/**
 * An upload body: bytes, text, a Blob (a `File` in browsers), or a function
 * that opens a new stream of the file each time it is called (so a retry
 * can send it again). A stream factory needs the size.
 *
 * In browsers send a Blob (or bytes): their fetch neither lets a script set
 * `Content-Length` nor streams a request body over HTTP/1.1. Under Node, pass
 * `nodeHttpFetch` (from `pulsar-network/node`) to the client for large streams:
 * Node 20's fetch buffers a streamed body whole.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { Readable } from 'node:stream';
 * const text: PulsarUploadBody = 'hello\n';
 * const small: PulsarUploadBody = new Blob(['hello\n']);
 * const file: PulsarUploadBody = () => Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
 * ```
 */
export type PulsarUploadBody =
  | Uint8Array
  | ArrayBuffer
  | Blob
  | string
  | (() => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>);

/**
 * Checks the body and its size and turns it into a replayable transfer source
 * (a stream factory is called once per attempt, as uploads restart whole).
 */
export function uploadSource(body: PulsarUploadBody, size: number | undefined, name: string): TransferSource {
  const known = knownSize(body);
  if (known === undefined) {
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
      throw new ValidationError(`upload of ${name}`, [
        { path: '$.size', message: 'a stream factory needs its exact size in bytes (Pulsar requires Content-Length)' },
      ]);
    }
    const open = body as () => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>;
    return {
      name,
      size,
      replayable: true,
      read: async <T>(_options: SourceReadOptions, consume: (opened: OpenedSource) => Promise<T>): Promise<T> => {
        const stream = await open();
        try {
          return await consume({ stream, offset: 0, size });
        } finally {
          await stream.cancel().catch(() => undefined);
        }
      },
    };
  }
  if (size !== undefined && size !== known) {
    throw new ValidationError(`upload of ${name}`, [{ path: '$.size', message: `is ${size} but the body has ${known} bytes` }]);
  }
  if (typeof Blob !== 'undefined' && body instanceof Blob) return blobSource(body, name);
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof ArrayBuffer ? new Uint8Array(body) : (body as Uint8Array);
  return bytesSource(bytes, name);
}

function knownSize(body: PulsarUploadBody): number | undefined {
  if (typeof body === 'string') return new TextEncoder().encode(body).byteLength;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return body.byteLength;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body.size;
  if (typeof body === 'function') return undefined;
  throw new ValidationError('upload body', [
    { path: '$.body', message: 'expected Uint8Array, ArrayBuffer, Blob, string, or a function returning a ReadableStream' },
  ]);
}
