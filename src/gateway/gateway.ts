/**
 * `createTesGateway`: a GA4GH TES 1.1 server in front of a {@link Network},
 * so workflow engines that speak TES (one URL per run) reach every site.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import type { Network } from '../network/network.js';
import { isLoopbackAddress, parseIp } from '../policy/ip.js';
import { clientTable } from './clients.js';
import { DEFAULT_CLIENT_LIMITS, DEFAULT_TASK_LIMITS, FairUse, limitsProblems, type ClientLimits, type TaskLimits } from './fair-use.js';
import { checkHostSites, hostDirectories } from './host-sites.js';
import { BearerClients } from './http.js';
import { GatewayRoutes, TES_BASE_PATH } from './routes.js';
import type { TesGateway, TesGatewayOptions } from './options.js';
import { withAccessLog } from './access-log.js';
import { SqliteTaskStore } from './sqlite-store.js';
import { TaskTracker } from './task-tracker.js';
import { UrlGuard } from './url-guard.js';

export { TES_BASE_PATH } from './routes.js';

export type { TesGateway, TesGatewayOptions } from './options.js';


/**
 * Makes a TES 1.1 gateway over a network: `POST /tasks` validates the task
 * and submits it through the network's site selection, `GET /tasks[/{id}]`
 * answers from the gateway's store in every view with the logs the sites
 * gave back, `POST /tasks/{id}:cancel` cancels on the site, and
 * `GET /tasks/{id}/decision` returns the site-selection decision record
 * (also served under `/v1`, for clients that append it themselves). On
 * creation it re-attaches to every task of its store still in flight.
 *
 * @example
 * ```ts
 * import { createTesGateway, networkFromFile, nodeSiteRegistry } from 'pulsar-network/node';
 *
 * const network = await networkFromFile('network.yaml', { registry: nodeSiteRegistry() });
 * const gateway = createTesGateway(network, { storePath: 'gateway.db', clients: { snakemake: process.env.GATEWAY_TOKEN! } });
 * const { url } = await gateway.listen({ port: 8000 });
 * console.log(`TES at ${url}`); // http://127.0.0.1:8000/ga4gh/tes/v1
 * ```
 */
export function createTesGateway(network: Network, options: TesGatewayOptions = {}): TesGateway {
  const setup = checkedSetup(network, options);
  const { table, guard } = setup;
  const clients = new BearerClients(table.tokens);
  const anonymous = clients.size === 0;
  const store = options.store ?? new SqliteTaskStore(setup.storePath as string);
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const fairUse = new FairUse(store, (client) => ({ ...setup.limits, ...table.limits[client] }));
  const servers = new Set<Server>();
  const tracker = new TaskTracker(network, store);
  const onWarning = options.onWarning ?? ((message: string) => console.warn(message));
  for (const warning of setup.warnings) onWarning(warning);
  // Re-attach to every task left in flight by an earlier run.
  const resumed = tracker.resume();

  const routes = new GatewayRoutes({ network, store, tracker, fairUse, guard, clients, anonymous, taskLimits: setup.taskLimits, maxBody, ...(options.service && { service: options.service }) });
  const routed = (req: IncomingMessage, res: ServerResponse): void => routes.handle(req, res);
  const handler = options.accessLog ? withAccessLog(routed, options.accessLog, (req) => routes.ownerOf(req)) : routed;

  const makeServer = (): Server => {
    const t = options.timeouts ?? {};
    const server = createServer({ requestTimeout: t.requestMs ?? 60_000, headersTimeout: t.headersMs ?? 15_000, keepAliveTimeout: t.keepAliveMs ?? 5_000 }, handler);
    server.maxHeadersCount = 100;
    return server;
  };

  const closeServer = (server: Server): Promise<void> =>
    new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });

  return {
    handler,
    createServer: makeServer,
    resumed,
    warnings: setup.warnings,
    connectAllow: guard.connectAllow,
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      const literal = parseIp(host);
      if (anonymous && literal && !isLoopbackAddress(host)) throw notLoopback(host);
      const server = makeServer();
      await new Promise<void>((done, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => done());
      });
      const address = server.address() as AddressInfo;
      // a host name is judged by the address it was bound to, never by its text
      if (anonymous && !isLoopbackAddress(address.address)) {
        await closeServer(server);
        throw notLoopback(`${host} (${address.address})`);
      }
      servers.add(server);
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return { server, url: `http://${shown}:${address.port}${TES_BASE_PATH}` };
    },
    task: (id) => store.get(id),
    idle: () => tracker.idle(),
    async close() {
      await Promise.all([...servers].map(closeServer));
      servers.clear();
      tracker.close();
      store.close();
    },
  };
}

/** Everything the gateway checks before it creates any file: clients, sites on this host, limits, URL rules. */
function checkedSetup(network: Network, options: TesGatewayOptions) {
  const table = clientTable(options.clients ?? {});
  if (Object.keys(table.tokens).length === 0 && options.allowUnauthenticated !== true) {
    throw new ValidationError('gateway options', [
      { path: 'clients', message: 'a gateway needs client tokens; for a gateway that serves loopback callers without tokens, set allowUnauthenticated: true' },
    ]);
  }
  const issues = [...limitsProblems(options.limits, 'limits', DEFAULT_CLIENT_LIMITS), ...limitsProblems(options.taskLimits, 'taskLimits', DEFAULT_TASK_LIMITS)];
  for (const [name, limits] of Object.entries(table.limits)) issues.push(...limitsProblems(limits, `clients.${name}.limits`, DEFAULT_CLIENT_LIMITS));
  const known = new Set(network.sites().map((s) => s.site.id));
  for (const id of Object.keys(options.siteUrls ?? {})) if (!known.has(id)) issues.push({ path: `siteUrls.${id}`, message: 'names no site of the network' });
  if (issues.length > 0) throw new ValidationError('gateway options', issues);
  const warnings = checkHostSites(network);
  const storePath = options.store ? (options.store instanceof SqliteTaskStore ? options.store.path : undefined) : (options.storePath ?? 'pulsar-network-gateway.db');
  const database = storePath === undefined ? [] : ['', '-wal', '-shm', '-journal'].map((suffix) => `${resolve(storePath)}${suffix}`);
  const guard = new UrlGuard({
    ...(options.urls && { urls: options.urls }),
    clients: table.urls,
    ...(options.siteUrls && { sites: options.siteUrls }),
    protect: [...database, ...hostDirectories(network), ...(options.protect ?? [])],
    ...(options.resolver && { resolver: options.resolver }),
    ...(options.checkRedirects !== undefined && { checkRedirects: options.checkRedirects }),
  });
  const limits: ClientLimits = { ...DEFAULT_CLIENT_LIMITS, ...options.limits };
  const taskLimits: TaskLimits = { ...DEFAULT_TASK_LIMITS, ...options.taskLimits };
  return { table, guard, warnings, storePath, limits, taskLimits };
}

function notLoopback(host: string): ValidationError {
  return new ValidationError('gateway options', [{ path: 'clients', message: `a gateway without client tokens may only listen on a loopback address, not ${host}` }]);
}
