/**
 * Reading a small file a job wrote, such as a completion marker, while its
 * status may not list it yet (Pulsar lists files only in the final status):
 * one attempt, a size cap, and `undefined` when the server has no such file.
 * Portable.
 * @module
 */
import { HttpError, ProtocolError, TransferError } from '../errors.js';
import type { PulsarClient } from './client.js';
import type { PulsarDownloadType } from './wire.js';

/** Options of {@link readJobText}. */
export interface ReadJobTextOptions {
  /** Aborts the read (rejects with AbortError). */
  signal?: AbortSignal;
  /** The server directory to read from. @default 'output_workdir' */
  type?: PulsarDownloadType;
  /** A longer file is refused with a ProtocolError, in bytes. @default 1048576 */
  maxBytes?: number;
}

/**
 * The text of one job file, read in one attempt whether or not the job's
 * status lists it; `undefined` when the server answers that it has no such
 * file (Pulsar answers 500 for a missing file, 404 on some proxies). Any other
 * failure is thrown, as is a file longer than `maxBytes`.
 *
 * @example
 * ```ts
 * const marker = await readJobText(pulsar, jobId, 'finished');
 * if (marker !== undefined) console.log('the job script ended');
 * ```
 */
export async function readJobText(client: PulsarClient, jobId: string, name: string, options: ReadJobTextOptions = {}): Promise<string | undefined> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  try {
    return await client.downloadWith(jobId, name, options.type ?? 'output_workdir', (body) => readCapped(body, maxBytes, name), {
      unlisted: true,
      retry: false,
      ...(options.signal && { signal: options.signal }),
    });
  } catch (error) {
    const cause = error instanceof TransferError ? error.cause : error;
    if (cause instanceof HttpError && (cause.status === 500 || cause.status === 404)) return undefined;
    throw error;
  }
}

/** The whole body as UTF-8 text, or a ProtocolError once it passes `maxBytes`. */
async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number, name: string): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ProtocolError({ where: `GET /jobs/{job_id}/files?name=${name}`, problem: `the file is longer than ${maxBytes} bytes` });
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
