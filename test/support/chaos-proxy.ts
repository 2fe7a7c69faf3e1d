/**
 * A loopback HTTP proxy that sits between the SDK and a real server and, by
 * seed and rate, breaks requests on purpose:
 *
 * - `reset`: the connection is reset after N body bytes (request body for
 *   uploads, response body otherwise);
 * - `stall`: after N body bytes nothing more flows until `stallMs` passes;
 * - `status`: a 502 or 503 is answered without asking the server;
 * - `truncate`: the response body ends cleanly after N bytes, its
 *   Content-Length removed, so nothing on the wire says it is short.
 *
 * It counts every fault it actually injected. Decisions come from a seeded
 * generator in the order requests arrive.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { seededRandom as librarySeededRandom } from '../../src/internal.js';

export type FaultKind = 'reset' | 'stall' | 'status' | 'truncate';

export interface ChaosProxyOptions {
  /** Base URL of the real server. */
  target: string;
  seed: number;
  /** Share of requests that get a fault, in [0, 1]. */
  rate: number;
  /** Faults to choose from. @default all four */
  faults?: readonly FaultKind[];
  /** Faults happen within the first this many body bytes (or the body's length, when shorter and known). @default 262144 */
  maxOffset?: number;
  /** How long a stall holds the connection before it is dropped. @default 30000 */
  stallMs?: number;
  /** Which requests may get a fault. @default every request */
  eligible?: (request: { method: string; path: string; headers: IncomingHttpHeaders }) => boolean;
  /**
   * Faults placed on purpose: asked for every request (before the random
   * choice, which still draws its numbers, so the seeded sequence is the same),
   * a fault kind it returns is injected whatever the rate. A response fault
   * strikes after the server has answered: `reset` then loses an answer the
   * server already acted on.
   */
  plan?: (request: { method: string; path: string }) => FaultKind | undefined;
}

export interface InjectedFault {
  kind: FaultKind;
  method: string;
  path: string;
  /** Body bytes that had passed when the fault struck. */
  atByte: number;
}

export interface ChaosProxy {
  url: string;
  /** Faults injected so far, by kind. */
  readonly counts: Record<FaultKind, number>;
  readonly total: number;
  readonly injected: InjectedFault[];
  /** Requests seen. */
  readonly requests: number;
  /** Changes the fault rate from now on (e.g. 0 to let a final check through). */
  setRate(rate: number): void;
  close(): Promise<void>;
}

/** The library's seeded generator (mulberry32) as a function, to pick faults reproducibly. */
export function seededRandom(seed: number): () => number {
  const random = librarySeededRandom(seed);
  return () => random.next();
}

const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

export async function startChaosProxy(options: ChaosProxyOptions): Promise<ChaosProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed);
  const kinds = options.faults ?? (['reset', 'stall', 'status', 'truncate'] as const);
  const maxOffset = options.maxOffset ?? 256 * 1024;
  const stallMs = options.stallMs ?? 30_000;
  let rate = options.rate;
  const counts: Record<FaultKind, number> = { reset: 0, stall: 0, status: 0, truncate: 0 };
  const injected: InjectedFault[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let requests = 0;

  const record = (kind: FaultKind, req: IncomingMessage, atByte: number): void => {
    counts[kind]++;
    injected.push({ kind, method: req.method ?? '', path: (req.url ?? '').replace(/private_token=[^&]*/, 'private_token=…'), atByte });
  };

  const server = createServer((req, res) => {
    requests++;
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const allowed = options.eligible?.({ method, path, headers: req.headers }) ?? true;
    const roll = random();
    const chosen = allowed && roll < rate ? kinds[Math.floor(random() * kinds.length)] : undefined;
    const kind = options.plan?.({ method, path: path.replace(/private_token=[^&]*/, 'private_token=…') }) ?? chosen;
    const fraction = random();
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

    if (kind === 'status') {
      record('status', req, 0);
      req.resume();
      const status = fraction < 0.5 ? 502 : 503;
      res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(`chaos proxy: injected ${status}`);
      return;
    }

    const upstream = httpRequest({
      host: target.hostname,
      port: target.port,
      method,
      path: joinPath(target.pathname, path),
      headers: { ...withoutHop(req.headers), host: target.host },
      agent: false,
    });
    const breakClient = (): void => {
      const socket = req.socket;
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      upstream.destroy();
    };
    const stall = (source: IncomingMessage): void => {
      source.pause();
      const timer = setTimeout(() => {
        timers.delete(timer);
        breakClient();
      }, stallMs);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
        upstream.destroy();
      });
    };

    // Faults on the request body (uploads).
    const requestFault = hasBody && (kind === 'reset' || kind === 'stall') ? kind : undefined;
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    const requestLimit = Math.floor(fraction * Math.min(maxOffset, Number.isFinite(declared) && declared > 0 ? declared : maxOffset));
    relay(req, upstream, requestFault ? requestLimit : undefined, (at) => {
      record(requestFault as FaultKind, req, at);
      if (requestFault === 'reset') breakClient();
      else stall(req);
    }, () => upstream.end());
    req.on('error', () => upstream.destroy());
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { connection: 'close' }).end('chaos proxy: upstream failed');
      else res.destroy();
    });

    upstream.on('response', (answer) => {
      const responseFault = !requestFault ? kind : undefined;
      const headers = withoutHop(answer.headers);
      const length = Number(answer.headers['content-length'] ?? Number.NaN);
      const limit = Math.floor(fraction * Math.min(maxOffset, Number.isFinite(length) && length > 0 ? length : maxOffset));
      if (responseFault === 'truncate') delete headers['content-length'];
      res.writeHead(answer.statusCode ?? 502, headers);
      const strike = (at: number): void => {
        record(responseFault as FaultKind, req, at);
        if (responseFault === 'reset') breakClient();
        else if (responseFault === 'stall') stall(answer);
        else {
          res.end();
          upstream.destroy();
        }
      };
      relay(answer, res, responseFault ? limit : undefined, strike, (passed) => {
        // A reset or stall planned past the end of a short body strikes at its end.
        if (responseFault === 'reset' || responseFault === 'stall') strike(passed);
        else res.end();
      });
      answer.on('error', () => res.destroy());
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    counts,
    get total() {
      return counts.reset + counts.stall + counts.status + counts.truncate;
    },
    injected,
    get requests() {
      return requests;
    },
    setRate(next: number) {
      rate = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Copies `from` into `to` with backpressure. Once `limit` bytes have passed it
 * forwards no more and calls `strike(limit)`; otherwise `end(bytes)` at the end.
 */
function relay(from: Readable, to: Writable, limit: number | undefined, strike: (at: number) => void, end: (passed: number) => void): void {
  let passed = 0;
  let struck = false;
  from.on('data', (chunk: Buffer) => {
    if (struck) return;
    if (limit !== undefined && passed + chunk.byteLength > limit) {
      struck = true;
      const head = chunk.subarray(0, limit - passed);
      if (head.byteLength > 0) to.write(head);
      strike(limit);
      return;
    }
    passed += chunk.byteLength;
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => {
    if (!struck) end(passed);
  });
}

function withoutHop(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_HEADERS.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

function joinPath(base: string, path: string): string {
  if (base === '/' || base === '') return path;
  return `${base.replace(/\/+$/, '')}${path}`;
}
