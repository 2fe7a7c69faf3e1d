/**
 * The HTTP server the runtime matrix talks to: JSON answers, one 503 before
 * success on `flaky/<label>`, a 404, PUT and GET of `blob/<key>`, CORS for the browser, and static files
 * (the browser page and its bundle) from an optional folder.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** A started server; `close()` stops it. */
export interface ApiServer {
  url: string;
  /** `METHOD path` of every request, in order. */
  requests: string[];
  /** Every PUT to `blob/<key>`: the bytes' size and sha256 as received, and the Content-Length header sent (null without one). */
  uploads: Array<{ key: string; size: number; sha256: string; contentLength: string | null }>;
  close(): Promise<void>;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-expose-headers': 'retry-after',
};

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript' };

/** Starts the server on a free loopback port. `token` is the bearer token it expects. */
export async function startApiServer(options: { token: string; staticDir?: string }): Promise<ApiServer> {
  const requests: string[] = [];
  const flakyCalls = new Map<string, number>();
  const blobs = new Map<string, Buffer>();
  const uploads: ApiServer['uploads'] = [];

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { ...CORS, 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}`);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS).end();
      return;
    }
    if (url.pathname.startsWith('/static/') && options.staticDir) {
      const name = normalize(url.pathname.slice('/static/'.length));
      if (name.startsWith('..')) return answer(res, 400, { error: 'bad path' });
      const body = await readFile(join(options.staticDir, name)).catch(() => undefined);
      if (!body) return answer(res, 404, { error: 'no such file' });
      res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream' }).end(body);
      return;
    }
    const authorized = req.headers.authorization === `Bearer ${options.token}`;
    if (url.pathname === '/api/hello') {
      return answer(res, 200, { hello: 'pulsar-network', label: url.searchParams.get('label'), authorized });
    }
    if (url.pathname.startsWith('/api/flaky/')) {
      const key = url.pathname.slice('/api/flaky/'.length);
      const calls = (flakyCalls.get(key) ?? 0) + 1;
      flakyCalls.set(key, calls);
      if (calls === 1) return answer(res, 503, { error: 'busy, try again' }, { 'retry-after': '0' });
      return answer(res, 200, { calls, authorized });
    }
    if (url.pathname.startsWith('/api/blob/')) {
      const key = url.pathname.slice('/api/blob/'.length);
      if (!authorized) return answer(res, 401, { error: 'no token' });
      if (req.method === 'PUT') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks);
        const declared = req.headers['content-length'];
        if (declared !== undefined && Number(declared) !== body.length) return answer(res, 400, { error: 'body shorter than Content-Length' });
        blobs.set(key, body);
        uploads.push({ key, size: body.length, sha256: createHash('sha256').update(body).digest('hex'), contentLength: declared ?? null });
        return answer(res, 201, { size: body.length });
      }
      const body = blobs.get(key);
      if (!body) return answer(res, 404, { error: 'no such blob' });
      res.writeHead(200, { ...CORS, 'content-type': 'application/octet-stream', 'content-length': String(body.length) }).end(body);
      return;
    }
    return answer(res, 404, { error: `no such resource: ${url.pathname}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => answer(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    uploads,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts an API server (expecting `token`) before the tests of the calling file and stops it after; returns a getter. */
export function useApiServer(token: string): () => ApiServer {
  let server: ApiServer | undefined;
  beforeAll(async () => {
    server = await startApiServer({ token });
  });
  afterAll(() => server?.close());
  return () => {
    if (!server) throw new Error('the API server has not started');
    return server;
  };
}
