/**
 * Options of a {@link TesClient} and of its calls.
 * @module
 */
import type { HttpClient } from '../http/client.js';
import type { CallOptions, HttpClientOptions } from '../http/options.js';
import type { RetryOptions } from '../http/retry.js';
import type { TesState } from './states.js';
import type { TesView } from './types.js';
import type { TesWaitOptions } from './wait.js';

export type { CallOptions } from '../http/options.js';

/**
 * Options of a {@link TesClient}: either the options of its own
 * {@link HttpClient} (base URL, auth, headers, timeouts, retries, ...), or an
 * existing `http` client.
 */
export type TesClientOptions =
  | HttpClientOptions
  | {
      /** The HTTP client to send every request through (its base URL is the TES base URL). */
      http: HttpClient;
      /** Retry policy of `createTask` (ambiguous failures, rate limits); a number sets the retries, `false` disables. @default the {@link RetryOptions} defaults (4 retries) */
      retry?: RetryOptions | number | false;
    };

/** Options of {@link TesClient.getTask}. */
export interface GetTaskOptions<V extends TesView | undefined> extends CallOptions {
  /** How much of the task to return. @default 'MINIMAL' */
  view?: V;
}

/** Filters and paging of {@link TesClient.listTasks}. */
export interface ListTasksOptions<V extends TesView | undefined> extends CallOptions {
  /** Only tasks whose name starts with this. */
  namePrefix?: string;
  /** Only tasks in this state (TES 1.1 servers). */
  state?: TesState;
  /** Only tasks carrying all these tags; an empty value matches any value of the key (TES 1.1 servers). */
  tags?: Record<string, string>;
  /** How much of each task to return. @default 'MINIMAL' */
  view?: V;
  /** Tasks per page, 1 to 2047 (the server's default is 256). */
  pageSize?: number;
  /** Start at this page (a `nextPageToken` from an earlier page). */
  pageToken?: string;
}

/** Options of {@link TesClient.createTask}. */
export interface CreateTaskOptions extends CallOptions {
  /**
   * The idempotency key to tag the task with. Give the same key when you
   * submit the same task again after a crash: the client first looks for a
   * task with this key and returns its id instead of creating a second one.
   * A fresh key is made when absent; give your own to be able to resume
   * after a failure that left it unclear whether the task was created.
   */
  idempotencyKey?: string;
  /**
   * The given key was never sent before (a new job): skip the look-up before
   * the first try. A look-up lists tasks by tag, which costs a server as
   * much as listing; an ambiguous failure is still looked up before the
   * next try. @default false
   */
  fresh?: boolean;
}

/** Options of {@link TesClient.waitForTask}. */
export interface WaitForTaskOptions<V extends TesView | undefined> extends TesWaitOptions {
  /** The view of the final task returned. @default 'BASIC' */
  view?: V;
}
