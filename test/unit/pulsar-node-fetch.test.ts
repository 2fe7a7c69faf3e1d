import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, ConnectionError, HttpClient, transfer, uploadSink } from '../../src/internal.js';
import { nodeHttpFetch } from '../../src/node.js';

interface Received {
  method: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

describe('nodeHttpFetch', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      received.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8', 'x-multi': ['a', 'b'] });
      res.end(`got ${Buffer.concat(chunks).length} bytes`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('streams a ReadableStream body with the Content-Length it was given, never chunked', async () => {
    const parts = [new Uint8Array(1000).fill(1), new Uint8Array(24).fill(2)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const response = await nodeHttpFetch(`${base}up`, { method: 'POST', body, headers: { 'content-length': '1024' } });
    expect(await response.text()).toBe('got 1024 bytes');
    const last = received.at(-1) as Received;
    expect(last.headers['content-length']).toBe('1024');
    expect(last.headers['transfer-encoding']).toBeUndefined();
    expect([...last.body.subarray(998, 1002)]).toEqual([1, 1, 2, 2]);
  });

  it('sends Blob, bytes and text bodies with their length, and reads status and headers', async () => {
    for (const [body, size] of [
      [new Blob([new Uint8Array(7)]), 7],
      [new Uint8Array(3), 3],
      ['größe', 7],
    ] as const) {
      const response = await nodeHttpFetch(`${base}x`, { method: 'PUT', body });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-multi')).toBe('a, b');
      expect(await response.text()).toBe(`got ${size} bytes`);
      expect(received.at(-1)?.headers['content-length']).toBe(String(size));
    }
    const missing = await nodeHttpFetch(`${base}missing`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('nope');
  });

  it('works under HttpClient: refused connections are errors that were never sent', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((r) => closed.close(() => r()));
    const http = new HttpClient({ baseUrl: `http://127.0.0.1:${port}/`, fetch: nodeHttpFetch, retry: false });
    const error = await http.request({ method: 'POST', path: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).mayHaveBeenSent).toBe(false);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(nodeHttpFetch(`${base}x`, { signal: controller.signal })).rejects.toThrow();
  });

  it('rejects a request that was already aborted and releases its body at once', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped before it started'));
    const body = endless();
    await expect(nodeHttpFetch(`${base}x`, { method: 'POST', body: body.stream, signal: controller.signal, headers: { 'content-length': '1000000' } })).rejects.toThrow(
      'stopped before it started',
    );
    expect(body.cancelled()).toBe(true);
  });
});

/** A body that never ends on its own; says whether its reader cancelled it. */
function endless(): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean; pulled: () => number } {
  let cancelled = false;
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, cancelled: () => cancelled, pulled: () => pulled };
}

/** A server that takes requests but never reads their bodies (a stalled peer); `reset` drops every connection. */
async function stalledServer(): Promise<{ url: string; reset: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer(() => undefined);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    reset: () => {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => r());
      }),
  };
}

describe('nodeHttpFetch ends every request it cannot finish', () => {
  const SIZE = 256 * 1024 * 1024;

  it('an abort while the peer reads nothing rejects at once, and the body source is cancelled', async () => {
    const server = await stalledServer();
    try {
      const body = endless();
      const controller = new AbortController();
      const pending = nodeHttpFetch(server.url, { method: 'POST', body: body.stream, signal: controller.signal, headers: { 'content-length': String(SIZE) } });
      // Until the socket buffers are full and the body waits for the peer.
      await until(() => body.pulled() > 1024 * 1024);
      const started = Date.now();
      controller.abort(new Error('user pressed stop'));
      await expect(pending).rejects.toThrow('user pressed stop');
      expect(Date.now() - started).toBeLessThan(1000);
      await until(() => body.cancelled());
    } finally {
      await server.close();
    }
  });

  it('a connection reset mid-body rejects, and the body source is cancelled', async () => {
    const server = await stalledServer();
    try {
      const body = endless();
      const pending = nodeHttpFetch(server.url, { method: 'POST', body: body.stream, headers: { 'content-length': String(SIZE) } });
      await until(() => body.pulled() > 1024 * 1024);
      server.reset();
      await expect(pending).rejects.toThrow();
      await until(() => body.cancelled());
    } finally {
      await server.close();
    }
  });

  it('an upload through the transfer engine stops with AbortError when the peer stalls, not waiting for it', async () => {
    const server = await stalledServer();
    try {
      const body = endless();
      const controller = new AbortController();
      const http = new HttpClient({ baseUrl: server.url, fetch: nodeHttpFetch, retry: false });
      const upload = transfer({
        from: { name: 'endless', size: SIZE, replayable: false, read: (_options, consume) => consume({ stream: body.stream, offset: 0, size: SIZE }) },
        to: uploadSink(http, { method: 'POST', path: 'up' }),
        signal: controller.signal,
        limiter: false,
      });
      await until(() => body.pulled() > 1024 * 1024);
      const started = Date.now();
      controller.abort();
      await expect(upload).rejects.toBeInstanceOf(AbortError);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(body.cancelled()).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('a response aborted after it arrived, its last bytes unread, errors its body instead of leaving the reader waiting', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(new Uint8Array(4 * 1024 * 1024)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const controller = new AbortController();
      const response = await nodeHttpFetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: controller.signal });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      // Let the rest arrive and wait unread in the socket.
      await new Promise((r) => setTimeout(r, 100));
      controller.abort(new Error('enough'));
      const outcome = await Promise.race([
        (async () => {
          for (;;) if ((await reader.read()).done) return 'ended';
        })().catch((e: unknown) => (e as Error).message),
        new Promise((r) => setTimeout(() => r('still waiting'), 2000)),
      ]);
      expect(outcome).toBe('enough');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const ends = Date.now() + ms;
  while (!check()) {
    if (Date.now() > ends) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
