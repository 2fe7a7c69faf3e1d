/**
 * `HttpClient`: the only place in the library that calls `fetch`.
 * @module
 */
import { AbortError, ConnectionError, HttpError, PulsarNetworkError, TimeoutError } from '../errors.js';
import { isSecretHeader, redactUrl, scrubCause, scrubText, SecretSet } from '../redact.js';
import { anySignal, deadline, throwIfAborted } from '../util/abort.js';
import { Semaphore } from '../util/semaphore.js';
import { Authenticator } from './auth.js';
import { connectFailure, hostPort } from './connect-failure.js';
import { DEFAULT_MAX_RESPONSE_BYTES, readCapped } from './bounded-body.js';
import { readJsonKeepingTails } from './json-tails.js';
import type { HttpEventListener } from './events.js';
import type { FetchLike, HttpClientOptions, JsonRequestOptions, QueryParams, RequestOptions } from './options.js';
import {
  appendQuery,
  describe,
  discard,
  isOneShotBody,
  isRetryable,
  isStream,
  optionalRetryAfter,
  parseJson,
  readExcerpt,
  responseFacts,
} from './request-parts.js';
import { resolveRetryPolicy, retry, withRetries } from './retry.js';

export type { CallOptions, FetchLike, HttpClientOptions, JsonRequestOptions, QueryParams, RequestOptions } from './options.js';
export { parseJson } from './request-parts.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A small HTTP client with auth, timeouts, retries, a concurrency cap, typed
 * errors and secret redaction. Every API client in this library is built on it.
 *
 * @example
 * ```ts
 * const http = new HttpClient({
 *   baseUrl: 'https://tes.example.org/ga4gh/tes/v1',
 *   auth: { type: 'bearer', token: process.env.TES_TOKEN! },
 *   retry: { retries: 3 },
 * });
 * const info = await http.json<{ name: string }>({ path: 'service-info' });
 * ```
 */
export class HttpClient {
  /** The base URL, always ending in `/`. */
  readonly baseUrl: URL;
  /** Every secret this client sends; errors and events are scrubbed against it. */
  readonly secrets = new SecretSet();
  readonly #options: HttpClientOptions;
  readonly #auth: Authenticator;
  readonly #limit: Semaphore | undefined;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.baseUrl = new URL(String(options.baseUrl));
    if (!this.baseUrl.pathname.endsWith('/')) this.baseUrl.pathname += '/';
    let auth = options.auth ?? { type: 'none' };
    // Credentials written into the base URL travel as basic auth (fetch refuses such URLs, quoting them whole)
    // unless the client has auth of its own; either way they leave the URL.
    if (this.baseUrl.username || this.baseUrl.password) {
      const username = decodeURIComponent(this.baseUrl.username);
      const password = decodeURIComponent(this.baseUrl.password);
      this.secrets.add(password);
      if (auth.type === 'none') auth = { type: 'basic', username, password };
      this.baseUrl.username = '';
      this.baseUrl.password = '';
    }
    this.#auth = new Authenticator(auth, this.secrets);
    this.#registerSecretHeaders(new Headers(options.headers));
    const max = options.maxConcurrency;
    this.#limit = max !== undefined && Number.isFinite(max) ? new Semaphore(max) : undefined;
  }

  /** Most requests in flight at once to this server (`maxConcurrency`); `Infinity` without a cap. */
  get maxConcurrency(): number {
    return this.#limit?.limit ?? Number.POSITIVE_INFINITY;
  }

  /** The base URL with secrets redacted, for messages. */
  get displayUrl(): string {
    return redactUrl(this.baseUrl);
  }

  /** Builds the absolute URL of a path below the base URL. */
  url(path = '', query?: QueryParams): URL {
    const url = new URL(path.replace(/^\/+/, ''), this.baseUrl);
    appendQuery(url, query);
    return url;
  }

  /** Scrubs this client's secrets and any URL-borne secrets from text. */
  scrub(text: string): string {
    return scrubText(text, this.secrets);
  }

  /**
   * Sends a request with retries and returns the response (or what `read`
   * returns). Non-success statuses throw an {@link HttpError} subclass.
   */
  async request<T = Response>(options: RequestOptions<T>): Promise<T> {
    const method = (options.method ?? 'GET').toUpperCase();
    const url = options.url !== undefined ? new URL(String(options.url)) : this.url(options.path ?? '');
    appendQuery(url, options.query);
    const shown = redactUrl(url);
    const what = `${method} ${shown}`;
    throwIfAborted(options.signal, what);
    const idempotent = options.idempotent ?? IDEMPOTENT.has(method);
    const replayable = !isOneShotBody(options.body);
    const policy = withRetries(resolveRetryPolicy(options.retry ?? this.#options.retry), options.retries);
    const totalMs = options.totalTimeout ?? this.#options.totalTimeout ?? 300_000;
    const total = deadline(totalMs);
    const signal = anySignal([options.signal, total.signal]) as AbortSignal;
    try {
      return await retry((attempt) => this.#attempt(options, { method, url, shown, attempt, signal }), policy, {
        signal,
        shouldRetry: (error, attempt) => !signal.aborted && replayable && isRetryable(error, idempotent, policy, attempt),
        retryAfterMs: (error) => (error instanceof HttpError ? error.retryAfterMs : undefined),
        onRetry: ({ error, attempt, delayMs }) =>
          this.#emit({ type: 'retry', method, url: shown, attempt, delayMs, reason: describe(error) }),
      });
    } catch (error) {
      if (options.signal?.aborted) {
        // Name the request, whether it was cut in flight, in a backoff sleep or waiting for a slot.
        throw new AbortError(what, { cause: scrubCause(error, this.secrets) });
      }
      if (total.expired()) {
        throw new TimeoutError({ scope: 'total', timeoutMs: totalMs, what, host: hostPort(url) }, { cause: scrubCause(error, this.secrets) });
      }
      throw error;
    } finally {
      total.clear();
    }
  }

  /**
   * Sends a request and parses the body as JSON, whatever its content type;
   * an answer larger than `maxBytes` is a {@link ResponseTooLargeError}.
   */
  async json<T = unknown>(options: JsonRequestOptions<T>): Promise<T> {
    const { maxBytes, keepTails, ...request } = options;
    const where = whereOf(options);
    const limit = maxBytes ?? this.#maxResponseBytes;
    return this.request<T>({
      ...request,
      read: async (response) =>
        keepTails === undefined
          ? parseJson<T>(new TextDecoder().decode(await readCapped(response.body, limit, where)), where, this.secrets)
          : ((await readJsonKeepingTails(response.body, { tailBytes: keepTails, maxBytes: limit, where, secrets: this.secrets })) as T),
    });
  }

  /** Sends a request and returns the body as text (at most the client's `maxResponseBytes`). */
  async text(options: Omit<RequestOptions<string>, 'read'>): Promise<string> {
    const where = whereOf(options);
    return this.request<string>({ ...options, read: async (response) => new TextDecoder().decode(await readCapped(response.body, this.#maxResponseBytes, where)) });
  }

  get #maxResponseBytes(): number {
    return this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /**
   * A `fetch`-shaped function over this client, for libraries that take a
   * fetch (an OpenAPI client, say). Auth, retries, timeouts and errors apply.
   */
  fetchAdapter(defaults: Pick<RequestOptions, 'idempotent' | 'signal' | 'timeout' | 'totalTimeout' | 'retry' | 'retries' | 'acceptStatus'> = {}): (input: Request) => Promise<Response> {
    return async (input: Request) => {
      const body = input.body ? new Uint8Array(await input.arrayBuffer()) : undefined;
      const headers = new Headers(input.headers);
      const request: RequestOptions = {
        ...defaults,
        method: input.method,
        url: input.url,
        headers,
        read: async (response) => {
          const bytes = await readCapped(response.body, this.#maxResponseBytes, `${input.method} ${redactUrl(input.url)}`);
          // 101, 204, 205 and 304 answers may not carry a body, not even an empty one.
          const body = NULL_BODY_STATUSES.has(response.status) ? null : (bytes as Uint8Array<ArrayBuffer>);
          return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
        },
      };
      if (body !== undefined) request.body = body;
      const signal = anySignal([defaults.signal, input.signal]);
      if (signal) request.signal = signal;
      return this.request(request);
    };
  }

  async #attempt<T>(
    options: RequestOptions<T>,
    ctx: { method: string; url: URL; shown: string; attempt: number; signal: AbortSignal },
  ): Promise<T> {
    const release = await this.#limit?.acquire(ctx.signal);
    const timeoutMs = options.timeout ?? this.#options.timeout ?? 30_000;
    const perAttempt = deadline(timeoutMs);
    const signal = anySignal([ctx.signal, perAttempt.signal]) as AbortSignal;
    const started = Date.now();
    try {
      let { response, credential } = await this.#send(options, ctx, signal, undefined, perAttempt.expired, timeoutMs);
      if (response.status === 401 && this.#auth.canRefresh) {
        discard(response.body);
        ({ response } = await this.#send(options, ctx, signal, { stale: credential }, perAttempt.expired, timeoutMs));
      }
      this.#emit({ type: 'response', method: ctx.method, url: ctx.shown, attempt: ctx.attempt, status: response.status, durationMs: Date.now() - started });
      if (!response.ok && !options.acceptStatus?.includes(response.status)) {
        throw HttpError.from({
          status: response.status,
          method: ctx.method,
          url: ctx.shown,
          ...responseFacts(response, this.secrets),
          bodyExcerpt: await readExcerpt(response, this.secrets),
          ...optionalRetryAfter(response),
        });
      }
      if (!options.read) return response as T;
      if (options.streaming) perAttempt.clear();
      try {
        return await options.read(response, options.streaming ? ctx.signal : signal);
      } catch (error) {
        throw this.#networkFailure(error, ctx, perAttempt.expired(), timeoutMs);
      }
    } catch (error) {
      this.#emit({ type: 'failure', method: ctx.method, url: ctx.shown, attempt: ctx.attempt, durationMs: Date.now() - started, reason: describe(error) });
      throw error;
    } finally {
      perAttempt.clear();
      release?.();
    }
  }

  async #send(
    options: RequestOptions<unknown>,
    ctx: { method: string; url: URL; shown: string; attempt: number; signal: AbortSignal },
    signal: AbortSignal,
    refresh: { stale: string | undefined } | undefined,
    timedOut: () => boolean,
    timeoutMs: number,
  ): Promise<{ response: Response; credential: string | undefined }> {
    const url = new URL(ctx.url);
    const headers = new Headers(this.#options.headers);
    const own = new Headers(options.headers);
    this.#registerSecretHeaders(own);
    own.forEach((value, name) => headers.set(name, value));
    // Credentials go only to the server they are for, never to another origin named by `url`.
    const credential =
      url.origin === this.baseUrl.origin
        ? await this.#auth.apply(url, headers, refresh ? { refresh, signal: ctx.signal } : { signal: ctx.signal })
        : undefined;
    let body: BodyInit | null | undefined = typeof options.body === 'function' ? await options.body() : options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const init: RequestInit & { duplex?: 'half' } = { method: ctx.method, headers, signal };
    if (body !== undefined && body !== null) {
      init.body = body;
      if (isStream(body)) {
        init.duplex = 'half';
        // A stream body cannot be replayed on a redirect anyway, and with any other
        // mode undici tees it and keeps every chunk in memory (nodejs/undici#4058).
        init.redirect = 'error';
      }
    }
    this.#emit({ type: 'request', method: ctx.method, url: ctx.shown, attempt: ctx.attempt });
    const fetchImpl: FetchLike = this.#options.fetch ?? ((input, requestInit) => globalThis.fetch(input, requestInit));
    try {
      return { response: await fetchImpl(url, init), credential };
    } catch (error) {
      throw this.#networkFailure(error, ctx, timedOut(), timeoutMs);
    }
  }

  #networkFailure(error: unknown, ctx: { method: string; url: URL; shown: string; signal: AbortSignal }, timedOut: boolean, timeoutMs: number): PulsarNetworkError {
    if (error instanceof PulsarNetworkError) return error;
    const what = `${ctx.method} ${ctx.shown}`;
    const cause = scrubCause(error, this.secrets);
    if (ctx.signal.aborted) return new AbortError(what, { cause });
    const failure = connectFailure(error, ctx.url);
    if (timedOut) return new TimeoutError({ scope: 'attempt', timeoutMs, what, host: failure.host }, { cause });
    const reason = this.scrub(failure.reason);
    return new ConnectionError({ method: ctx.method, url: ctx.shown, mayHaveBeenSent: !failure.neverSent, reason, host: failure.host, code: failure.code }, { cause });
  }

  /** Registers the values of credential-carrying headers (and the credential after `Bearer `/`Basic `) as secrets. */
  #registerSecretHeaders(headers: Headers): void {
    headers.forEach((value, name) => {
      if (!isSecretHeader(name)) return;
      this.secrets.add(value);
      const credential = /^[A-Za-z]+\s+(\S+)$/.exec(value.trim())?.[1];
      if (credential && credential.length >= 8) this.secrets.add(credential);
    });
  }

  #emit(event: Parameters<HttpEventListener>[0]): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // Listeners must not break requests.
    }
  }
}

/** A request as errors about its answer name it: `GET tasks/{id}`, or the redacted URL. */
function whereOf(options: Pick<RequestOptions<unknown>, 'method' | 'path' | 'url'>): string {
  return `${(options.method ?? 'GET').toUpperCase()} ${options.path ?? redactUrl(String(options.url ?? ''))}`;
}
