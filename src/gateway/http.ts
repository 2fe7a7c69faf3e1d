/**
 * HTTP plumbing of the gateway: JSON answers, error answers, bounded bodies,
 * bearer-token clients.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An answer other than 200: its status and JSON body `{ status, message, problems? }`. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: string[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Writes the answer of a {@link HttpProblem}. */
export function sendProblem(res: ServerResponse, problem: HttpProblem): void {
  const body: Record<string, unknown> = { status: problem.status, message: problem.message };
  if (problem.problems.length > 0) body.problems = problem.problems;
  sendJson(res, problem.status, body, problem.headers);
}

/** Reads a JSON body of at most `limit` bytes: 413 when larger, 400 when not JSON. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new HttpProblem(413, `the body is ${declared} bytes; at most ${limit} are accepted`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new HttpProblem(413, `the body is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpProblem(400, 'a JSON body is required', ['$: missing']);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpProblem(400, 'the body is not JSON', [`$: ${error instanceof Error ? error.message : String(error)}`]);
  }
}

/** Identifies clients by bearer token, in constant time per token. */
export class BearerClients {
  readonly #digests: Array<{ name: string; digest: Buffer }>;

  /** `clients` maps a client's name to its token. */
  constructor(clients: Record<string, string>) {
    this.#digests = Object.entries(clients).map(([name, token]) => ({ name, digest: digest(token) }));
  }

  get size(): number {
    return this.#digests.length;
  }

  /** The client's name, or undefined when the header carries no known token. */
  identify(authorization: string | undefined): string | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const given = digest(match[1] as string);
    let found: string | undefined;
    for (const { name, digest: known } of this.#digests) if (timingSafeEqual(given, known)) found ??= name;
    return found;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
