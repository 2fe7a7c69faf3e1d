import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockedAddressError } from '../../src/index.js';
import { guardedFetch } from '../../src/node.js';

interface Peer {
  server: Server;
  port: number;
  seen: Array<{ url: string; headers: IncomingHttpHeaders }>;
}

async function peer(answer: (url: string) => { status: number; location?: string; body?: string }): Promise<Peer> {
  const seen: Peer['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const a = answer(req.url ?? '');
    res.writeHead(a.status, a.location ? { location: a.location } : {});
    res.end(a.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

let secret: Peer;
let redirector: Peer;
const names: Record<string, string[]> = { 'internal.test': ['127.0.0.1'], 'redirector.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] };
const resolver = async (host: string): Promise<string[]> => names[host] ?? Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));

beforeAll(async () => {
  secret = await peer(() => ({ status: 200, body: 'the loopback-only answer' }));
  redirector = await peer((url) => {
    if (url === '/to-loopback') return { status: 302, location: `http://127.0.0.1:${secret.port}/secret` };
    if (url === '/to-file') return { status: 302, location: 'file:///etc/passwd' };
    if (url === '/to-other') return { status: 307, location: `http://other.test:${secret.port}/creds` };
    if (url.startsWith('/loop')) return { status: 302, location: `/loop${url.length}` };
    return { status: 200, body: 'fine' };
  });
});
afterAll(async () => {
  for (const p of [secret, redirector]) await new Promise((resolve) => p.server.close(resolve));
});

const blocked = async (promise: Promise<unknown>): Promise<BlockedAddressError> => {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BlockedAddressError);
  return error as BlockedAddressError;
};

describe('guardedFetch', () => {
  it('refuses a loopback address, literal or behind a name, and nothing reaches the server', async () => {
    const before = secret.seen.length;
    const fetch = guardedFetch({ resolver });
    expect((await blocked(fetch(`http://127.0.0.1:${secret.port}/`))).message).toBe('refused by rule private-address: 127.0.0.1, a loopback address');
    expect((await blocked(fetch(`http://internal.test:${secret.port}/`))).message).toBe('refused by rule private-address: internal.test resolves to 127.0.0.1, a loopback address');
    expect((await blocked(fetch(`http://[::ffff:127.0.0.1]:${secret.port}/`))).rule).toBe('private-address');
    expect(secret.seen.length).toBe(before);
  });

  it('fetches an address or a name the operator allows', async () => {
    expect(await (await guardedFetch({ allow: ['127.0.0.0/8'] })(`http://127.0.0.1:${secret.port}/`)).text()).toBe('the loopback-only answer');
    expect(await (await guardedFetch({ allow: ['internal.test'], resolver })(`http://internal.test:${secret.port}/`)).text()).toBe('the loopback-only answer');
  });

  it('checks each redirect again: a redirect to loopback, or to another scheme, is refused before it is followed', async () => {
    const fetch = guardedFetch({ allow: ['redirector.test'], resolver });
    const before = secret.seen.length;
    expect((await blocked(fetch(`http://redirector.test:${redirector.port}/to-loopback`))).message).toBe('refused by rule private-address: 127.0.0.1, a loopback address');
    expect((await blocked(fetch(`http://redirector.test:${redirector.port}/to-file`))).rule).toBe('scheme');
    expect(secret.seen.length).toBe(before);
    await expect(fetch(`http://redirector.test:${redirector.port}/loop`)).rejects.toThrow(/too many redirects/);
  });

  it('drops credentials when a redirect leaves the origin', async () => {
    const fetch = guardedFetch({ allow: ['redirector.test', 'other.test'], resolver });
    const response = await fetch(`http://redirector.test:${redirector.port}/to-other`, { headers: { authorization: 'Basic dXNlcjpwYXNz', 'x-kept': 'yes' } });
    expect(response.status).toBe(200);
    const last = secret.seen.at(-1);
    expect(last?.url).toBe('/creds');
    expect(last?.headers.authorization).toBeUndefined();
    expect(last?.headers['x-kept']).toBe('yes');
  });
});
