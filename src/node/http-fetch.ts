/**
 * A `fetch` on node:http/node:https whose request and response bodies stream
 * with back-pressure, for large uploads and downloads under Node.
 *
 * Why: the fetch of Node 20 (undici 6) reads a streamed or Blob request body
 * as fast as the disk gives it, whatever the socket accepts. Uploading a 512 MiB
 * file to Pulsar (which reads about 45 MiB/s) grew the process by 500 MiB;
 * with this fetch it stays flat (bench/pulsar measures it).
 * @module
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from '../http/index.js';

/**
 * Sends one request with node:http(s); use it as the `fetch` option of any client.
 * It never follows redirects (a 3xx is answered as it is).
 *
 * @example
 * ```ts
 * import { PulsarClient } from 'pulsar-network';
 * import { nodeHttpFetch } from 'pulsar-network/node';
 * const pulsar = new PulsarClient({ url, token, fetch: nodeHttpFetch });
 * ```
 */
export const nodeHttpFetch: FetchLike = (input, init) => sendNodeHttp(input, init ?? {});

/**
 * One request over node:http(s), with connection options such as a
 * `lookup` that checks every address before it is connected to.
 */
export async function sendNodeHttp(input: URL | Request | string, init: RequestInit, connect: Pick<RequestOptions, 'lookup'> = {}): Promise<Response> {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : String(input));
  const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = new Headers(request?.headers);
  new Headers(init.headers).forEach((value, name) => headers.set(name, value));
  const signal = init.signal ?? request?.signal ?? undefined;
  const body = init.body ?? request?.body ?? null;
  signal?.throwIfAborted();

  const source = await bodySource(body, headers);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = send(url, { method, headers: Object.fromEntries(headers), ...(signal && { signal }), ...connect });
    req.once('error', reject);
    req.once('response', (res) => resolve(toResponse(res, method)));
    if (source === undefined) req.end();
    else if (source instanceof Uint8Array) req.end(source);
    else {
      source.once('error', (error) => req.destroy(error));
      source.pipe(req);
    }
  });
}

async function bodySource(body: BodyInit | null, headers: Headers): Promise<Uint8Array | Readable | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return withLength(new TextEncoder().encode(body), headers);
  if (body instanceof Uint8Array) return withLength(body, headers);
  if (body instanceof ArrayBuffer) return withLength(new Uint8Array(body), headers);
  if (ArrayBuffer.isView(body)) return withLength(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), headers);
  if (body instanceof Blob) {
    if (!headers.has('content-length')) headers.set('content-length', String(body.size));
    if (!headers.has('content-type') && body.type) headers.set('content-type', body.type);
    return Readable.fromWeb(body.stream() as import('node:stream/web').ReadableStream<Uint8Array>);
  }
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return withLength(new TextEncoder().encode(body.toString()), headers);
  }
  // FormData and other bodies: let a Response serialise them.
  const serialised = new Response(body);
  const type = serialised.headers.get('content-type');
  if (type && !headers.has('content-type')) headers.set('content-type', type);
  return withLength(new Uint8Array(await serialised.arrayBuffer()), headers);
}

function withLength(bytes: Uint8Array, headers: Headers): Uint8Array {
  if (!headers.has('content-length')) headers.set('content-length', String(bytes.byteLength));
  return bytes;
}

/** Bytes of a response body read from the socket ahead of its reader. */
const READ_AHEAD = 1024 * 1024;

/** Wraps the response; its body is read from the socket only as fast as it is read, plus READ_AHEAD. */
function toResponse(res: IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const status = res.statusCode ?? 0;
  const empty = method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
  if (empty) {
    res.resume();
    return new Response(null, { status, statusText: res.statusMessage ?? '', headers });
  }
  // Chunks are handed on as the socket delivers them (no copy), and the socket is paused while
  // more than READ_AHEAD bytes wait unread, so memory stays bounded and the network keeps
  // flowing while the reader writes and hashes the previous chunks.
  res.pause();
  // Set once the stream is closed, errored or cancelled: later socket events are ignored.
  let settled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) res.pause();
        });
        const fail = (error: Error) => {
          if (settled) return;
          settled = true;
          controller.error(error);
        };
        res.once('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        res.once('error', fail);
        // An aborted or reset response may end without 'end' or 'error'.
        res.once('close', () => {
          if (!res.complete) fail(new Error('the response was cut off'));
        });
      },
      pull() {
        if (!settled) res.resume();
      },
      cancel(reason) {
        settled = true;
        res.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: READ_AHEAD, size: (chunk) => chunk.byteLength },
  );
  return new Response(stream, { status, statusText: res.statusMessage ?? '', headers });
}
