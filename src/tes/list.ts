/**
 * `TaskList`: one ListTasks call that can be awaited for its first page or
 * iterated with `for await` over every task of every page.
 * @module
 */
import { ProtocolError } from '../errors.js';
import type { TaskPage } from './types.js';

/** Fetches one page; `pageToken` is undefined for the first. */
export type PageFetcher<T> = (pageToken: string | undefined) => Promise<TaskPage<T>>;

/**
 * The result of `listTasks`. Await it for one page, or iterate it for all
 * tasks; pages are fetched lazily, one at a time, and iteration ends on the
 * page whose `next_page_token` is absent or empty. A server that gives the
 * last full page a token whose page is empty (Funnel does) costs one more
 * request, and that empty page is not yielded.
 *
 * Being awaitable, a `TaskList` returned from an `async` function resolves
 * to its first page; return `{ list }` or iterate it inside instead.
 *
 * @example
 * ```ts
 * const first = await tes.listTasks({ pageSize: 50 });
 * console.log(first.tasks.length, first.nextPageToken);
 * for await (const task of tes.listTasks({ state: 'RUNNING' })) console.log(task.id);
 * ```
 */
export class TaskList<T> implements PromiseLike<TaskPage<T>>, AsyncIterable<T> {
  readonly #fetch: PageFetcher<T>;
  readonly #firstToken: string | undefined;
  #first: Promise<TaskPage<T>> | undefined;

  constructor(fetchPage: PageFetcher<T>, firstToken?: string) {
    this.#fetch = fetchPage;
    this.#firstToken = firstToken;
  }

  /** The first page (the one `pageToken` names, if given). */
  then<A = TaskPage<T>, B = never>(
    onFulfilled?: ((page: TaskPage<T>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#firstPage().then(onFulfilled, onRejected);
  }

  /**
   * Every page in turn, starting with the first (yielded even when empty).
   * An empty page reached through a token and carrying none ends the
   * iteration without being yielded: it only says the previous page was the
   * last.
   *
   * @example
   * ```ts
   * for await (const page of tes.listTasks({ pageSize: 100 }).pages()) console.log(page.tasks.length);
   * ```
   */
  async *pages(): AsyncGenerator<TaskPage<T>, void, undefined> {
    const seen = new Set<string>();
    let page = await this.#firstPage();
    for (;;) {
      yield page;
      const token = page.nextPageToken;
      if (token === undefined) return;
      if (seen.has(token)) {
        throw new ProtocolError({ where: 'GET /tasks', problem: 'the server returned a page token it had already returned (pagination would never end)' });
      }
      seen.add(token);
      page = await this.#fetch(token);
      if (page.tasks.length === 0 && page.nextPageToken === undefined) return;
    }
  }

  /** Every task of every page, in order, fetching pages as it goes. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.tasks;
  }

  /**
   * Every task of every page, in one array.
   *
   * @example
   * ```ts
   * const failed = await tes.listTasks({ state: 'EXECUTOR_ERROR' }).toArray();
   * ```
   */
  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const task of this) all.push(task);
    return all;
  }

  #firstPage(): Promise<TaskPage<T>> {
    this.#first ??= this.#fetch(this.#firstToken);
    return this.#first;
  }
}
