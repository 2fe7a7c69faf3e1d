import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, HttpClient } from '../../src/index.js';
import { nodeHttpFetch } from '../../src/node/index.js';

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
});
