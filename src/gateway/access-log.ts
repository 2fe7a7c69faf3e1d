/**
 * The gateway's optional access log: one entry per answered request, with
 * the method, the path (never the query, which may carry secrets), the
 * status, the client's name and the duration. Never a token.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One answered request. */
export interface AccessLogEntry {
  /** When the request arrived (ISO 8601). */
  time: string;
  /** The HTTP method. */
  method: string;
  /** The request path, without its query string, cut to 256 characters. */
  path: string;
  /** The answer's status code (0 when the connection closed before an answer). */
  status: number;
  /** The authenticated client's name; absent when the request was not authenticated. */
  client?: string;
  /** From the request's arrival to the end of the answer, in milliseconds. */
  durationMs: number;
}

/**
 * One entry as a line: `time method path status client durationMs` (`-`
 * for no client).
 *
 * @example
 * ```ts
 * formatAccessLog({ time: '2026-01-01T00:00:00.000Z', method: 'GET', path: '/v1/tasks/service-info', status: 200, client: 'toil', durationMs: 3 });
 * // '2026-01-01T00:00:00.000Z GET /v1/tasks/service-info 200 toil 3ms'
 * ```
 */
export function formatAccessLog(entry: AccessLogEntry): string {
  return `${entry.time} ${entry.method} ${entry.path} ${entry.status} ${entry.client ?? '-'} ${entry.durationMs}ms`;
}

/**
 * Wraps a request handler so that `log` hears of every request once its
 * answer is sent (or its connection closed); `clientOf` names the client
 * the handler authenticated.
 */
export function withAccessLog(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  log: (entry: AccessLogEntry) => void,
  clientOf: (req: IncomingMessage) => string | undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    const time = new Date().toISOString();
    let logged = false;
    const done = (): void => {
      if (logged) return;
      logged = true;
      const entry: AccessLogEntry = { time, method: req.method ?? '?', path: pathOf(req.url), status: res.writableFinished ? res.statusCode : 0, durationMs: Math.round(performance.now() - started) };
      const client = clientOf(req);
      if (client !== undefined) entry.client = client;
      try {
        log(entry);
      } catch {
        // A failing log never fails the answer.
      }
    };
    res.once('finish', done);
    res.once('close', done);
    handler(req, res);
  };
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] as string;
  return path.length > 256 ? `${path.slice(0, 256)}…` : path;
}
