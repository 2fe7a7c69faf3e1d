/**
 * A loopback reverse proxy in front of a real server that passes every
 * request through, except those an `override` answers itself: the test
 * peers that play a hostile Pulsar or TES server (a real job, then an
 * answer no honest server would give).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Answers a request itself (returns true), or lets it through (returns false). */
export type Override = (req: IncomingMessage, res: ServerResponse, upstream: URL) => boolean | Promise<boolean>;

export interface OverrideProxy {
  /** The proxy's URL, with the target's path. */
  url: string;
  close(): Promise<void>;
}

export async function startOverrideProxy(target: string, override: Override): Promise<OverrideProxy> {
  const base = new URL(target);
  const server = createServer((req, res) => {
    const upstream = new URL(req.url ?? '/', base.origin);
    void Promise.resolve(override(req, res, upstream)).then((handled) => {
      if (handled) return;
      const forward = httpRequest(upstream, { method: req.method, headers: { ...req.headers, host: base.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.href,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `count` bytes of `x`, then `last`, and ends the answer: never holding more than one chunk, with back-pressure. */
export function streamBytes(res: ServerResponse, count: number, last: string): Promise<void> {
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  let left = count;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end(last, () => resolve());
    };
    res.once('close', () => resolve());
    pump();
  });
}
