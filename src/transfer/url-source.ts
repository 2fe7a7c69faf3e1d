/**
 * An http(s) download source over {@link HttpClient}, resuming with `Range`
 * and `If-Range` where the server allows it.
 * @module
 */
import { HttpClient, type HttpClientOptions, type QueryParams } from '../http/client.js';
import { redactUrl } from '../redact.js';
import type { OpenedSource, RangeReadOptions, SourceReadOptions, TransferSource } from './types.js';

/** Where and how to download. */
export interface UrlSourceOptions {
  /** Path below the client's base URL. */
  path?: string;
  /** An absolute URL instead of `path`. */
  url?: string | URL;
  /** Query parameters added to the URL. */
  query?: QueryParams;
  /** Extra headers of every request (`range`, `if-range` and `accept-encoding` are set by the source). */
  headers?: HeadersInit;
  /** Display name for progress and errors. @default the redacted URL */
  name?: string;
  /** Resume interrupted downloads with `Range` + `If-Range` when the server gave a strong validator. @default true */
  resume?: boolean;
}

const RESTART = Symbol('restart');

/**
 * A download source. A resumed attempt sends `Range: bytes=N-` with
 * `If-Range: <validator>`; a server that answers 200 (it ignores ranges, or the
 * file changed) makes the transfer start over, and a 416 means either that
 * every byte was already there or that the transfer must start over. Without a
 * strong `ETag` or a `Last-Modified`, nothing is resumed: the download restarts.
 *
 * @example
 * ```ts
 * const http = new HttpClient({ baseUrl: 'https://data.example.org/' });
 * await transfer({ from: urlSource(http, { path: 'genomes/hg38.fa' }), to: fileSink('hg38.fa') });
 * ```
 */
export function urlSource(http: HttpClient, options: UrlSourceOptions): TransferSource {
  const target = options.url !== undefined ? new URL(String(options.url)) : http.url(options.path ?? '');
  const get = <T>(headers: Headers, signal: AbortSignal, read: (response: Response) => Promise<T>): Promise<T> =>
    http.request<T>({
      method: 'GET',
      url: target,
      query: options.query,
      headers,
      signal,
      retry: false,
      totalTimeout: Number.POSITIVE_INFINITY,
      streaming: true,
      acceptStatus: [416],
      read,
    });
  const headersFor = (range?: string, validator?: string): Headers => {
    const headers = new Headers(options.headers);
    headers.set('accept-encoding', 'identity');
    if (range !== undefined) headers.set('range', range);
    if (validator !== undefined) headers.set('if-range', validator);
    return headers;
  };
  const source: TransferSource = {
    name: options.name ?? redactUrl(target),
    host: target.host,
    replayable: true,
    read: async <T>(read: SourceReadOptions, consume: (opened: OpenedSource) => Promise<T>): Promise<T> => {
      const resuming = read.offset > 0 && read.validator !== undefined && options.resume !== false;
      const headers = resuming ? headersFor(`bytes=${read.offset}-`, read.validator) : headersFor();
      const outcome = await get<{ value: T } | typeof RESTART>(headers, read.signal, async (response) => {
        if (response.status === 416) {
          await response.body?.cancel().catch(() => undefined);
          const total = parseContentRange(response.headers.get('content-range'))?.size;
          if (!resuming || total !== read.offset) return RESTART;
          return { value: await consume(opened(emptyStream(), read.offset, total, read.validator)) };
        }
        if (response.status === 206 && resuming) {
          const range = parseContentRange(response.headers.get('content-range'));
          if (!range || range.start !== read.offset || !response.body) {
            await response.body?.cancel().catch(() => undefined);
            return RESTART;
          }
          return { value: await consume(opened(response.body, range.start, range.size, read.validator)) };
        }
        const size = response.status === 200 ? contentLength(response) : undefined;
        const whole = opened(response.body ?? emptyStream(), 0, size, validatorOf(response));
        if (options.resume !== false && /(^|,)\s*bytes\s*(,|$)/i.test(response.headers.get('accept-ranges') ?? '')) whole.acceptsRanges = true;
        return { value: await consume(whole) };
      });
      if (outcome === RESTART) return source.read({ offset: 0, signal: read.signal }, consume);
      return outcome.value;
    },
    readRange: <T>(range: RangeReadOptions, consume: (opened: OpenedSource) => Promise<T>): Promise<T | 'changed' | 'ignored'> =>
      get<T | 'changed' | 'ignored'>(headersFor(`bytes=${range.start}-${range.end - 1}`, range.validator), range.signal, async (response) => {
        const got = response.status === 206 ? parseContentRange(response.headers.get('content-range')) : undefined;
        if (got && got.start === range.start && got.end === range.end - 1 && response.body) {
          return consume(opened(response.body, range.start, got.size, range.validator));
        }
        await response.body?.cancel().catch(() => undefined);
        // A 200 under If-Range means another content, unless it carries the same validator: then ranges are ignored.
        const same = response.status === 200 ? validatorOf(response) === range.validator : response.status === 206;
        return same ? 'ignored' : 'changed';
      }),
  };
  return source;
}

function opened(stream: ReadableStream<Uint8Array>, offset: number, size: number | undefined, validator: string | undefined): OpenedSource {
  const result: OpenedSource = { stream, offset };
  if (size !== undefined) result.size = size;
  if (validator !== undefined) result.validator = validator;
  return result;
}

/** A strong ETag, else Last-Modified; weak ETags cannot be used with `If-Range`. */
function validatorOf(response: Response): string | undefined {
  const etag = response.headers.get('etag');
  if (etag && !etag.startsWith('W/')) return etag;
  return response.headers.get('last-modified') ?? undefined;
}

function contentLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return undefined;
  const value = response.headers.get('content-length');
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/**
 * A {@link urlSource} for a whole URL, with an {@link HttpClient} of its own
 * for the URL's origin. Credentials in the URL (`https://user:pass@host/…`)
 * travel as basic auth, never in the URL, and never appear in names or errors.
 *
 * @example
 * ```ts
 * import { transfer, urlSourceFor } from 'pulsar-network';
 * import { fileSink } from 'pulsar-network/node';
 * await transfer({ from: urlSourceFor('https://data.example.org/hg38.fa', { name: 'hg38.fa' }), to: fileSink('./hg38.fa') });
 * ```
 */
export function urlSourceFor(url: string | URL, options: { http?: Omit<HttpClientOptions, 'baseUrl'>; name?: string } = {}): TransferSource {
  const target = new URL(String(url));
  const client: HttpClientOptions = { ...options.http, baseUrl: new URL('/', target) };
  if (target.username || target.password) {
    client.auth = { type: 'basic', username: decodeURIComponent(target.username), password: decodeURIComponent(target.password) };
    target.username = '';
    target.password = '';
  }
  return urlSource(new HttpClient(client), { url: target, ...(options.name !== undefined ? { name: options.name } : {}) });
}

/**
 * Parses `Content-Range: bytes start-end/size` (or `bytes *\/size` of a 416).
 * `start` is undefined for the unsatisfied form; `size` when it is `*`.
 *
 * @example
 * ```ts
 * parseContentRange('bytes 100-199/1000'); // { start: 100, end: 199, size: 1000 }
 * parseContentRange('bytes *\/1000');      // { size: 1000 }
 * ```
 */
export function parseContentRange(value: string | null): {
  /** First byte of the range; absent in the `*` form. */
  start?: number;
  /** Last byte of the range, inclusive; absent in the `*` form. */
  end?: number;
  /** Size of the whole content in bytes; absent when it is `*`. */
  size?: number;
} | undefined {
  if (!value) return undefined;
  const match = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (!match) return undefined;
  const result: { start?: number; end?: number; size?: number } = {};
  if (match[1] !== undefined) result.start = Number(match[1]);
  if (match[2] !== undefined) result.end = Number(match[2]);
  if (match[3] !== '*') result.size = Number(match[3]);
  return result;
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
}
