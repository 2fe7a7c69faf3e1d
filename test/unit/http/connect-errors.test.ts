/**
 * Connection failures made for real on loopback — a closed port, a name
 * that cannot resolve (the `.invalid` TLD), a server that accepts and never
 * answers, a TLS server with a self-signed certificate — through the global
 * fetch and through `nodeHttpFetch`. Each error must name the operation
 * (method and URL), the server as host:port and the system code, with a
 * short cause, and be retried only where sending again can help.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, HttpClient, TimeoutError, type FetchLike } from '../../../src/internal.js';
import { nodeHttpFetch } from '../../../src/internal.js';
import { closedPort, collectEvents } from './support.js';

let silent: Server;
let silentPort: number;
const sockets = new Set<Socket>();
let tls: HttpsServer;
let tlsPort: number;

beforeAll(async () => {
  // accepts connections and never answers
  silent = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as AddressInfo).port;

  const dir = mkdtempSync(join(tmpdir(), 'connect-errors-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('{}'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  tlsPort = (tls.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  tls.closeAllConnections();
  await new Promise<void>((resolve) => tls.close(() => resolve()));
});

const fetches: Array<[string, FetchLike | undefined]> = [
  ['the global fetch', undefined],
  ['nodeHttpFetch', nodeHttpFetch],
];

describe.each(fetches)('connection errors through %s', (_name, fetch) => {
  const client = (baseUrl: string, extra: { timeout?: number } = {}) => {
    const events = collectEvents();
    const http = new HttpClient({ baseUrl, retry: { retries: 3, minDelay: 1, jitter: 0 }, onEvent: events.onEvent, ...(fetch ? { fetch } : {}), ...extra });
    return { http, events };
  };

  it('a refused connection: the POST, 127.0.0.1:port, ECONNREFUSED; nothing sent, retried once', async () => {
    const port = await closedPort();
    const { http, events } = client(`http://127.0.0.1:${port}/v1/`);
    const error = await http.request({ method: 'POST', path: 'tasks', json: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const e = error as ConnectionError;
    expect(e.message).toBe(`POST http://127.0.0.1:${port}/v1/tasks failed: cannot connect to 127.0.0.1:${port}: connection refused, nothing listens there (ECONNREFUSED)`);
    expect([e.host, e.code, e.mayHaveBeenSent]).toEqual([`127.0.0.1:${port}`, 'ECONNREFUSED', false]);
    expect(events.of('request')).toHaveLength(2);
  });

  it('a name that does not resolve: the GET, name:port, ENOTFOUND', async () => {
    const { http, events } = client('http://no-such-site.invalid:8443/ga4gh/tes/v1');
    const error = await http.request({ path: 'service-info' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const e = error as ConnectionError;
    // ENOTFOUND where a resolver answers; EAI_AGAIN on a machine with no resolver at all
    expect(e.message).toMatch(/^GET http:\/\/no-such-site\.invalid:8443\/ga4gh\/tes\/v1\/service-info failed: cannot connect to no-such-site\.invalid:8443: host name (not found|lookup failed for now) \((ENOTFOUND|EAI_AGAIN)\)$/);
    expect(e.host).toBe('no-such-site.invalid:8443');
    expect(e.mayHaveBeenSent).toBe(false);
    if (e.code === 'ENOTFOUND') expect(events.of('request')).toHaveLength(2);
  });

  it('a server that accepts and never answers: the GET, 127.0.0.1:port, ETIMEDOUT', async () => {
    const { http } = client(`http://127.0.0.1:${silentPort}/`, { timeout: 150 });
    const error = await http.request({ path: 'healthz', retry: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    const e = error as TimeoutError;
    expect(e.message).toBe(`GET http://127.0.0.1:${silentPort}/healthz timed out after 150 ms (attempt limit): no answer from 127.0.0.1:${silentPort} (ETIMEDOUT)`);
    expect([e.host, e.code]).toEqual([`127.0.0.1:${silentPort}`, 'ETIMEDOUT']);
  });

  it('a self-signed certificate: the GET, localhost:port, the certificate code; never retried', async () => {
    const { http, events } = client(`https://localhost:${tlsPort}/`);
    const error = await http.request({ path: 'service-info' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const e = error as ConnectionError;
    expect(e.message).toBe(`GET https://localhost:${tlsPort}/service-info failed: cannot connect securely to localhost:${tlsPort}: the server's certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)`);
    expect([e.host, e.code, e.mayHaveBeenSent]).toEqual([`localhost:${tlsPort}`, 'DEPTH_ZERO_SELF_SIGNED_CERT', false]);
    expect(events.of('request')).toHaveLength(1);
  });
});
