/**
 * The small parts of a request the {@link HttpClient} is made of: JSON
 * parsing with redacted excerpts, query strings, which failures are
 * retried, and body handling.
 * @module
 */
import { AbortError, ConnectionError, HttpError, ProtocolError, PulsarNetworkError, TimeoutError } from '../errors.js';
import { excerptOf, isSecretHeader, REDACTED, scrubCause, scrubText, type SecretSet } from '../redact.js';
import { concatBytes } from './bounded-body.js';
import { codeKind } from './connect-failure.js';
import type { QueryParams, RequestOptions } from './options.js';
import { parseRetryAfter, type RetryPolicy } from './retry.js';

/**
 * Parses JSON text, or throws a {@link ProtocolError} with a short redacted excerpt.
 *
 * @example
 * ```ts
 * const body = parseJson<{ version: string }>(await response.text(), 'GET /healthz');
 * ```
 */
export function parseJson<T>(text: string, where: string, secrets?: SecretSet): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    const excerpt = excerptOf(text, secrets, 120);
    throw new ProtocolError({ where, problem: 'the answer is not valid JSON', excerpt }, { cause: scrubCause(withoutSnippet(error), secrets) });
  }
}

/** V8 quotes the start of the offending text in its message; that text may hold a secret too short to scrub. */
function withoutSnippet(error: unknown): unknown {
  if (!(error instanceof SyntaxError)) return error;
  const message = error.message.replace(/, ".*"(\.\.\.)? is not valid JSON/s, ' is not valid JSON');
  if (message === error.message) return error;
  const safe = new SyntaxError(message);
  safe.stack = `SyntaxError: ${message}`;
  return safe;
}

export function appendQuery(url: URL, query: QueryParams | undefined): void {
  if (!query) return;
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, String(item));
    else url.searchParams.append(name, String(value));
  }
}

export function isRetryable(error: unknown, idempotent: boolean, policy: RetryPolicy, attempt: number): boolean {
  if (error instanceof AbortError) return false;
  if (error instanceof ConnectionError) {
    const kind = codeKind(error.code);
    if (kind.tls) return false;
    if (kind.unreachable && attempt > policy.unreachableRetries) return false;
    return idempotent || !error.mayHaveBeenSent;
  }
  if (!idempotent) return false;
  if (error instanceof HttpError) return policy.statusCodes.includes(error.status);
  if (error instanceof TimeoutError) return error.scope === 'attempt';
  return false;
}

export function optionalRetryAfter(response: Response): { retryAfterMs?: number } {
  const ms = parseRetryAfter(response.headers.get('retry-after'));
  return ms === undefined ? {} : { retryAfterMs: ms };
}

export function describe(error: unknown): string {
  if (error instanceof PulsarNetworkError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) {
    const inner = (error as { cause?: unknown }).cause;
    const code = inner && typeof inner === 'object' ? (inner as { code?: unknown }).code : undefined;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

export function isStream(body: BodyInit): boolean {
  return typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
}

export function isOneShotBody(body: RequestOptions<unknown>['body']): boolean {
  return body !== undefined && body !== null && typeof body !== 'function' && isStream(body);
}

/**
 * Cancels a body we will not read, without waiting: the cancel of a teed body
 * (a cloned Response, as interceptors hand out) settles only when every branch
 * is cancelled, so awaiting it could hang the request.
 */
export function discard(body: ReadableStream<Uint8Array> | null): void {
  body?.cancel().catch(() => undefined);
}

const EXCERPT_BYTES = 2048;
const EXCERPT_CHARS = 500;

/** The start of an error answer's body, redacted; the rest is discarded unread. */
export async function readExcerpt(response: Response, secrets: SecretSet): Promise<string | undefined> {
  if (!response.body) return undefined;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that breaks while we read the excerpt still yields the error status.
  } finally {
    reader.releaseLock();
    discard(response.body);
  }
  const text = new TextDecoder().decode(concatBytes(chunks, size)).trim();
  return text ? excerptOf(text, secrets, EXCERPT_CHARS) : undefined;
}

/** At most this many of an answer's headers are kept, each value cut at {@link MAX_HEADER_CHARS} characters. */
const MAX_KEPT_HEADERS = 64;
const MAX_HEADER_CHARS = 256;

/** Headers that name a request on the server's side, most specific first. */
const REQUEST_ID_HEADERS = ['x-request-id', 'request-id', 'x-amzn-requestid', 'x-amz-request-id', 'x-correlation-id', 'x-trace-id', 'traceparent'];

/**
 * What an error keeps of the answer's headers: the first 64, each value cut at
 * 256 characters, with the values
 * of credential-carrying ones (cookies, tokens, auth) replaced by
 * `[REDACTED]` and known secrets scrubbed; and the request id, if the server
 * gave one.
 */
export function responseFacts(response: Response, secrets: SecretSet): { headers: Record<string, string>; requestId?: string } {
  const headers: Record<string, string> = {};
  let kept = 0;
  response.headers.forEach((value, name) => {
    // An error may outlive its request (a failed job keeps it): what a server sends is kept bounded.
    if (kept++ >= MAX_KEPT_HEADERS) return;
    // Scrubbed before it is cut: a cut secret would no longer be recognised.
    headers[name] = isSecretHeader(name) ? REDACTED : cut(scrubText(value, secrets));
  });
  // Looked up in the answer itself: the id may be past the headers kept.
  const raw = REQUEST_ID_HEADERS.map((name) => response.headers.get(name)).find((value) => value !== null);
  const id = raw == null ? undefined : cut(scrubText(raw, secrets));
  return id === undefined ? { headers } : { headers, requestId: id };
}

function cut(value: string): string {
  return value.length > MAX_HEADER_CHARS ? `${value.slice(0, MAX_HEADER_CHARS)}…` : value;
}
