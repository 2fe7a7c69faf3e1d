/**
 * `createTesGateway`: a GA4GH TES 1.1 server in front of a {@link Network},
 * so workflow engines that speak TES (one URL per run) reach every site.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../errors.js';
import type { JobSpec } from '../jobs/spec.js';
import type { Network } from '../network/network.js';
import { isTesState, TES_STATES } from '../tes/states.js';
import type { TesServiceInfo, TesView } from '../tes/types.js';
import { validateTask } from '../tes/validate.js';
import { type AccessLogEntry, withAccessLog } from './access-log.js';
import { LEGACY_SERVICE_INFO_PATH, legacyServiceInfo } from './compat.js';
import { BearerClients, HttpProblem, isLoopback, readJsonBody, sendJson, sendProblem } from './http.js';
import { SqliteTaskStore } from './sqlite-store.js';
import type { GatewayTask, TaskStore } from './store.js';
import { TaskTracker } from './task-tracker.js';
import { provenanceTags, renderTask } from './views.js';

/** Where the gateway serves TES. */
export const TES_BASE_PATH = '/ga4gh/tes/v1';
/** Also served, as Funnel does: older clients (py-tes 0.4, used by Snakemake's TES executor) append `/v1` to the URL they are given. */
const SHORT_BASE_PATH = '/v1';

/** Options of {@link createTesGateway}. */
export interface TesGatewayOptions {
  /** Where tasks are kept. @default a {@link SqliteTaskStore} at `storePath` */
  store?: TaskStore;
  /** The SQLite file of the default store. @default 'pulsar-network-gateway.db' */
  storePath?: string;
  /**
   * Clients by name, each with its bearer token. Each client sees only its
   * own tasks. Without clients the gateway serves loopback callers only.
   */
  clients?: Record<string, string>;
  /** Largest request body accepted, in bytes (413 beyond). @default 1 MiB */
  maxBodyBytes?: number;
  /** The gateway's own service-info identity. */
  service?: {
    /** service-info `id`. @default 'org.pulsar-network.tes-gateway' */
    id?: string;
    /** service-info `name`. @default 'pulsar-network TES gateway' */
    name?: string;
    /** service-info `description`. @default a sentence naming the network's sites */
    description?: string;
    /** service-info `organization`. @default pulsar-network and its repository URL */
    organization?: {
      /** The organization's name. */
      name: string;
      /** The organization's URL. */
      url: string;
    };
    /** service-info `version`. @default '0.1.0' */
    version?: string;
  };
  /**
   * Hears of every answered request (method, path without query, status,
   * client name, duration; never a token), e.g.
   * `(e) => console.log(formatAccessLog(e))`.
   */
  accessLog?: (entry: AccessLogEntry) => void;
  /** Server timeouts, in milliseconds. @default request 60 000, headers 15 000, keep-alive 5 000 */
  timeouts?: {
    /** Longest time to receive a whole request, in milliseconds. @default 60000 */
    requestMs?: number;
    /** Longest time to receive the request headers, in milliseconds. @default 15000 */
    headersMs?: number;
    /** How long an idle kept-alive connection stays open, in milliseconds. @default 5000 */
    keepAliveMs?: number;
  };
}

/** A running TES gateway. */
export interface TesGateway {
  /** The Node request handler (mount it in any HTTP server). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** An HTTP server with the handler, size limits and timeouts (not listening). */
  createServer(): Server;
  /**
   * Starts a server on `host:port` (defaults 127.0.0.1 and a free port) and
   * resolves with it and the TES base URL. Refuses a non-loopback host when
   * no client tokens are configured.
   */
  listen(options?: {
    /** The port; 0 asks the OS for a free one. @default 0 */
    port?: number;
    /** The address to bind. @default '127.0.0.1' */
    host?: string;
  }): Promise<{
    /** The listening server. */
    server: Server;
    /** The TES base URL, e.g. `http://127.0.0.1:8000/ga4gh/tes/v1`. */
    url: string;
  }>;
  /** The stored task (any owner), for tools and tests. */
  task(id: string): GatewayTask | undefined;
  /** Tasks re-attached when the gateway started. */
  readonly resumed: readonly string[];
  /** Resolves when every task this gateway follows has reached a terminal state and been stored. */
  idle(): Promise<void>;
  /** Stops the server(s) it started and closes the store. Tasks go on on their sites. */
  close(): Promise<void>;
}

const LOCAL_OWNER = 'local';
const DEFAULT_PAGE_SIZE = 256;
const MAX_PAGE_SIZE = 2047;
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
  const store = options.store ?? new SqliteTaskStore(options.storePath ?? 'pulsar-network-gateway.db');
  const clients = new BearerClients(options.clients ?? {});
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const servers = new Set<Server>();
  const tracker = new TaskTracker(network, store);
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
    const body = await readJsonBody(req, maxBody);
    const issues = validateTask(body);
    if (issues.length > 0) throw new HttpProblem(400, `invalid TES task (${issues.length} problem${issues.length === 1 ? '' : 's'})`, issues.map((i) => `${i.path}: ${i.message}`));
    const spec = { ...(body as Record<string, unknown>) };
    for (const key of READ_ONLY_FIELDS) delete spec[key];
    // the first attempt (its site and idempotency key) is stored before the client hears of the task
    return { id: await tracker.submit(spec as JobSpec, owner) };
  };

  const listTasks = (query: URLSearchParams, owner: string): unknown => {
    const known = new Set(['name_prefix', 'state', 'tag_key', 'tag_value', 'page_size', 'page_token', 'view']);
    const problems = [...new Set(query.keys())].filter((k) => !known.has(k)).map((k) => `query.${k}: is not a ListTasks parameter`);
    const view = viewOf(query, problems);
    const state = query.get('state') ?? undefined;
    if (state !== undefined && !isTesState(state)) problems.push(`query.state: must be one of ${TES_STATES.join(', ')}`);
    const sizeText = query.get('page_size');
    const pageSize = sizeText === null ? DEFAULT_PAGE_SIZE : Number(sizeText);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) problems.push(`query.page_size: must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    const token = query.get('page_token');
    const afterSeq = token ? decodePageToken(token) : 0;
    if (afterSeq === undefined) problems.push('query.page_token: is not a token this gateway gave');
    const keys = query.getAll('tag_key');
    const values = query.getAll('tag_value');
    if (values.length > keys.length) problems.push('query.tag_value: more values than tag_key');
    if (problems.length > 0) throw new HttpProblem(400, 'invalid ListTasks query', problems);
    const filter: Parameters<TaskStore['list']>[0] = {
      owner,
      afterSeq: afterSeq as number,
      limit: pageSize + 1,
      tags: keys.map((key, i) => [key, values[i] ?? '']),
      extraTags: (task) => provenanceTags(task, TES_BASE_PATH),
    };
    const prefix = query.get('name_prefix');
    if (prefix) filter.namePrefix = prefix;
    if (state !== undefined) filter.state = state as GatewayTask['state'];
    const found = store.list(filter);
    const page = found.slice(0, pageSize);
    const answer: { tasks: unknown[]; next_page_token?: string } = { tasks: page.map((t) => renderTask(t, view, TES_BASE_PATH)) };
    if (found.length > pageSize) answer.next_page_token = encodePageToken((page.at(-1) as GatewayTask).seq);
    return answer;
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
      return sendJson(res, 200, listTasks(url.searchParams, owner));
    }
    const match = /^\/tasks\/([^/:]+)(:cancel|\/decision)?$/.exec(path);
    if (!match) throw new HttpProblem(404, `nothing at ${url.pathname}`);
    const id = decodeURIComponent(match[1] as string);
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
    const problems: string[] = [];
    const view = viewOf(url.searchParams, problems);
    for (const key of url.searchParams.keys()) if (key !== 'view') problems.push(`query.${key}: is not a GetTask parameter`);
    if (problems.length > 0) throw new HttpProblem(400, 'invalid GetTask query', problems);
    return sendJson(res, 200, renderTask(task, view, TES_BASE_PATH));
  };

  const authenticate = (req: IncomingMessage): string => {
    if (clients.size === 0) {
      if (isLoopback(req.socket.remoteAddress)) return LOCAL_OWNER;
      throw new HttpProblem(401, 'this gateway has no client tokens and serves loopback callers only');
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

  return {
    handler,
    createServer: makeServer,
    resumed,
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      if (clients.size === 0 && !isLoopback(host)) {
        throw new ValidationError('gateway options', [{ path: 'clients', message: `a gateway without client tokens may only listen on loopback, not ${host}` }]);
      }
      const server = makeServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      servers.add(server);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return { server, url: `http://${shown}:${address.port}${TES_BASE_PATH}` };
    },
    task: (id) => store.get(id),
    idle: () => tracker.idle(),
    async close() {
      await Promise.all(
        [...servers].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      servers.clear();
      tracker.close();
      store.close();
    },
  };
}

function viewOf(query: URLSearchParams, problems: string[]): TesView {
  const view = query.get('view') ?? 'MINIMAL';
  if (view === 'MINIMAL' || view === 'BASIC' || view === 'FULL') return view;
  problems.push('query.view: must be MINIMAL, BASIC or FULL');
  return 'MINIMAL';
}

function encodePageToken(seq: number): string {
  return Buffer.from(`after:${seq}`).toString('base64url');
}

function decodePageToken(token: string): number | undefined {
  const match = /^after:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}
