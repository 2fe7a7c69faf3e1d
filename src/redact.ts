/**
 * Secret redaction shared by every layer: URLs, free text and error causes.
 * @module
 */
import { escapeHtml } from './util/html.js';

/** What replaces a secret in any text this library produces. */
export const REDACTED = '[REDACTED]';

const SECRET_PARAM = /token|password|passwd|secret|key|signature|auth|credential|session/i;

/** Names that look like secrets but are not: TES list filters and page cursors (`tag_key=run`). */
const NOT_SECRET = /^(tag_key|tag_value|page_token|next_page_token)$/i;

/** Returns true when a query parameter or header of this name carries a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_PARAM.test(name) && !NOT_SECRET.test(name);
}

/** Returns true when a header of this name carries a credential: a secret-looking name, or a cookie. */
export function isSecretHeader(name: string): boolean {
  return isSecretName(name) || /cookie/i.test(name);
}

/**
 * Returns the URL as text with its user info and the values of secret-looking
 * query parameters (`private_token`, `access_token`, `job_key`, ...) replaced.
 *
 * @example
 * ```ts
 * redactUrl('https://pulsar.example.org/jobs?private_token=s3cret');
 * // 'https://pulsar.example.org/jobs?private_token=[REDACTED]'
 * ```
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return REDACTED;
  }
  if (parsed.username || parsed.password) {
    parsed.username = parsed.username ? 'REDACTED' : '';
    parsed.password = parsed.password ? 'REDACTED' : '';
  }
  for (const name of [...new Set(parsed.searchParams.keys())]) {
    if (isSecretName(name)) parsed.searchParams.set(name, REDACTED);
  }
  return parsed.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

/**
 * A set of secret values (tokens, passwords, encoded credentials) that must
 * never appear in messages. Layers register what they send; errors and events
 * are scrubbed against it.
 */
export class SecretSet {
  readonly #values = new Set<string>();

  /** Registers a secret with its URL-encoded form, its form inside a JSON string and its HTML-escaped form (reports, displays). */
  add(value: string | undefined | null): void {
    if (!value) return;
    for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), escapeHtml(value)]) this.#values.add(form);
  }

  /** Replaces every registered secret in the text. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#values) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }
}

/**
 * Scrubs text against a secret set (if any) and redacts URL-shaped secrets
 * in it: every http(s) URL is redacted, and a URL of another scheme
 * (`amqp://user:password@broker`) when it carries credentials.
 */
export function scrubText(text: string, secrets?: SecretSet): string {
  const scrubbed = secrets ? secrets.scrub(text) : text;
  return scrubbed
    .replace(/https?:\/\/[^\s"'<>]+/g, (match) => redactUrl(match))
    .replace(/\b(?!https?:)[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (match) => (/^[^/]+:\/\/[^/?#]*@|[?&][^=&#]*(token|password|secret|key|auth)/i.test(match) ? redactUrl(match) : match));
}

/**
 * A short single-line rendering of a value for an error message: text as it
 * is, anything else as JSON; scrubbed of secrets BEFORE it is cut, so half a
 * secret cannot slip through, and cut to `maxChars` with an ellipsis.
 *
 * @example
 * ```ts
 * excerptOf({ url: 'https://u:pw@host/x?token=t' }); // '{"url":"https://REDACTED:REDACTED@host/x?token=[REDACTED]"}'
 * ```
 */
export function excerptOf(value: unknown, secrets?: SecretSet, maxChars = 160): string {
  const text = typeof value === 'string' ? value : safeStringify(value);
  const scrubbed = scrubText(text, secrets).replace(/\s+/g, ' ').trim();
  return scrubbed.length > maxChars ? `${scrubbed.slice(0, maxChars)}…` : scrubbed;
}

/** A value quoted as JSON inside a problem message (a string keeps its quotes), scrubbed and cut like {@link excerptOf}. */
export function quotedExcerpt(value: unknown, secrets?: SecretSet, maxChars = 60): string {
  return excerptOf(safeStringify(value), secrets, maxChars);
}

/**
 * Returns a cause that is safe to attach to an error: the original when it
 * leaks nothing, otherwise a plain `Error` carrying the scrubbed message.
 */
export function scrubCause(cause: unknown, secrets?: SecretSet): unknown {
  if (cause === undefined || cause === null) return cause;
  if (!(cause instanceof Error)) {
    const text = typeof cause === 'string' ? cause : safeStringify(cause);
    return scrubText(text, secrets);
  }
  const text = `${cause.message}\n${cause.stack ?? ''}\n${ownFields(cause)}`;
  const scrubbedText = scrubText(text, secrets);
  if (scrubbedText === text && !hasLeakyCause(cause, secrets)) return cause;
  const safe = new Error(scrubText(cause.message, secrets));
  safe.name = cause.name;
  safe.stack = `${safe.name}: ${safe.message}`;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') (safe as Error & { code?: string }).code = code;
  const inner = (cause as { cause?: unknown }).cause;
  if (inner !== undefined) (safe as Error & { cause?: unknown }).cause = scrubCause(inner, secrets);
  return safe;
}

/** The error's own enumerable fields (what `util.inspect` shows), as text. */
function ownFields(error: Error): string {
  const fields = Object.entries(error).filter(([name]) => name !== 'cause');
  return fields.length === 0 ? '' : safeStringify(Object.fromEntries(fields));
}

function hasLeakyCause(error: Error, secrets?: SecretSet): boolean {
  const inner = (error as { cause?: unknown }).cause;
  if (inner === undefined) return false;
  return scrubCause(inner, secrets) !== inner;
}

/** The value as JSON, or as `String(value)` when JSON has no text for it (undefined, a function, a cycle). */
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
