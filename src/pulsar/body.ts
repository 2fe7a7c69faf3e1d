/**
 * What an upload can send. Pulsar needs the size up front (it reads a raw
 * body with `Content-Length`; chunked bodies are refused), and retries need a
 * body they can send again, hence sizes and stream factories.
 * @module
 */
import { ValidationError } from '../errors.js';
import type { RequestOptions } from '../http/index.js';

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
 * const text: PulsarUploadBody = 'hello\n';
 * const blob: PulsarUploadBody = new Blob([bytes]);
 * const file: PulsarUploadBody = () => Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
 * ```
 */
export type PulsarUploadBody =
  | Uint8Array
  | ArrayBuffer
  | Blob
  | string
  | (() => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>);

/** The request body and its exact length. */
export interface PreparedBody {
  body: NonNullable<RequestOptions['body']>;
  size: number;
}

/** Checks the body and its size, and makes it replayable. */
export function prepareUploadBody(body: PulsarUploadBody, size: number | undefined, what: string): PreparedBody {
  const known = knownSize(body);
  if (known === undefined) {
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
      throw new ValidationError(`upload of ${what}`, [
        { path: '$.size', message: 'a stream factory needs its exact size in bytes (Pulsar requires Content-Length)' },
      ]);
    }
    const open = body as () => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>;
    return { body: async () => open(), size };
  }
  if (size !== undefined && size !== known) {
    throw new ValidationError(`upload of ${what}`, [{ path: '$.size', message: `is ${size} but the body has ${known} bytes` }]);
  }
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : (body as Uint8Array | ArrayBuffer | Blob);
  return { body: bytes as NonNullable<RequestOptions['body']>, size: known };
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
