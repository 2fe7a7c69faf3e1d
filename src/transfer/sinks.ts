/**
 * Portable sinks: a Web `WritableStream` and an http(s) upload.
 * @module
 */
import type { HttpClient, QueryParams } from '../http/client.js';
import { redactUrl } from '../redact.js';
import type { SinkOpenOptions, SinkWriter, TransferSink } from './types.js';

/**
 * A sink into a Web `WritableStream`. Bytes written stay written: a failed
 * download continues after them when the source can resume, and fails
 * otherwise. The stream is closed once the bytes are verified, and aborted
 * when the transfer fails.
 *
 * @example
 * ```ts
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const done = transfer({ from: urlSource(http, { path: 'log.txt' }), to: streamSink(writable) });
 * ```
 */
export function streamSink(stream: WritableStream<Uint8Array>, name = 'stream'): TransferSink {
  const writer = stream.getWriter();
  let finished = false;
  return {
    name,
    partial: 'append-only',
    open: async (): Promise<SinkWriter> => ({
      write: async (chunk) => {
        await writer.ready;
        await writer.write(chunk);
      },
      close: async () => undefined,
      abort: async () => undefined,
    }),
    commit: async () => {
      finished = true;
      await writer.close();
    },
    discard: async () => {
      if (finished) return;
      finished = true;
      await writer.abort(new Error(`${name}: transfer failed`)).catch(() => undefined);
    },
  };
}

/** Where and how to upload. */
export interface UploadSinkOptions {
  /** Path below the client's base URL. */
  path?: string;
  /** An absolute URL instead of `path`. */
  url?: string | URL;
  /** @default 'PUT' */
  method?: string;
  /** Query parameters added to the URL. */
  query?: QueryParams;
  /** Extra headers of the request; `content-type` defaults to `application/octet-stream`. */
  headers?: HeadersInit;
  /** Display name for progress and errors. @default the redacted URL */
  name?: string;
  /** Reads the answer once the upload completed (its body is otherwise discarded). */
  onResponse?: (response: Response) => Promise<void> | void;
  /**
   * Stream the body (true), or send Blob and byte sources whole (false), as
   * browsers must: they cannot stream a request body over HTTP/1.1. A whole-Blob
   * upload reports no progress until it ends and has no idle timeout. Other
   * sources (files, streams) are streamed either way.
   * @default true on Node; false on Deno, whose fetch drops the `Content-Length`
   * of a streamed body (denoland/deno#24197: it goes chunked), so a Blob keeps
   * its length there; false in browsers
   */
  streaming?: boolean;
}

/**
 * A sink that uploads the bytes as one raw request body (as Pulsar's
 * `POST /jobs/{id}/files` wants). `Content-Length` is sent whenever the size is
 * known, so a server never mistakes a cut-off body for a whole one. Every
 * attempt sends the whole file again: the protocol has no resume.
 *
 * @example
 * ```ts
 * await transfer({
 *   from: blobSource(blob),
 *   to: uploadSink(http, { method: 'POST', path: `jobs/${id}/files`, query: { name: 'in.fa', type: 'input' } }),
 *   direction: 'up',
 * });
 * ```
 */
export function uploadSink(http: HttpClient, options: UploadSinkOptions): TransferSink {
  const target = options.url !== undefined ? new URL(String(options.url)) : http.url(options.path ?? '');
  const send = (body: BodyInit, open: SinkOpenOptions): Promise<void> => {
    const headers = new Headers(options.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/octet-stream');
    if (open.size !== undefined) headers.set('content-length', String(open.size));
    return http.request<void>({
      method: options.method ?? 'PUT',
      url: target,
      query: options.query,
      headers,
      body,
      idempotent: true,
      signal: open.signal,
      // The transfer retries, and its idle timeout watches a streamed body; the answer
      // only comes once the whole body is sent, however long that takes.
      retry: false,
      timeout: Number.POSITIVE_INFINITY,
      totalTimeout: Number.POSITIVE_INFINITY,
      streaming: true,
      read: async (response) => {
        if (options.onResponse) await options.onResponse(response);
        else await response.body?.cancel().catch(() => undefined);
      },
    });
  };
  const sink: TransferSink = {
    name: options.name ?? redactUrl(target),
    host: target.host,
    partial: 'restart',
    open: async (open: SinkOpenOptions): Promise<SinkWriter> => {
      const pipe = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: 1 }, { highWaterMark: 1 });
      const writer = pipe.writable.getWriter();
      const answered = send(pipe.readable, open);
      // A request that fails before the body is consumed must fail the pending write too.
      answered.catch((error: unknown) => writer.abort(error).catch(() => undefined));
      return {
        write: async (chunk) => {
          await writer.ready;
          await writer.write(chunk);
        },
        close: async () => {
          await writer.close().catch(() => undefined);
          await answered;
        },
        abort: async (reason) => {
          await writer.abort(reason).catch(() => undefined);
          await answered.catch(() => undefined);
        },
      };
    },
    commit: async () => undefined,
    discard: async () => undefined,
  };
  if (!(options.streaming ?? streamsWithLength())) sink.sendWhole = (blob, open) => send(blob, open);
  return sink;
}

/**
 * Node streams request bodies over HTTP/1.1 with the `Content-Length` it is
 * given. Deno streams them too but drops that length (chunked); browsers do
 * not stream them at all (Chromium only over HTTP/2). Those send Blobs whole.
 */
function streamsWithLength(): boolean {
  const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process?.versions;
  return typeof versions?.node === 'string' && typeof (globalThis as { Deno?: unknown }).Deno === 'undefined';
}
