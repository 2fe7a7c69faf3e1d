/**
 * The TES routes of a gateway: who is calling (bearer tokens, or loopback
 * only), and what each path and method answers.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobSpec } from '../contracts/job-spec.js';
import type { Network } from '../network/network.js';
import { isLoopbackAddress } from '../policy/ip.js';
import type { TesServiceInfo } from '../tes/types.js';
import { validateTask } from '../tes/validate.js';
import { LEGACY_SERVICE_INFO_PATH, legacyServiceInfo } from './compat.js';
import { taskLimitProblems, type FairUse, type TaskLimits } from './fair-use.js';
import { HttpProblem, readJsonBody, sendJson, sendProblem, type BearerClients } from './http.js';
import { getTaskView, listTasks } from './list.js';
import type { TesGatewayOptions } from './options.js';
import type { GatewayTask, TaskStore } from './store.js';
import type { TaskTracker } from './task-tracker.js';
import type { UrlGuard } from './url-guard.js';
import { renderTask } from './views.js';

/** Where the gateway serves TES. */
export const TES_BASE_PATH = '/ga4gh/tes/v1';
/** Also served, as Funnel does: older clients (py-tes 0.4, used by Snakemake's TES executor) append `/v1` to the URL they are given. */
const SHORT_BASE_PATH = '/v1';
const LOCAL_OWNER = 'local';
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];
const READ_ONLY_FIELDS = ['id', 'state', 'logs', 'creation_time'] as const;

/** What the routes answer from and act on. */
export interface GatewayRouteDeps {
  network: Network;
  store: TaskStore;
  tracker: TaskTracker;
  fairUse: FairUse;
  guard: UrlGuard;
  clients: BearerClients;
  /** No client tokens: loopback callers only, all as one owner. */
  anonymous: boolean;
  taskLimits: TaskLimits;
  /** Largest request body read, in bytes. */
  maxBody: number;
  service?: TesGatewayOptions['service'];
}

/** The gateway's TES API over its store, tracker and policies. */
export class GatewayRoutes {
  readonly #d: GatewayRouteDeps;
  // the client each request was authenticated as, for the access log
  readonly #owners = new WeakMap<IncomingMessage, string>();

  constructor(deps: GatewayRouteDeps) {
    this.#d = deps;
  }

  /** The client a request was authenticated as (after {@link handle}). */
  ownerOf(req: IncomingMessage): string | undefined {
    return this.#owners.get(req);
  }

  serviceInfo(): TesServiceInfo {
    const sites = this.#d.network.sites();
    const storage = [...new Set(sites.flatMap((s) => s.site.storages))].sort();
    const backend = [...new Set(sites.flatMap((s) => s.site.backendParameters ?? []))].sort();
    const s = this.#d.service ?? {};
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
  }

  #owned(id: string, owner: string): GatewayTask {
    const task = this.#d.store.get(id);
    if (!task || task.owner !== owner) throw new HttpProblem(404, `no task ${id}`);
    return task;
  }

  async #createTask(req: IncomingMessage, owner: string): Promise<unknown> {
    this.#d.fairUse.checkRate(owner);
    const body = await readJsonBody(req, this.#d.maxBody);
    const issues = validateTask(body);
    if (issues.length > 0) throw new HttpProblem(400, `invalid TES task (${issues.length} problem${issues.length === 1 ? '' : 's'})`, issues.map((i) => `${i.path}: ${i.message}`));
    const given = { ...(body as Record<string, unknown>) };
    for (const key of READ_ONLY_FIELDS) delete given[key];
    const tooLarge = taskLimitProblems(given as JobSpec, this.#d.taskLimits);
    if (tooLarge.length > 0) throw new HttpProblem(400, 'the task is larger than this gateway accepts', tooLarge);
    const { spec, excludeSites } = await this.#d.guard.admit(given as JobSpec, owner, this.#d.network.sites().map((s) => s.site.id));
    // checked and stored with no await between: two requests cannot both take the last slot
    this.#d.fairUse.checkRoom(owner, new TextEncoder().encode(JSON.stringify(spec)).byteLength);
    const submitted = this.#d.tracker.submit(spec, owner, excludeSites && Object.keys(excludeSites).length > 0 ? { excludeSites } : {});
    this.#d.fairUse.record(owner);
    // the first attempt (its site and idempotency key) is stored before the client hears of the task
    return { id: await submitted };
  }

  async #cancelTask(id: string, owner: string): Promise<unknown> {
    this.#owned(id, owner);
    await this.#d.tracker.cancel(id);
    return {};
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const base = [TES_BASE_PATH, SHORT_BASE_PATH].find((b) => url.pathname.startsWith(`${b}/`));
    if (!base) throw new HttpProblem(404, `nothing at ${url.pathname}; TES is served at ${TES_BASE_PATH}`);
    const owner = this.#authenticate(req);
    this.#owners.set(req, owner);
    const path = url.pathname.slice(base.length);
    const method = req.method ?? 'GET';
    const only = (allowed: string): void => {
      if (method !== allowed) throw new HttpProblem(405, `${method} is not allowed on ${path}`, [], { allow: allowed });
    };
    if (path === '/service-info') {
      only('GET');
      return sendJson(res, 200, this.serviceInfo());
    }
    if (path === LEGACY_SERVICE_INFO_PATH) {
      only('GET');
      return sendJson(res, 200, legacyServiceInfo(this.serviceInfo()));
    }
    if (path === '/tasks') {
      if (method === 'POST') return sendJson(res, 200, await this.#createTask(req, owner));
      only('GET');
      return sendJson(res, 200, listTasks(this.#d.store, url.searchParams, owner, TES_BASE_PATH));
    }
    const match = /^\/tasks\/([^/:]+)(:cancel|\/decision)?$/.exec(path);
    if (!match) throw new HttpProblem(404, `nothing at ${url.pathname}`);
    const id = taskId(match[1] as string);
    if (match[2] === ':cancel') {
      only('POST');
      return sendJson(res, 200, await this.#cancelTask(id, owner));
    }
    only('GET');
    const task = this.#owned(id, owner);
    if (match[2] === '/decision') {
      if (!task.decision) throw new HttpProblem(404, `task ${id} has no decision record yet`);
      return sendJson(res, 200, task.decision);
    }
    return sendJson(res, 200, renderTask(task, getTaskView(url.searchParams), TES_BASE_PATH));
  }

  #authenticate(req: IncomingMessage): string {
    if (this.#d.anonymous) {
      if (!isLoopbackAddress(req.socket.remoteAddress)) throw new HttpProblem(401, 'this gateway has no client tokens and serves loopback callers only');
      // a reverse proxy on this host connects from loopback on behalf of anyone
      if (PROXY_HEADERS.some((h) => req.headers[h] !== undefined)) throw new HttpProblem(401, 'this gateway has no client tokens and does not serve requests relayed by a proxy');
      return LOCAL_OWNER;
    }
    const name = this.#d.clients.identify(req.headers.authorization);
    if (name === undefined) {
      const message = req.headers.authorization ? 'the bearer token is not valid' : 'a bearer token is required';
      throw new HttpProblem(401, message, [], { 'www-authenticate': 'Bearer realm="pulsar-network"' });
    }
    return name;
  }

  /** Answers one request; an error becomes a problem answer (500 for the gateway's own). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#route(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpProblem) return sendProblem(res, error);
      sendProblem(res, new HttpProblem(500, 'internal error of the gateway'));
    });
  }
}

/** The task id of a path segment; a bad percent-escape is the client's error, not the gateway's. */
function taskId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpProblem(400, 'invalid task id', ['path.id: is not valid percent-encoding']);
  }
}
