/**
 * A reference GA4GH TES 1.1 server for the tests: node:http, in memory, runs
 * each task's executors as local processes (see runner.ts), and holds every
 * request and response to the TES OpenAPI document (see openapi.ts).
 *
 * - API under `/ga4gh/tes/v1`, `/v1` and `/` (as Funnel serves it).
 * - Views MINIMAL (default), BASIC, FULL; every ListTasks filter (name_prefix,
 *   state, tag_key/tag_value zipped, a missing or empty value = any value);
 *   newest first; opaque page tokens; `next_page_token: ""` on the last page.
 * - 404 on an unknown id; cancel → CANCELING while a process is killed,
 *   then CANCELED; cancel of an ended task → 200 `{}` and no change.
 * - `backend_parameters_strict` with unknown keys → 400 (compliance suite).
 * - Optional auth (bearer tokens and/or basic) and one fault: drop the
 *   connection after a create was stored (the ambiguous-create case).
 * - `GET /_reference/stats` (outside the API) counts requests per operation.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { components } from '../../../generated/tes.js';
import { TesOpenApi } from './openapi.js';
import { runTask, type AttemptLog, type TesState } from './runner.js';
import { render, type StoredTask, type View } from './views.js';

type Schemas = components['schemas'];

export interface TesServerOptions {
  /** Tasks running at once; others wait QUEUED. @default 4 */
  maxRunning?: number;
  /** Accepted bearer tokens (a function is asked on every request, so tests can rotate them). */
  bearerTokens?: () => readonly string[];
  /** Accepted basic credentials. */
  basic?: { username: string; password: string };
  /** Storage prefixes announced in service-info. */
  storage?: string[];
  /** Start with this many finished (COMPLETE) tasks, for listing benchmarks. */
  seed?: number;
}

export interface TesServer {
  /** Origin, e.g. `http://127.0.0.1:41234` (the API is at `/ga4gh/tes/v1`, `/v1` and `/`). */
  origin: string;
  /** The spec base URL: `<origin>/ga4gh/tes/v1`. */
  url: string;
  /** Responses that did not conform to the OpenAPI document (must stay empty). */
  violations: string[];
  /** Requests refused as not conforming to the document. */
  rejected: string[];
  /** Requests per operationId. */
  counts: Record<string, number>;
  /** Drop the connection after storing each of the next `n` creates. */
  dropCreates(n: number): void;
  /** Every stored task, newest first (for assertions). */
  tasks(): StoredTask[];
  close(): Promise<void>;
}

const PREFIXES = ['/ga4gh/tes/v1', '/v1', ''];
const TERMINAL: ReadonlySet<TesState> = new Set(['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED']);
const BACKEND_PARAMETERS = ['vm_size'];

/** Starts the reference server on a free loopback port. */
export async function startTesServer(options: TesServerOptions = {}): Promise<TesServer> {
  const api = await TesOpenApi.load();
  const workRoot = await mkdtemp(join(tmpdir(), 'tes-reference-'));
  const maxRunning = options.maxRunning ?? 4;
  const store = new Map<string, StoredTask>();
  const queue: StoredTask[] = [];
  const running = new Map<string, AbortController>();
  const violations: string[] = [];
  const rejected: string[] = [];
  const counts: Record<string, number> = {};
  let seq = 0;
  let drops = 0;

  for (let i = 0; i < (options.seed ?? 0); i++) {
    const stored = storeTask({ name: `seed-${i}`, executors: [{ image: 'alpine:3', command: ['true'] }], tags: { seeded: 'yes' } }, ++seq, []);
    const now = new Date().toISOString();
    stored.state = 'COMPLETE';
    stored.log = { start_time: now, end_time: now, logs: [{ start_time: now, end_time: now, exit_code: 0, stdout: '', stderr: '' }], outputs: [], system_logs: [], metadata: {} };
    store.set(stored.id, stored);
  }

  const pump = (): void => {
    while (running.size < maxRunning && queue.length > 0) {
      const task = queue.shift() as StoredTask;
      if (task.state !== 'QUEUED') continue;
      const controller = new AbortController();
      running.set(task.id, controller);
      const log: AttemptLog = { logs: [], outputs: [], system_logs: [], metadata: {} };
      task.log = log;
      void runTask(task.doc, join(workRoot, task.id), {
        signal: controller.signal,
        log,
        setState: (state) => {
          if (!controller.signal.aborted) task.state = state;
        },
      }).then((final) => {
        running.delete(task.id);
        task.state = controller.signal.aborted ? 'CANCELED' : final;
        pump();
      });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/_reference/stats') return send(res, 200, { counts, violations, rejected });
    const prefix = PREFIXES.find((p) => p === '' || url.pathname === p || url.pathname.startsWith(`${p}/`)) ?? '';
    const path = url.pathname.slice(prefix.length) || '/';
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, { code: 400, message: 'the body is not valid JSON' });
      }
    }
    const check = api.checkRequest({ method: req.method ?? 'GET', path, query: url.searchParams, headers: { get: (n) => header(req, n) }, body });
    if (!check.ok) {
      rejected.push(`${req.method} ${url.pathname}${url.search}: ${check.problems.join('; ')}`);
      return send(res, check.status, { code: check.status, message: check.problems.join('; ') });
    }
    counts[check.operationId] = (counts[check.operationId] ?? 0) + 1;
    if (!authorized(req, options)) return send(res, 401, { code: 401, message: 'missing or wrong credentials' });
    const view = (url.searchParams.get('view') ?? 'MINIMAL') as View;
    const reply = (value: unknown): void => {
      const problems = api.checkResponse(check.operationId, value, view);
      if (problems.length > 0) {
        violations.push(`${check.operationId}: ${problems.join('; ')}`);
        return send(res, 500, { code: 500, message: 'the reference server produced a non-conforming answer' });
      }
      send(res, 200, value);
    };
    switch (check.operationId) {
      case 'GetServiceInfo':
        return reply(serviceInfo(options));
      case 'CreateTask': {
        const doc = body as Schemas['tesTask'];
        const unsupported = Object.keys(doc.resources?.backend_parameters ?? {}).filter((k) => !BACKEND_PARAMETERS.includes(k.toLowerCase()));
        if (doc.resources?.backend_parameters_strict && unsupported.length > 0) {
          return send(res, 400, { code: 400, message: `unsupported backend_parameters: ${unsupported.join(', ')}` });
        }
        const stored = storeTask(doc, ++seq, unsupported);
        store.set(stored.id, stored);
        queue.push(stored);
        pump();
        if (drops > 0) {
          drops--;
          req.socket.destroy();
          return;
        }
        return reply({ id: stored.id });
      }
      case 'GetTask': {
        const task = store.get(check.pathParams.id as string);
        if (!task) return send(res, 404, { code: 404, message: 'task not found' });
        return reply(render(task, view));
      }
      case 'ListTasks': {
        const result = list([...store.values()], url.searchParams);
        if ('error' in result) return send(res, 400, { code: 400, message: result.error });
        return reply({ tasks: result.tasks.map((t) => render(t, view)), next_page_token: result.next });
      }
      case 'CancelTask': {
        const task = store.get(check.pathParams.id as string);
        if (!task) return send(res, 404, { code: 404, message: 'task not found' });
        if (!TERMINAL.has(task.state)) {
          const controller = running.get(task.id);
          if (controller) {
            task.state = 'CANCELING';
            controller.abort();
          } else {
            task.state = 'CANCELED';
          }
        }
        return reply({});
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { code: 500, message: String(error) }));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: `${origin}/ga4gh/tes/v1`,
    violations,
    rejected,
    counts,
    dropCreates: (n) => {
      drops = n;
    },
    tasks: () => [...store.values()].sort((a, b) => b.seq - a.seq),
    close: async () => {
      for (const controller of running.values()) controller.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(workRoot, { recursive: true, force: true });
    },
  };
}

function storeTask(doc: Schemas['tesTask'], seq: number, unsupported: string[]): StoredTask {
  const clean: Schemas['tesTask'] = structuredClone(doc);
  for (const key of ['id', 'state', 'logs', 'creation_time'] as const) delete clean[key];
  // Unsupported backend parameters are not stored or returned (spec).
  if (clean.resources?.backend_parameters) {
    for (const key of unsupported) delete clean.resources.backend_parameters[key];
  }
  const id = `task-${seq.toString().padStart(6, '0')}-${randomBytes(3).toString('hex')}`;
  return { seq, id, state: 'QUEUED', creation_time: new Date().toISOString(), doc: clean };
}

function list(all: StoredTask[], query: URLSearchParams): { tasks: StoredTask[]; next: string } | { error: string } {
  const namePrefix = query.get('name_prefix');
  const state = query.get('state');
  const keys = query.getAll('tag_key');
  const values = query.getAll('tag_value');
  const size = Number(query.get('page_size') ?? 0) || 256;
  if (size < 1 || size >= 2048) return { error: 'page_size must be from 1 to 2047' };
  let after = Number.POSITIVE_INFINITY;
  const token = query.get('page_token');
  if (token) {
    const decoded = /^p(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded) return { error: 'invalid page_token' };
    after = Number(decoded[1]);
  }
  const matching = all
    .filter((t) => t.seq < after)
    .filter((t) => !namePrefix || (t.doc.name ?? '').startsWith(namePrefix))
    .filter((t) => !state || t.state === state)
    .filter((t) =>
      keys.every((key, i) => {
        const tags = t.doc.tags ?? {};
        if (!(key in tags)) return false;
        const value = values[i] ?? '';
        return value === '' || tags[key] === value;
      }),
    )
    .sort((a, b) => b.seq - a.seq);
  const page = matching.slice(0, size);
  const last = page.at(-1);
  const next = matching.length > size && last ? Buffer.from(`p${last.seq}`).toString('base64url') : '';
  return { tasks: page, next };
}

function serviceInfo(options: TesServerOptions): Schemas['tesServiceInfo'] {
  return {
    id: 'org.pulsar-network.reference-tes',
    name: 'pulsar-network reference TES server',
    type: { group: 'org.ga4gh', artifact: 'tes', version: '1.1.0' },
    description: 'In-memory TES 1.1 server that runs executors as local processes (tests only).',
    organization: { name: 'pulsar-network', url: 'https://github.com/pulsar-network' },
    version: '1.0.0',
    storage: options.storage ?? ['file:///'],
    tesResources_backend_parameters: BACKEND_PARAMETERS,
  };
}

function authorized(req: IncomingMessage, options: TesServerOptions): boolean {
  if (!options.bearerTokens && !options.basic) return true;
  const value = header(req, 'authorization') ?? '';
  if (options.bearerTokens && value.startsWith('Bearer ')) return options.bearerTokens().includes(value.slice(7));
  if (options.basic && value.startsWith('Basic ')) {
    const expected = Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64');
    return value.slice(6) === expected;
  }
  return false;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
