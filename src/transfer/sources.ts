/**
 * In-memory and stream sources: `Uint8Array`, `Blob` and Web `ReadableStream`.
 * @module
 */
import type { OpenedSource, SourceReadOptions, TransferSource } from './types.js';

/**
 * A source over a `Blob` (or `File`); replayable and seekable, read lazily in
 * slices so memory stays bounded even for large files.
 *
 * @example
 * ```ts
 * const picker = document.querySelector<HTMLInputElement>('input[type=file]')!;
 * await transfer({ from: blobSource(picker.files![0]!), to: uploadSink(http, { path: 'upload' }) });
 * ```
 */
export function blobSource(blob: Blob, name = (blob as { name?: string }).name ?? 'blob'): TransferSource {
  return {
    name,
    size: blob.size,
    replayable: true,
    blob,
    read: <T>(options: SourceReadOptions, consume: (opened: OpenedSource) => Promise<T>) => {
      const offset = Math.min(options.offset, blob.size);
      return consume({ stream: blob.slice(offset).stream(), offset, size: blob.size });
    },
  };
}

/**
 * A source over bytes already in memory.
 *
 * @example
 * ```ts
 * await transfer({ from: bytesSource(new TextEncoder().encode('hello'), 'hello.txt'), to: sink });
 * ```
 */
export function bytesSource(bytes: Uint8Array, name = 'bytes'): TransferSource {
  let blob: Blob | undefined;
  return {
    name,
    size: bytes.byteLength,
    replayable: true,
    // Made on first use only (a whole-Blob upload): it copies the bytes.
    get blob() {
      return (blob ??= new Blob([bytes as Uint8Array<ArrayBuffer>]));
    },
    read: <T>(options: SourceReadOptions, consume: (opened: OpenedSource) => Promise<T>) => {
      const offset = Math.min(options.offset, bytes.byteLength);
      return consume({ stream: chunked(bytes.subarray(offset)), offset, size: bytes.byteLength });
    },
  };
}

/**
 * A source over a Web `ReadableStream`. A stream can be read only once, so
 * a transfer from it is not retried.
 *
 * @example
 * ```ts
 * const response = await fetch(url);
 * await transfer({ from: streamSource(response.body!, 'data.bin'), to: fileSink('/tmp/data.bin') });
 * ```
 */
export function streamSource(stream: ReadableStream<Uint8Array>, name = 'stream', size?: number): TransferSource {
  let used = false;
  const source: TransferSource = {
    name,
    replayable: false,
    read: <T>(options: SourceReadOptions, consume: (opened: OpenedSource) => Promise<T>) => {
      if (used || options.offset !== 0) {
        return Promise.reject(new Error(`${name}: a stream can be read only once`));
      }
      used = true;
      const opened: OpenedSource = { stream, offset: 0 };
      if (size !== undefined) opened.size = size;
      return consume(opened);
    },
  };
  if (size !== undefined) (source as { size?: number }).size = size;
  return source;
}

const SLICE = 256 * 1024;

function chunked(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(at, at + SLICE));
      at += SLICE;
    },
  });
}
