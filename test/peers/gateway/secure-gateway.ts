/**
 * What the gateway security tests share: a gateway over one site (a
 * LocalSite or a real Pulsar) whose sites fetch inputs through a
 * guardedFetch, a resolver for made-up names, a loopback-only service
 * that counts what it is asked, and small TES calls.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectAllowList, createTesGateway, guardedFetch, Network, nodeSiteRegistry, systemResolver, type TesGateway, type TesGatewayOptions } from '../../../src/internal.js';
import type { NetworkConfig } from '../../../src/index.js';

/** Made-up names, each resolving to loopback as a hostile DNS answer would; other names go to the system resolver. */
export const NAMES: Record<string, string[]> = { 'internal.test': ['127.0.0.1'], 'redirector.test': ['127.0.0.1'] };
export const resolver = async (host: string): Promise<string[]> => NAMES[host] ?? systemResolver(host);

export interface SecureGateway {
  gateway: TesGateway;
  network: Network;
  url: string;
  close(): Promise<void>;
}

/** A gateway over the configured sites, the sites' input fetches guarded with every address the rules allow. */
export async function startSecureGateway(config: NetworkConfig, options: TesGatewayOptions): Promise<SecureGateway> {
  const clients = Object.values(options.clients ?? {}).map((c) => (typeof c === 'string' ? undefined : c.urls));
  const allow = connectAllowList(options.urls, clients, Object.values(options.siteUrls ?? {}));
  const network = await Network.create(config, { registry: nodeSiteRegistry({ inputFetch: guardedFetch({ allow, resolver }) }) });
  let gateway: TesGateway;
  try {
    gateway = createTesGateway(network, { resolver, onWarning: () => undefined, ...options });
  } catch (error) {
    await network.close();
    throw error;
  }
  const { url } = await gateway.listen();
  return {
    gateway,
    network,
    url,
    async close() {
      await gateway.close();
      await network.close();
    },
  };
}

/** A loopback-only service (the kind a server-side fetch must never reach) that counts requests; `/to-secret` redirects to `/secret`. */
export interface LoopbackService {
  port: number;
  /** Paths asked, in order. */
  readonly asked: string[];
  close(): Promise<void>;
}

export async function startLoopbackService(answer = 'internal-only-answer'): Promise<LoopbackService> {
  const asked: string[] = [];
  let port = 0;
  const server: Server = createServer((req, res) => {
    asked.push(req.url ?? '');
    if (req.url === '/to-secret') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/secret` });
      return void res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${answer}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return { port, asked, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** POSTs a task; resolves with the status, the JSON body and the headers. */
export async function postTask(url: string, token: string, task: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${url}/tasks`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(task) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

const TERMINAL = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED'];

/** Waits for a task's end and returns it in the FULL view. */
export async function finished(url: string, token: string, id: string, timeoutMs = 120_000): Promise<{ state: string; logs?: Array<{ logs: Array<{ stdout?: string; exit_code: number }>; system_logs?: string[] }> }> {
  const headers = { authorization: `Bearer ${token}` };
  const until = Date.now() + timeoutMs;
  for (;;) {
    const task = (await (await fetch(`${url}/tasks/${id}?view=FULL`, { headers })).json()) as { state: string };
    if (TERMINAL.includes(task.state)) return task;
    if (Date.now() > until) throw new Error(`task ${id} is still ${task.state}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
