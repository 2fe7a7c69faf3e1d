// A planted secret (bearer token, provided token, basic password, Pulsar's
// private_token) must appear nowhere in any error the HTTP layer throws —
// message, stack, String(), JSON, toJSON(), util.inspect — nor in its events,
// even when the server echoes the request back in its body.
import type { IncomingMessage } from 'node:http';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  HttpClient,
  type HttpClientOptions,
  HttpError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ProtocolError,
  PulsarNetworkError,
  RateLimitError,
  REDACTED,
  ServerError,
  TimeoutError,
} from '../../../src/internal.js';
import { closedPort, collectEvents, startServer, type TestServer } from './support.js';

type Auth = NonNullable<HttpClientOptions['auth']>;

const AUTHS: Array<{ name: string; auth: Auth; secrets: string[] }> = [
  { name: 'bearer token', auth: { type: 'bearer', token: 'BEARER-SECRET-aaa111' }, secrets: ['BEARER-SECRET-aaa111'] },
  { name: 'token provider', auth: { type: 'bearer', token: async () => 'PROVIDED-SECRET-bbb222' }, secrets: ['PROVIDED-SECRET-bbb222'] },
  {
    name: 'basic password',
    auth: { type: 'basic', username: 'ada', password: 'BASIC-PASSWORD-ccc333' },
    secrets: ['BASIC-PASSWORD-ccc333', Buffer.from('ada:BASIC-PASSWORD-ccc333').toString('base64')],
  },
  { name: 'private_token', auth: { type: 'query', name: 'private_token', value: 'PRIVATE-TOKEN-ddd444' }, secrets: ['PRIVATE-TOKEN-ddd444'] },
];

/** Everything a server can echo: the URL (with private_token), the Authorization header, the decoded basic credentials. */
function echo(req: IncomingMessage): string {
  const authorization = req.headers.authorization;
  const basic = authorization?.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString() : '';
  return `${authorization ?? ''} (${basic}) you sent ${req.url} full http://127.0.0.1${req.url} headers ${JSON.stringify(req.headers)}`;
}

/** Only the secret itself, as an answer that is not JSON. */
function rawSecret(url: string | undefined, authorization: string | undefined): string {
  const token = new URL(url ?? '/', 'http://x').searchParams.get('private_token');
  if (token) return token;
  if (authorization?.startsWith('Basic ')) return Buffer.from(authorization.slice(6), 'base64').toString().split(':')[1] ?? '';
  return authorization?.replace(/^Bearer /, '') ?? '';
}

let server: TestServer;
let refusedPort: number;

beforeAll(async () => {
  server = await startServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = echo(req);
    const status = /^\/status\/(\d+)$/.exec(path);
    if (status) res.writeHead(Number(status[1]), { 'content-type': 'text/plain' }).end(body);
    else if (path === '/notjson') res.writeHead(200, { 'content-type': 'application/json' }).end(`{"echo": ${body}`);
    else if (path === '/rawsecret') res.writeHead(200).end(rawSecret(req.url, req.headers.authorization));
    else if (path === '/busy') res.writeHead(503, { 'retry-after': '30' }).end(body);
    else if (path === '/drop') req.socket.destroy();
    // '/hang': never answers.
  });
  refusedPort = await closedPort();
});
afterAll(() => server.close());

interface Case {
  name: string;
  type: abstract new (...args: never[]) => PulsarNetworkError;
  run: (make: (extra?: Partial<HttpClientOptions>) => HttpClient) => Promise<unknown>;
  /** True when the echoed body reaches the error (so redaction is really exercised). */
  echoes?: boolean;
}

const statusCase = (status: number, type: Case['type']): Case => ({
  name: `HTTP ${status}`,
  type,
  echoes: true,
  run: (make) => make().request({ path: `status/${status}` }),
});

const CASES: Case[] = [
  statusCase(400, BadRequestError),
  statusCase(401, AuthenticationError),
  statusCase(403, PermissionDeniedError),
  statusCase(404, NotFoundError),
  statusCase(409, ConflictError),
  statusCase(413, PayloadTooLargeError),
  statusCase(418, HttpError),
  statusCase(429, RateLimitError),
  statusCase(500, ServerError),
  { name: 'connection dropped', type: ConnectionError, run: (make) => make().request({ path: 'drop' }) },
  {
    name: 'connection refused',
    type: ConnectionError,
    run: (make) => make({ baseUrl: `http://127.0.0.1:${refusedPort}/` }).request({ path: 'x' }),
  },
  {
    name: 'network error whose message echoes the URL and header',
    type: ConnectionError,
    run: (make) =>
      make({
        fetch: async (input, init) => {
          const auth = new Headers(init?.headers).get('authorization');
          const cause = Object.assign(new Error(`socket said ${auth}`), { code: 'ECONNRESET', header: auth, url: String(input) });
          throw new TypeError(`error sending request for url (${String(input)}): ${auth}`, { cause });
        },
      }).request({ path: 'x' }),
  },
  { name: 'per-attempt timeout', type: TimeoutError, run: (make) => make({ timeout: 50 }).request({ path: 'hang' }) },
  { name: 'total timeout', type: TimeoutError, run: (make) => make({ timeout: 5000, totalTimeout: 80 }).request({ path: 'hang' }) },
  {
    name: 'abort during the request',
    type: AbortError,
    run: (make) => make().request({ path: 'hang', signal: AbortSignal.timeout(50) }),
  },
  {
    name: 'abort during the backoff sleep',
    type: AbortError,
    run: (make) => make().request({ path: 'busy', signal: AbortSignal.timeout(150) }),
  },
  { name: 'invalid JSON echoing the request', type: ProtocolError, echoes: true, run: (make) => make().json({ path: 'notjson' }) },
  { name: 'invalid JSON that is only the secret', type: ProtocolError, echoes: true, run: (make) => make().json({ path: 'rawsecret' }) },
];

/** Every text form of an error and what came with it. */
function surfaces(error: unknown, events: unknown[]): Record<string, string> {
  const e = error as PulsarNetworkError;
  return {
    message: e.message,
    stack: String(e.stack),
    string: String(e),
    json: JSON.stringify(e),
    toJSON: JSON.stringify(e.toJSON()),
    inspect: inspect(e, { depth: 20 }),
    inspectHidden: inspect(e, { depth: 20, showHidden: true }),
    causeChain: chain(e),
    events: JSON.stringify(events),
  };
}

function chain(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    parts.push(e instanceof Error ? `${e.message}\n${e.stack}\n${JSON.stringify({ ...e })}` : String(e));
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

describe.each(AUTHS)('no $name leaks', ({ auth, secrets }) => {
  it.each(CASES)('$name', async ({ type, run, echoes }) => {
    const { events, onEvent } = collectEvents();
    const make = (extra: Partial<HttpClientOptions> = {}): HttpClient =>
      new HttpClient({ baseUrl: server.url, auth, onEvent, retry: { retries: 1, minDelay: 1, jitter: 0 }, ...extra });
    const error = await run(make).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(PulsarNetworkError);
    if (echoes) expect(surfaces(error, events).message).toContain(REDACTED);
    for (const [surface, text] of Object.entries(surfaces(error, events))) {
      for (const secret of secrets) {
        expect(text.includes(secret), `${surface} contains ${secret}:\n${text}`).toBe(false);
        // V8 quotes the first 10 characters of bad JSON: not even a prefix may show.
        expect(text.includes(secret.slice(0, 10)), `${surface} contains the start of ${secret}:\n${text}`).toBe(false);
      }
    }
  });
});

it('the echo server really receives the secrets (so the test above can fail)', async () => {
  for (const { auth, secrets } of AUTHS) {
    const http = new HttpClient({ baseUrl: server.url, auth });
    const response = await http.request({ path: 'status/200' });
    const body = await response.text();
    expect(secrets.some((s) => body.includes(s)), body).toBe(true);
  }
});

it.each([
  ['a per-request Authorization header', {}, { authorization: 'Bearer PER-REQUEST-SECRET-eee555' }, 'PER-REQUEST-SECRET-eee555'],
  ['a client-level token header', { 'x-auth-token': 'CLIENT-HEADER-SECRET-fff666' }, {}, 'CLIENT-HEADER-SECRET-fff666'],
])('%s does not leak through an error body that echoes every header', async (_name, clientHeaders, requestHeaders, secret) => {
  const { events, onEvent } = collectEvents();
  const http = new HttpClient({ baseUrl: server.url, headers: clientHeaders, retry: false, onEvent });
  const error = await http.request({ path: 'status/400', headers: requestHeaders }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BadRequestError);
  expect((error as BadRequestError).message).toContain(REDACTED);
  for (const [surface, text] of Object.entries(surfaces(error, events))) {
    expect(text.includes(secret), `${surface} contains ${secret}:\n${text}`).toBe(false);
  }
});
