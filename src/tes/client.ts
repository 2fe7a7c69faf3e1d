/**
 * `TesClient`: a GA4GH TES 1.1 (and 1.0) client on the library's HTTP layer.
 * @module
 */
import type { paths } from '../../generated/tes.js';
import { ConnectionError, NotFoundError, RateLimitError, TimeoutError, ValidationError } from '../errors.js';
import { HttpClient } from '../http/client.js';
import { callRequest, type CallOptions, type HttpClientOptions, type QueryParams, type RequestOptions } from '../http/options.js';
import type { CreateTaskOptions, GetTaskOptions, ListTasksOptions, TesClientOptions, WaitForTaskOptions } from './client-options.js';
import { redactUrl } from '../redact.js';
import { resolveRetryPolicy, retry, withRetries, type RetryPolicy } from '../http/retry.js';
import { decodeCreated, decodeList, decodeServiceInfo, decodeTask, parseAnswer, type AnswerContext } from './decode.js';
import { IDEMPOTENCY_TAG, isAmbiguousCreateFailure, newIdempotencyKey } from './idempotency.js';
import { TaskList } from './list.js';
import { checkId, checkView, listQuery } from './arguments.js';
import type { TesTask } from '../contracts/job-spec.js';
import type { FullTask, TaskForView, TaskPage, TesServiceInfo, TesView } from './types.js';
import { assertValidTask } from './validate.js';
import { toView } from './views.js';
import { pollUntilTerminal } from './wait.js';

export type { CallOptions, CreateTaskOptions, GetTaskOptions, ListTasksOptions, TesClientOptions, WaitForTaskOptions } from './client-options.js';

const SERVER_SET = ['id', 'state', 'logs', 'creation_time'] as const;
/** Longest string of a FULL task kept whole, in bytes; longer ones (logs) keep their tail. */
const FULL_VIEW_TAIL_BYTES = 64 * 1024;

/**
 * A client for a GA4GH TES server (1.1, and 1.0, which lacks the list
 * filters and the CANCELING/PREEMPTED states). Every call validates what it
 * sends and what it gets back and throws the library's typed errors.
 *
 * The base URL is the one the server serves the API under: the spec's
 * `https://host/ga4gh/tes/v1`, or `/v1`, or the root, as the server does.
 * {@link TesClient.probe} finds it for you.
 *
 * @example
 * ```ts
 * const tes = new TesClient({
 *   baseUrl: 'https://tes.example.org/ga4gh/tes/v1',
 *   auth: { type: 'bearer', token: process.env.TES_TOKEN! },
 * });
 * const id = await tes.createTask({
 *   name: 'hello',
 *   executors: [{ image: 'alpine:3', command: ['echo', 'hello'] }],
 * });
 * const task = await tes.waitForTask(id, { timeout: 600_000 });
 * console.log(task.state, task.logs?.at(-1)?.logs[0]?.exit_code);
 * ```
 */
export class TesClient {
  /** The HTTP layer this client sends through. */
  readonly http: HttpClient;
  readonly #policy: RetryPolicy;

  constructor(options: TesClientOptions) {
    this.http = 'http' in options ? options.http : new HttpClient(options);
    this.#policy = resolveRetryPolicy(options.retry);
  }

  /**
   * Finds the base URL under which a server serves TES — `<url>/ga4gh/tes/v1`,
   * `<url>/v1` or `<url>` itself — by asking each for its service-info
   * (moving on only on 404), and returns a client for it.
   *
   * @example
   * ```ts
   * const tes = await TesClient.probe({ baseUrl: 'https://funnel.example.org' });
   * console.log(tes.http.baseUrl.href); // https://funnel.example.org/ga4gh/tes/v1/
   * ```
   */
  static async probe(options: HttpClientOptions, call: CallOptions = {}): Promise<TesClient> {
    const given = String(options.baseUrl).replace(/\/+$/, '');
    const suffixes = ['/ga4gh/tes/v1', '/v1'];
    const candidates = suffixes.some((s) => given.endsWith(s)) ? [given] : [...suffixes.map((s) => given + s), given];
    let lastError: unknown;
    for (const baseUrl of candidates) {
      const client = new TesClient({ ...options, baseUrl });
      try {
        await client.serviceInfo(call);
        return client;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /**
   * The server's service-info: name, organization, version, supported
   * storage URL prefixes and backend parameters.
   *
   * @example
   * ```ts
   * const info = await tes.serviceInfo();
   * console.log(info.name, info.type.version, info.storage);
   * ```
   */
  async serviceInfo(options: CallOptions = {}): Promise<TesServiceInfo> {
    return this.#decode('GET /service-info', await this.#send('GET', '/service-info', options), decodeServiceInfo);
  }

  /**
   * Validates a task, tags it with an idempotency key and creates it; returns
   * the new task id. A malformed task throws {@link ValidationError} listing
   * every problem, and nothing is sent. When a create fails ambiguously (the
   * connection broke or timed out after the request may have left, or a 5xx),
   * the client looks for a task with its key before it tries again, so exactly
   * one task exists.
   *
   * @example
   * ```ts
   * const id = await tes.createTask({
   *   name: 'count',
   *   inputs: [{ path: '/data/in.txt', content: 'a\nb\n' }],
   *   outputs: [{ path: '/data/n.txt', url: 's3://bucket/n.txt' }],
   *   executors: [{ image: 'alpine:3', command: ['sh', '-c', 'wc -l < /data/in.txt > /data/n.txt'] }],
   * });
   * ```
   */
  async createTask(task: TesTask, options: CreateTaskOptions = {}): Promise<string> {
    assertValidTask(task);
    const key = options.idempotencyKey ?? newIdempotencyKey();
    if (key === '') throw new ValidationError('createTask options', [{ path: '$.idempotencyKey', message: 'must not be empty' }]);
    const body: TesTask = { ...task, tags: { ...task.tags, [IDEMPOTENCY_TAG]: key } };
    for (const field of SERVER_SET) delete body[field];
    // A task with this key may exist: made by an earlier call with the same key (unless the caller says the key
    // is fresh), or by a POST of this call that failed ambiguously.
    let mayExist = options.idempotencyKey !== undefined && options.fresh !== true;
    let sent = false;
    return retry(
      async () => {
        if (mayExist) {
          const existing = await this.#findByKey(key, task.name, options).catch((error: unknown) => {
            throw sent ? error : createNotSent(error, this.http);
          });
          if (existing) return existing;
        }
        try {
          return this.#decode('POST /tasks', await this.#send('POST', '/tasks', options, { json: body }), decodeCreated);
        } catch (error) {
          if (isAmbiguousCreateFailure(error)) mayExist = sent = true;
          throw error;
        }
      },
      withRetries(this.#policy, options.retries),
      {
        ...signalOf(options),
        // A refused connection was already retried by the HTTP layer; once a POST of this call may
        // have made the task, a failed lookup is retried too, so the answer is never "maybe".
        shouldRetry: (error) =>
          !options.signal?.aborted && (isAmbiguousCreateFailure(error) || error instanceof RateLimitError || (sent && error instanceof ConnectionError)),
        retryAfterMs: (error) => (error instanceof RateLimitError ? error.retryAfterMs : undefined),
      },
    );
  }

  /**
   * The id of the task `createTask` made with this idempotency key (the
   * oldest, should a server hold two), or undefined when there is none.
   * Lists with a tag filter, checking each task's tags itself, so servers
   * that ignore the filter (TES 1.0) answer right too.
   *
   * @example
   * ```ts
   * const id = await tes.createTask(task, { idempotencyKey: 'run-42/align' }).catch(async () => tes.findTask('run-42/align'));
   * ```
   */
  findTask(idempotencyKey: string, options: CallOptions = {}): Promise<string | undefined> {
    if (typeof idempotencyKey !== 'string' || idempotencyKey === '') {
      return Promise.reject(new ValidationError('findTask arguments', [{ path: '$.idempotencyKey', message: 'must be a non-empty string' }]));
    }
    return this.#findByKey(idempotencyKey, undefined, options);
  }

  /**
   * One task, in the view asked for (`MINIMAL` by default, as the spec says);
   * the result's type follows the view, and so does the object: fields a
   * server sends beyond its view (Funnel fills MINIMAL with every field) are
   * dropped. In the FULL view the answer is read as a stream, and a string
   * longer than 64 KiB (an executor's stdout or stderr, a system log) keeps
   * its last 64 KiB, so memory stays bounded whatever the server sends.
   *
   * @example
   * ```ts
   * const { state } = await tes.getTask(id);
   * const full = await tes.getTask(id, { view: 'FULL' });
   * console.log(full.logs?.at(-1)?.logs[0]?.stdout);
   * ```
   */
  async getTask<V extends TesView | undefined = undefined>(id: string, options: GetTaskOptions<V> = {}): Promise<TaskForView<V>> {
    checkId(id);
    const view = checkView(options.view);
    if (view === 'FULL') {
      // Logs can be any size: the answer streams through and each string keeps its tail.
      const answer = await this.http.json<unknown>({ path: `tasks/${encodeURIComponent(id)}`, query: { view }, keepTails: FULL_VIEW_TAIL_BYTES, ...callRequest(options) });
      return toView(decodeTask(answer, this.#ctx('GET /tasks/{id}')), view) as TaskForView<V>;
    }
    const text = await this.#send('GET', '/tasks/{id}', options, { path: `tasks/${encodeURIComponent(id)}`, query: { view } });
    return toView(this.#decode('GET /tasks/{id}', text, decodeTask), view) as TaskForView<V>;
  }

  /**
   * Lists tasks, newest first on most servers. Await the result for one page,
   * or iterate it with `for await` for every task across all pages. Each
   * task is held to the view asked for, whatever the server sent (Funnel
   * answers a tag-filtered MINIMAL list in BASIC).
   *
   * @example
   * ```ts
   * const page = await tes.listTasks({ namePrefix: 'align-', pageSize: 100 });
   * for await (const task of tes.listTasks({ tags: { run: 'r42', sample: '' }, view: 'BASIC' })) {
   *   console.log(task.id, task.state, task.name);
   * }
   * ```
   */
  listTasks<V extends TesView | undefined = undefined>(options: ListTasksOptions<V> = {}): TaskList<TaskForView<V>> {
    const query = listQuery(options);
    const fetchPage = async (pageToken: string | undefined): Promise<TaskPage<TaskForView<V>>> => {
      const text = await this.#send('GET', '/tasks', options, { query: (pageToken === undefined ? query : { ...query, page_token: pageToken }) as QueryParams });
      const page = this.#decode('GET /tasks', text, decodeList);
      const tasks = page.tasks.map((task) => toView(task, query.view ?? 'MINIMAL'));
      return (page.nextPageToken === undefined ? { tasks } : { tasks, nextPageToken: page.nextPageToken }) as TaskPage<TaskForView<V>>;
    };
    return new TaskList(fetchPage, options.pageToken);
  }

  /**
   * Asks the server to cancel a task. Safe to repeat; cancelling a task that
   * already ended is harmless on most servers.
   *
   * @example
   * ```ts
   * await tes.cancelTask(id);
   * const task = await tes.waitForTask(id); // CANCELED (or how it ended first)
   * ```
   */
  async cancelTask(id: string, options: CallOptions = {}): Promise<void> {
    checkId(id);
    // Cancelling a task twice changes nothing, so this POST is retried like a GET.
    const text = await this.#send('POST', '/tasks/{id}:cancel', options, { path: `tasks/${encodeURIComponent(id)}:cancel`, idempotent: true });
    // The answer is an empty object; a server may send nothing, but what it sends must be JSON.
    if (text.trim() !== '') this.#decode('POST /tasks/{id}:cancel', text, (answer) => answer);
  }

  /**
   * Polls a task (MINIMAL view, with backoff and jitter between
   * `minInterval` and `maxInterval`) until it reaches a terminal state, then
   * returns it in the view asked for (`BASIC` by default). Throws
   * {@link TimeoutError} (scope `'wait'`) after `timeout`, and
   * {@link AbortError} when the signal aborts; neither cancels the task.
   *
   * @example
   * ```ts
   * const task = await tes.waitForTask(id, { timeout: 3_600_000, maxInterval: 30_000 });
   * if (task.state !== 'COMPLETE') console.error(task.state, task.logs?.at(-1)?.logs.at(-1)?.exit_code);
   * ```
   */
  async waitForTask<V extends TesView | undefined = 'BASIC'>(id: string, options: WaitForTaskOptions<V> = {}): Promise<TaskForView<V>> {
    checkId(id);
    const view = checkView(options.view ?? 'BASIC');
    const last = await pollUntilTerminal((signal) => this.getTask(id, { signal }), `waiting for TES task ${id}`, options);
    if (view === 'MINIMAL') return last as TaskForView<V>;
    return (await this.getTask(id, { view, ...signalOf(options) })) as TaskForView<V>;
  }

  async #findByKey(key: string, name: string | undefined, call: CallOptions): Promise<string | undefined> {
    // BASIC view carries tags, so a server that ignores tag filters (TES 1.0) is still matched exactly.
    const list = this.listTasks({ tags: { [IDEMPOTENCY_TAG]: key }, view: 'BASIC', pageSize: 256, ...(name ? { namePrefix: name } : {}), ...pickCall(call) });
    let found: FullTask | undefined;
    for await (const task of list) {
      if (task.tags?.[IDEMPOTENCY_TAG] === key && (found === undefined || (task.creation_time ?? '') < (found.creation_time ?? ''))) found = task as FullTask;
    }
    return found?.id;
  }

  /**
   * Sends one call of the TES API (a route of the OpenAPI document, so a typo in a route does not compile)
   * and reads its answer as text, bounded; this client parses and checks every answer itself.
   */
  #send(method: 'GET' | 'POST', route: keyof paths, call: CallOptions, request: Pick<RequestOptions, 'path' | 'query' | 'json' | 'idempotent'> = {}): Promise<string> {
    return this.http.text({ method, path: route.slice(1), ...request, ...callRequest(call) });
  }

  #ctx(where: string): AnswerContext {
    return { where, secrets: this.http.secrets };
  }

  /** Parses an answer read as text and decodes it; errors name the call and hold none of the client's secrets. */
  #decode<T>(where: string, text: string, decode: (answer: unknown, ctx: AnswerContext) => T): T {
    const ctx = this.#ctx(where);
    return decode(parseAnswer(text, ctx), ctx);
  }
}

function signalOf(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/** Only the call options of a wider options object. */
function pickCall(options: CallOptions): CallOptions {
  const { signal, timeout, retries, headers } = options;
  return { ...(signal && { signal }), ...(timeout !== undefined && { timeout }), ...(retries !== undefined && { retries }), ...(headers && { headers }) };
}

/**
 * A failure of what a create does before its POST (the lookup of an earlier
 * task with its key, a site's read of the service-info) that could not reach
 * the server: nothing was sent, so the caller learns of the create it asked
 * for — `POST <base>/tasks`, the server, the code — with the first failure
 * as its cause. Other errors are returned as they are.
 *
 * @example
 * ```ts
 * const info = await tes.serviceInfo().catch((error) => Promise.reject(createNotSent(error, tes.http)));
 * ```
 */
export function createNotSent(error: unknown, http: HttpClient): unknown {
  const url = redactUrl(http.url('tasks'));
  if (error instanceof TimeoutError && error.host !== undefined) {
    return new TimeoutError({ scope: error.scope, timeoutMs: error.timeoutMs, what: `POST ${url} (what it reads first)`, host: error.host }, { cause: error });
  }
  if (!(error instanceof ConnectionError) || error.mayHaveBeenSent) return error;
  return new ConnectionError({ method: 'POST', url, mayHaveBeenSent: false, reason: error.reason, host: error.host, code: error.code }, { cause: error });
}
