/**
 * `createTesGateway`: a GA4GH TES 1.1 server in front of a {@link Network},
 * so workflow engines that speak TES (one URL per run) reach every site.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { Network } from '../network/network.js';
import { isLoopbackAddress, parseIp } from '../policy/ip.js';
import type { TesServiceInfo } from '../tes/types.js';
import { validateTask } from '../tes/validate.js';
import { clientTable } from './clients.js';
import { DEFAULT_CLIENT_LIMITS, DEFAULT_TASK_LIMITS, FairUse, limitsProblems, taskLimitProblems, type ClientLimits, type TaskLimits } from './fair-use.js';
import { checkHostSites, hostDirectories } from './host-sites.js';
import { BearerClients, HttpProblem, readJsonBody, sendJson, sendProblem } from './http.js';
import { getTaskView, listTasks } from './list.js';
import type { TesGateway, TesGatewayOptions } from './options.js';
import { withAccessLog } from './access-log.js';
import { LEGACY_SERVICE_INFO_PATH, legacyServiceInfo } from './compat.js';
import { SqliteTaskStore } from './sqlite-store.js';
import type { GatewayTask } from './store.js';
import { TaskTracker } from './task-tracker.js';
import { UrlGuard } from './url-guard.js';
import { renderTask } from './views.js';

/** Where the gateway serves TES. */
export const TES_BASE_PATH = '/ga4gh/tes/v1';
/** Also served, as Funnel does: older clients (py-tes 0.4, used by Snakemake's TES executor) append `/v1` to the URL they are given. */
const SHORT_BASE_PATH = '/v1';

export type { TesGateway, TesGatewayOptions } from './options.js';

const LOCAL_OWNER = 'local';
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];
const READ_ONLY_FIELDS = ['id', 'state', 'logs', 'creation_time'] as const;

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
  // the client each request was authenticated as, for the access log
  const owners = new WeakMap<IncomingMessage, string>();
  // Re-attach to every task left in flight by an earlier run.
  const resumed = tracker.resume();

  const serviceInfo = (): TesServiceInfo => {
    const sites = network.sites();
    const storage = [...new Set(sites.flatMap((s) => s.site.storages))].sort();
    const backend = [...new Set(sites.flatMap((s) => s.site.backendParameters ?? []))].sort();
    const s = options.service ?? {};
    return {
      id: s.id ?? 'org.pulsar-network.tes-gateway',
      name: s.name ?? 'pulsar-network TES gateway',
      description: s.description ?? `A TES 1.1 gateway in front of ${sites.length} site(s): ${sites.map((x) => `${x.site.id} (${x.site.kind})`).join(', ')}`,
      type: { group: 'org.ga4gh', artifact: 'tes', version: '1.1.0' },
      organization: s.organization ?? { name: 'pulsar-network', url: 'https://github.com/pulsar-network/pulsar-network' },
      version: s.version ?? '0.1.0',
      storage,
      tesResources_backend_parameters: backend,
    };
  };

  const owned = (id: string, owner: string): GatewayTask => {
    const task = store.get(id);
    if (!task || task.owner !== owner) throw new HttpProblem(404, `no task ${id}`);
    return task;
  };

  const createTask = async (req: IncomingMessage, owner: string): Promise<unknown> => {
    fairUse.checkRate(owner);
    const body = await readJsonBody(req, maxBody);
    const issues = validateTask(body);
    if (issues.length > 0) throw new HttpProblem(400, `invalid TES task (${issues.length} problem${issues.length === 1 ? '' : 's'})`, issues.map((i) => `${i.path}: ${i.message}`));
    const given = { ...(body as Record<string, unknown>) };
    for (const key of READ_ONLY_FIELDS) delete given[key];
    const tooLarge = taskLimitProblems(given as JobSpec, setup.taskLimits);
    if (tooLarge.length > 0) throw new HttpProblem(400, 'the task is larger than this gateway accepts', tooLarge);
    const { spec, excludeSites } = await guard.admit(given as JobSpec, owner, network.sites().map((s) => s.site.id));
    // checked and stored with no await between: two requests cannot both take the last slot
    fairUse.checkRoom(owner, new TextEncoder().encode(JSON.stringify(spec)).byteLength);
    const submitted = tracker.submit(spec, owner, excludeSites && Object.keys(excludeSites).length > 0 ? { excludeSites } : {});
    fairUse.record(owner);
    // the first attempt (its site and idempotency key) is stored before the client hears of the task
    return { id: await submitted };
  };

  const cancelTask = async (id: string, owner: string): Promise<unknown> => {
    owned(id, owner);
    await tracker.cancel(id);
    return {};
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const base = [TES_BASE_PATH, SHORT_BASE_PATH].find((b) => url.pathname.startsWith(`${b}/`));
    if (!base) throw new HttpProblem(404, `nothing at ${url.pathname}; TES is served at ${TES_BASE_PATH}`);
    const owner = authenticate(req);
    owners.set(req, owner);
    const path = url.pathname.slice(base.length);
    const method = req.method ?? 'GET';
    const only = (allowed: string): void => {
      if (method !== allowed) throw new HttpProblem(405, `${method} is not allowed on ${path}`, [], { allow: allowed });
    };
    if (path === '/service-info') {
      only('GET');
      return sendJson(res, 200, serviceInfo());
    }
    if (path === LEGACY_SERVICE_INFO_PATH) {
      only('GET');
      return sendJson(res, 200, legacyServiceInfo(serviceInfo()));
    }
    if (path === '/tasks') {
      if (method === 'POST') return sendJson(res, 200, await createTask(req, owner));
      only('GET');
      return sendJson(res, 200, listTasks(store, url.searchParams, owner, TES_BASE_PATH));
    }
    const match = /^\/tasks\/([^/:]+)(:cancel|\/decision)?$/.exec(path);
    if (!match) throw new HttpProblem(404, `nothing at ${url.pathname}`);
    const id = taskId(match[1] as string);
    if (match[2] === ':cancel') {
      only('POST');
      return sendJson(res, 200, await cancelTask(id, owner));
    }
    only('GET');
    const task = owned(id, owner);
    if (match[2] === '/decision') {
      if (!task.decision) throw new HttpProblem(404, `task ${id} has no decision record yet`);
      return sendJson(res, 200, task.decision);
    }
    return sendJson(res, 200, renderTask(task, getTaskView(url.searchParams), TES_BASE_PATH));
  };

  const authenticate = (req: IncomingMessage): string => {
    if (anonymous) {
      if (!isLoopbackAddress(req.socket.remoteAddress)) throw new HttpProblem(401, 'this gateway has no client tokens and serves loopback callers only');
      // a reverse proxy on this host connects from loopback on behalf of anyone
      if (PROXY_HEADERS.some((h) => req.headers[h] !== undefined)) throw new HttpProblem(401, 'this gateway has no client tokens and does not serve requests relayed by a proxy');
      return LOCAL_OWNER;
    }
    const name = clients.identify(req.headers.authorization);
    if (name === undefined) {
      const message = req.headers.authorization ? 'the bearer token is not valid' : 'a bearer token is required';
      throw new HttpProblem(401, message, [], { 'www-authenticate': 'Bearer realm="pulsar-network"' });
    }
    return name;
  };

  const routed = (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpProblem) return sendProblem(res, error);
      sendProblem(res, new HttpProblem(500, 'internal error of the gateway'));
    });
  };
  const handler = options.accessLog ? withAccessLog(routed, options.accessLog, (req) => owners.get(req)) : routed;

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

/** The task id of a path segment; a bad percent-escape is the client's error, not the gateway's. */
function taskId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpProblem(400, 'invalid task id', ['path.id: is not valid percent-encoding']);
  }
}
