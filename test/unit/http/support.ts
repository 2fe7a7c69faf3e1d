/**
 * Helpers of the HTTP layer's unit tests: a scripted fetch, a real loopback
 * server, and a client whose retry delays are deterministic and short.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FetchLike, HttpClientOptions, HttpEvent } from '../../../src/internal.js';
import { HttpClient } from '../../../src/internal.js';

/** One step of a scripted fetch: a response to return or an error to throw. */
export type Step = Response | Error | ((url: URL, init: RequestInit) => Response | Promise<Response>);

/** A fetch that plays `steps` in order and records what it was asked. */
export function scriptedFetch(steps: Step[]): FetchLike & { calls: Array<{ url: URL; init: RequestInit }> } {
  const calls: Array<{ url: URL; init: RequestInit }> = [];
  const fetch = async (input: URL | Request | string, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    calls.push({ url, init });
    const step = steps[Math.min(calls.length, steps.length) - 1];
    if (step === undefined) throw new Error('scriptedFetch: no steps');
    if (step instanceof Error) throw step;
    if (typeof step === 'function') return step(url, init);
    return step.clone();
  };
  return Object.assign(fetch, { calls });
}

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A fetch failure shaped like undici's: a TypeError whose cause has an errno code. */
export function networkError(code: string, message = 'fetch failed'): TypeError {
  const cause = Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
  return new TypeError(message, { cause });
}

/** A fetch that never answers until its signal aborts (then rejects like fetch does). */
export function hangingFetch(): FetchLike & { calls: number } {
  const fetch = Object.assign(
    (_input: URL | Request | string, init: RequestInit = {}): Promise<Response> => {
      fetch.calls++;
      return new Promise<Response>((_resolve, reject) => {
        const signal = init.signal;
        const fail = (): void => reject(signal?.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
        if (signal?.aborted) fail();
        signal?.addEventListener('abort', fail, { once: true });
      });
    },
    { calls: 0 },
  );
  return fetch;
}

/** Events collected from a client. */
export function collectEvents(): { events: HttpEvent[]; onEvent: (event: HttpEvent) => void; of: <T extends HttpEvent['type']>(type: T) => Extract<HttpEvent, { type: T }>[] } {
  const events: HttpEvent[] = [];
  return {
    events,
    onEvent: (event) => events.push(event),
    of: (type) => events.filter((e) => e.type === type) as never,
  };
}

/** A client with short, jitter-free backoff (10, 20, 40 ms ...), for tests. */
export function testClient(options: Partial<HttpClientOptions> & { fetch?: FetchLike }): HttpClient {
  return new HttpClient({
    baseUrl: 'http://api.test/v1/',
    retry: { retries: 3, minDelay: 10, factor: 2, maxDelay: 1000, jitter: 0 },
    ...options,
  });
}

/** A real HTTP server on a free loopback port. */
export interface TestServer {
  url: string;
  port: number;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1 with the given handler. */
export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = await startServer(() => undefined);
  await server.close();
  return server.port;
}
