/**
 * An msw TES fake for contract tests. Every request is checked against the
 * TES OpenAPI document (path, query, body and the `security` it requires)
 * and every normal answer is checked too; problems are collected so each
 * test can assert there were none. Faults are scripted per test through
 * `fault`, which may answer instead of the fake.
 */
import { http, HttpResponse } from 'msw';
import type { components } from '../../generated/tes.js';
import { TesOpenApi } from '../peers/tes-server/openapi.js';

type Task = components['schemas']['tesTask'];

export const BASE = 'http://tes.test/ga4gh/tes/v1';
export const TOKEN = 'contract-secret-token-42';

export interface Seen {
  operationId: string;
  method: string;
  url: URL;
  headers: Headers;
  body?: unknown;
}

export interface FakeOptions {
  /** Behave as a TES 1.0 server: no state or tag filters (ignored), no CANCELING/PREEMPTED. */
  tes10?: boolean;
  /** States GetTask reports for a task, one per poll (the last one repeats). */
  states?: Record<string, string[]>;
  pageSize?: number;
}

/** Answers instead of the fake when it returns a Response (or throws, to drop the connection). */
export type Fault = (seen: Seen, fake: FakeTes) => Response | undefined | Promise<Response | undefined>;

export class FakeTes {
  readonly tasks: Array<Task & { id: string }> = [];
  readonly seen: Seen[] = [];
  readonly problems: string[] = [];
  fault: Fault | undefined;
  #polls = new Map<string, number>();

  constructor(
    readonly api: TesOpenApi,
    readonly options: FakeOptions = {},
  ) {}

  /** Stores a task as CreateTask does and returns its id. */
  store(body: Task): string {
    const id = `t${this.tasks.length + 1}`;
    this.tasks.unshift({ ...body, id, state: 'QUEUED', creation_time: new Date(Date.now() + this.tasks.length).toISOString() });
    return id;
  }

  count(operationId: string): number {
    return this.seen.filter((s) => s.operationId === operationId).length;
  }

  handler() {
    return http.all(`${BASE}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const text = await request.text();
      let body: unknown;
      if (text) body = JSON.parse(text);
      const path = url.pathname.slice(new URL(BASE).pathname.length);
      const check = this.api.checkRequest({ method: request.method, path, query: url.searchParams, headers: request.headers, body }, { enforceSecurity: true });
      if (!check.ok) {
        this.problems.push(`${request.method} ${url.pathname}${url.search}: ${check.problems.join('; ')}`);
        return HttpResponse.json({ message: check.problems.join('; ') }, { status: check.status });
      }
      const seen: Seen = { operationId: check.operationId, method: request.method, url, headers: request.headers, body };
      this.seen.push(seen);
      const faulty = await this.fault?.(seen, this);
      if (faulty) return faulty;
      const view = url.searchParams.get('view') ?? 'MINIMAL';
      const reply = (value: unknown) => {
        const problems = this.api.checkResponse(check.operationId, value, view);
        if (problems.length > 0) this.problems.push(`fake answer: ${problems.join('; ')}`);
        return HttpResponse.json(value as Record<string, unknown>);
      };
      switch (check.operationId) {
        case 'GetServiceInfo':
          return reply({
            id: 'test.fake',
            name: 'fake',
            type: { group: 'org.ga4gh', artifact: 'tes', version: this.options.tes10 ? '1.0.0' : '1.1.0' },
            organization: { name: 'test', url: 'https://example.org' },
            version: '1',
          });
        case 'CreateTask':
          return reply({ id: this.store(body as Task) });
        case 'GetTask': {
          const id = check.pathParams.id as string;
          const task = this.tasks.find((t) => t.id === id);
          if (!task) return HttpResponse.json({ code: 5, message: 'not found' }, { status: 404 });
          return reply(this.#render({ ...task, state: this.#nextState(id, task.state as string) } as Task & { id: string }, view));
        }
        case 'ListTasks': {
          const q = url.searchParams;
          let tasks = this.tasks;
          if (q.get('name_prefix')) tasks = tasks.filter((t) => (t.name ?? '').startsWith(q.get('name_prefix') as string));
          if (!this.options.tes10) {
            if (q.get('state')) tasks = tasks.filter((t) => t.state === q.get('state'));
            const keys = q.getAll('tag_key');
            const values = q.getAll('tag_value');
            tasks = tasks.filter((t) => keys.every((k, i) => t.tags?.[k] !== undefined && (!values[i] || t.tags[k] === values[i])));
          }
          const size = Number(q.get('page_size') ?? 0) || this.options.pageSize || 256;
          const start = Number(q.get('page_token') ?? 0);
          const page = tasks.slice(start, start + size);
          // Funnel style: a token whenever the page is full, "" otherwise.
          const next = page.length === size ? String(start + size) : '';
          return reply({ tasks: page.map((t) => this.#render(t, view)), next_page_token: next });
        }
        case 'CancelTask':
          return reply({});
      }
      return HttpResponse.json({}, { status: 500 });
    });
  }

  #nextState(id: string, fallback: string): string {
    const script = this.options.states?.[id];
    if (!script) return fallback;
    const n = this.#polls.get(id) ?? 0;
    this.#polls.set(id, n + 1);
    return script[Math.min(n, script.length - 1)] as string;
  }

  #render(task: Task & { id: string }, view: string): unknown {
    if (view === 'MINIMAL') return { id: task.id, state: task.state };
    return task;
  }
}
