/**
 * What a failed `fetch` says about the connection: the system error code
 * (undici puts it in `error.cause.code`, sometimes inside an AggregateError;
 * node:http on the error itself), the server as `host:port`, a short cause a
 * user can act on, and whether the request can have left this process.
 * @module
 */

/** Failures that seldom heal within a backoff: nothing listens, no such name, no route. None sent a byte. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/** Short causes by code. */
const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused, nothing listens there',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed for now',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'the server closed the connection while the request was sent',
  UND_ERR_SOCKET: 'the server closed the connection',
  UND_ERR_HEADERS_TIMEOUT: 'no answer headers in time',
  UND_ERR_BODY_TIMEOUT: 'the answer body stalled',
  EPROTO: 'TLS handshake failed (is it an https:// server?)',
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain holds a self-signed certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate issuer is not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate issuer is not trusted",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate does not name this host",
};

/** What a failed fetch tells about the connection. */
export interface ConnectFailure {
  /** The system error code, when there is one. */
  code?: string;
  /** The server as `host:port`. */
  host: string;
  /** A short cause naming the server, e.g. `cannot connect to 127.0.0.1:9: connection refused (ECONNREFUSED)`. */
  reason: string;
  /** True when the request certainly never left (no connection, no TLS session). */
  neverSent: boolean;
  /** True for a failure that seldom heals within a backoff (see `RetryOptions.unreachableRetries`). */
  unreachable: boolean;
  /** True for a TLS certificate or handshake failure: sending again cannot help. */
  tls: boolean;
}

/**
 * The server of a URL as `host:port`, the default port written out.
 *
 * @example
 * ```ts
 * hostPort(new URL('https://tes.example.org/v1')); // 'tes.example.org:443'
 * ```
 */
export function hostPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? '443' : url.protocol === 'http:' || url.protocol === 'ws:' ? '80' : '');
  return port ? `${url.hostname}:${port}` : url.hostname;
}

/**
 * The first system error code in an error, its causes and, for an
 * AggregateError, its errors (undici's connection attempts to every address).
 *
 * @example
 * ```ts
 * systemCode(await fetch('http://127.0.0.1:9/').catch((e) => e)); // 'ECONNREFUSED'
 * ```
 */
export function systemCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
    queue.push((e as { cause?: unknown }).cause);
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return undefined;
}

/** The innermost message of an error chain (the one closest to the system). */
function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const text = (e as { message?: unknown }).message;
    if (typeof text === 'string' && text !== '') message = text;
  }
  return message;
}

/**
 * Reads a failed fetch to `url`.
 *
 * @example
 * ```ts
 * const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
 * const failure = connectFailure(error, new URL('http://127.0.0.1:9/tasks'));
 * failure.reason; // 'cannot connect to 127.0.0.1:9: connection refused, nothing listens there (ECONNREFUSED)'
 * ```
 */
export function connectFailure(error: unknown, url: URL): ConnectFailure {
  const host = hostPort(url);
  const refusedText = /connection refused/i.test(innermostMessage(error));
  const code = systemCode(error) ?? (refusedText ? 'ECONNREFUSED' : undefined);
  const kind = codeKind(code);
  const cause = (code && CAUSES[code]) ?? innermostMessage(error);
  const tail = code ? ` (${code})` : '';
  const reason = kind.neverSent
    ? `cannot connect${kind.tls ? ' securely' : ''} to ${host}: ${cause}${tail}`
    : `the connection to ${host} failed: ${cause}${tail}`;
  const failure: ConnectFailure = { host, reason, ...kind };
  if (code !== undefined) failure.code = code;
  return failure;
}

/**
 * What a system error code means for sending again: whether the request
 * never left, whether the server is unreachable, whether TLS failed.
 *
 * @example
 * ```ts
 * codeKind('ECONNREFUSED'); // { neverSent: true, unreachable: true, tls: false }
 * ```
 */
export function codeKind(code: string | undefined): Pick<ConnectFailure, 'neverSent' | 'unreachable' | 'tls'> {
  if (code === undefined) return { neverSent: false, unreachable: false, tls: false };
  const tls = code === 'EPROTO' || /CERT|SELF_SIGNED|ERR_TLS|ERR_SSL|VERIFY/.test(code);
  const unreachable = UNREACHABLE.has(code);
  // A name lookup that failed for now (EAI_AGAIN) may heal, but it sent nothing either.
  return { neverSent: tls || unreachable || code === 'EAI_AGAIN', unreachable, tls };
}
