/**
 * A small static file server for tests and benches: GET/HEAD with single
 * byte ranges, `If-Range`, strong ETags and Last-Modified, 416 answers, and
 * PUT uploads that are written under a temporary name and renamed only when
 * the whole declared body arrived. It counts the body bytes it sends.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface StaticServerOptions {
  /** Directory served (and written by PUT). */
  root: string;
  /** Honour Range requests. @default true */
  ranges?: boolean;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  range?: string;
  ifRange?: string;
  status: number;
  bodyBytes: number;
}

export interface StaticServer {
  url: string;
  /** Response body bytes sent so far (aborted responses count what was written). */
  readonly bytesSent: number;
  readonly requests: LoggedRequest[];
  close(): Promise<void>;
}

export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const state = { bytesSent: 0, requests: [] as LoggedRequest[] };
  const server = createServer((req, res) => {
    handle(req, res, options, state).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    get bytesSent() {
      return state.bytesSent;
    },
    requests: state.requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: StaticServerOptions,
  state: { bytesSent: number; requests: LoggedRequest[] },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const relative = normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '');
  if (relative.startsWith('..') || relative === '') {
    res.writeHead(400).end('bad path');
    return;
  }
  const path = join(options.root, relative);
  const entry: LoggedRequest = { method: req.method ?? 'GET', path: url.pathname, status: 0, bodyBytes: 0 };
  if (req.headers.range) entry.range = req.headers.range;
  if (req.headers['if-range']) entry.ifRange = String(req.headers['if-range']);
  state.requests.push(entry);

  if (req.method === 'PUT') {
    const temporary = `${path}.upload-${process.pid}-${state.requests.length}`;
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
    });
    try {
      await pipeline(req, createWriteStream(temporary));
    } catch {
      await unlink(temporary).catch(() => undefined);
      return;
    }
    if (declared !== undefined && received !== declared) {
      await unlink(temporary).catch(() => undefined);
      entry.status = 400;
      res.writeHead(400).end(`expected ${declared} bytes, got ${received}`);
      return;
    }
    await rename(temporary, path);
    entry.status = 201;
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ size: received }));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  let info;
  try {
    info = await stat(path);
  } catch {
    entry.status = 404;
    res.writeHead(404).end('not found');
    return;
  }
  const size = info.size;
  const etag = `"${size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}-${info.ino.toString(16)}"`;
  const headers: Record<string, string | number> = {
    etag,
    'last-modified': info.mtime.toUTCString(),
    'content-type': 'application/octet-stream',
  };
  if (options.ranges !== false) headers['accept-ranges'] = 'bytes';

  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = options.ranges === false ? undefined : req.headers.range;
  const ifRange = req.headers['if-range'];
  if (range && (ifRange === undefined || ifRange === etag)) {
    const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (match && (match[1] !== '' || match[2] !== '')) {
      if (match[1] === '') {
        start = Math.max(0, size - Number(match[2]));
      } else {
        start = Number(match[1]);
        if (match[2] !== '') end = Math.min(end, Number(match[2]));
      }
      if (start >= size || start > end) {
        entry.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
  }
  headers['content-length'] = size === 0 ? 0 : end - start + 1;
  entry.status = status;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  const body = createReadStream(path, { start, end, highWaterMark: 1024 * 1024 });
  body.on('data', (chunk) => {
    state.bytesSent += chunk.length;
    entry.bodyBytes += chunk.length;
  });
  await pipeline(body, res).catch(() => undefined);
}

/** A file of random bytes served by a static range server, and a directory for downloads. */
export interface ServedRandomFile {
  /** The served directory (the file is `big.bin` in it). */
  root: string;
  /** An empty directory for downloads. */
  out: string;
  server: StaticServer;
  /** The file's bytes. */
  data: Buffer;
  /** Stops the server and removes both directories. */
  close(): Promise<void>;
}

/** Serves `size` random bytes as `big.bin` from a temp directory named after `prefix`. */
export async function servedRandomFile(prefix: string, size: number): Promise<ServedRandomFile> {
  const root = await mkdtemp(join(tmpdir(), `${prefix}-src-`));
  const out = await mkdtemp(join(tmpdir(), `${prefix}-out-`));
  const data = randomBytes(size);
  await writeFile(join(root, 'big.bin'), data);
  const server = await startStaticServer({ root });
  const close = async (): Promise<void> => {
    await server.close();
    await rm(root, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  };
  return { root, out, server, data, close };
}
