/**
 * Fair use in the gateway: per-client limits on tasks in flight,
 * submissions per minute and stored bytes (answered 429 with
 * `Retry-After`), and caps on the size of one task (answered 400 naming
 * the limit).
 * @module
 */
import type { ValidationIssue } from '../errors.js';
import type { JobSpec } from '../contracts/job-spec.js';
import { HttpProblem } from './http.js';
import { FINAL_TES_STATES, type StoreUsage, type TaskStore } from './store.js';

/** Limits of one client. */
export interface ClientLimits {
  /** Most tasks of the client not yet in a terminal state. @default 100 */
  maxInFlight: number;
  /** Most tasks the client may create in any 60 seconds. @default 60 */
  submitsPerMinute: number;
  /** Most bytes the client's tasks (spec, logs, decision) may take in the store. @default 256 MiB */
  maxStoredBytes: number;
  /** The `Retry-After` of a 429 for tasks in flight or stored bytes, in seconds. @default 30 */
  retryAfterSeconds: number;
}

/** Caps on one task, whoever sends it. */
export interface TaskLimits {
  /** Most executors. @default 32 */
  maxExecutors: number;
  /** Most inputs. @default 1000 */
  maxInputs: number;
  /** Most outputs. @default 1000 */
  maxOutputs: number;
  /** Most volumes. @default 100 */
  maxVolumes: number;
  /** Most tags. @default 100 */
  maxTags: number;
  /** Longest string anywhere in the task (a name, a URL, a command word, a tag), inline input content aside, in characters. @default 65536 */
  maxFieldChars: number;
}

/** The defaults of {@link ClientLimits}. */
export const DEFAULT_CLIENT_LIMITS: Readonly<ClientLimits> = { maxInFlight: 100, submitsPerMinute: 60, maxStoredBytes: 256 * 1024 * 1024, retryAfterSeconds: 30 };

/** The defaults of {@link TaskLimits}. */
export const DEFAULT_TASK_LIMITS: Readonly<TaskLimits> = { maxExecutors: 32, maxInputs: 1000, maxOutputs: 1000, maxVolumes: 100, maxTags: 100, maxFieldChars: 65_536 };

/**
 * Problems of a limits object given by a user (unknown keys, values that
 * are not positive whole numbers), each with its path below `at`.
 *
 * @example
 * ```ts
 * limitsProblems({ maxInFlight: 0 }, 'limits', DEFAULT_CLIENT_LIMITS); // [{ path: 'limits.maxInFlight', … }]
 * ```
 */
export function limitsProblems(value: unknown, at: string, defaults: object): ValidationIssue[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ path: at, message: 'must be a mapping of limits' }];
  const issues: ValidationIssue[] = [];
  for (const [key, limit] of Object.entries(value)) {
    if (!Object.hasOwn(defaults, key)) issues.push({ path: `${at}.${key}`, message: `is not a limit (${Object.keys(defaults).join(', ')})` });
    else if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) issues.push({ path: `${at}.${key}`, message: 'must be a positive whole number' });
  }
  return issues;
}

const WINDOW_MS = 60_000;
const MAX_REPORTED = 20;

/**
 * The size problems of a task (each naming its limit), at most 20; empty
 * when it fits.
 *
 * @example
 * ```ts
 * const many = Array.from({ length: 30_000 }, () => ({ image: 'alpine', command: ['true'] }));
 * taskLimitProblems({ executors: many }, DEFAULT_TASK_LIMITS);
 * // ['$.executors: has 30000 executors; at most 32 are accepted (limit maxExecutors)']
 * ```
 */
export function taskLimitProblems(spec: JobSpec, limits: TaskLimits): string[] {
  const problems: string[] = [];
  const count = (path: string, n: number, max: number, what: string, limit: keyof TaskLimits): void => {
    if (n > max) problems.push(`${path}: has ${n} ${what}; at most ${max} are accepted (limit ${limit})`);
  };
  count('$.executors', spec.executors?.length ?? 0, limits.maxExecutors, 'executors', 'maxExecutors');
  count('$.inputs', spec.inputs?.length ?? 0, limits.maxInputs, 'inputs', 'maxInputs');
  count('$.outputs', spec.outputs?.length ?? 0, limits.maxOutputs, 'outputs', 'maxOutputs');
  count('$.volumes', spec.volumes?.length ?? 0, limits.maxVolumes, 'volumes', 'maxVolumes');
  count('$.tags', Object.keys(spec.tags ?? {}).length, limits.maxTags, 'tags', 'maxTags');
  if (problems.length > 0) return problems;
  const walk = (value: unknown, path: string): void => {
    if (problems.length >= MAX_REPORTED) return;
    if (typeof value === 'string') {
      if (value.length > limits.maxFieldChars) problems.push(`${path}: is ${value.length} characters long; at most ${limits.maxFieldChars} are accepted (limit maxFieldChars)`);
    } else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (key.length > limits.maxFieldChars) problems.push(`${path}: has a key of ${key.length} characters; at most ${limits.maxFieldChars} are accepted (limit maxFieldChars)`);
        // inline content is bounded by the body size, not by the field cap
        else if (!(key === 'content' && /^\$\.inputs\[\d+\]$/.test(path))) walk(item, `${path}.${key}`);
      }
    }
  };
  walk(spec, '$');
  return problems;
}

/**
 * Keeps each client's recent submissions and answers whether one more task
 * may come in.
 *
 * @example
 * ```ts
 * const fairUse = new FairUse(new MemoryTaskStore(), () => DEFAULT_CLIENT_LIMITS);
 * fairUse.checkRate('alice'); // throws a 429 HttpProblem when over the limit
 * ```
 */
export class FairUse {
  readonly #recent = new Map<string, number[]>();

  constructor(
    readonly store: TaskStore,
    readonly limitsOf: (client: string) => ClientLimits,
    readonly now: () => number = Date.now,
  ) {}

  /** Throws a 429 when the client created `submitsPerMinute` tasks within the last minute. */
  checkRate(client: string): void {
    const { submitsPerMinute } = this.limitsOf(client);
    const times = this.#window(client);
    if (times.length >= submitsPerMinute) {
      const wait = Math.max(1, Math.ceil(((times[0] as number) + WINDOW_MS - this.now()) / 1000));
      throw tooMany(`client ${client} created ${times.length} tasks in the last minute; at most ${submitsPerMinute} are accepted (limit submitsPerMinute)`, wait);
    }
  }

  /**
   * Throws a 429 when the client has `maxInFlight` tasks in flight, or when
   * storing `bytes` more would pass `maxStoredBytes`. Synchronous, so a
   * check and the insert that follows it cannot interleave with another.
   */
  checkRoom(client: string, bytes: number): void {
    const limits = this.limitsOf(client);
    const usage = usageOf(this.store, client);
    if (usage.unfinished >= limits.maxInFlight) {
      throw tooMany(`client ${client} has ${usage.unfinished} tasks in flight; at most ${limits.maxInFlight} are accepted (limit maxInFlight)`, limits.retryAfterSeconds);
    }
    if (usage.bytes + bytes > limits.maxStoredBytes) {
      throw tooMany(`client ${client} stores ${usage.bytes} bytes of tasks and this one needs ${bytes} more; at most ${limits.maxStoredBytes} are kept (limit maxStoredBytes)`, limits.retryAfterSeconds);
    }
  }

  /** Counts a task the client created now. */
  record(client: string): void {
    this.#window(client).push(this.now());
  }

  #window(client: string): number[] {
    const since = this.now() - WINDOW_MS;
    const times = (this.#recent.get(client) ?? []).filter((t) => t > since);
    this.#recent.set(client, times);
    return times;
  }
}

function tooMany(message: string, retryAfterSeconds: number): HttpProblem {
  return new HttpProblem(429, message, [], { 'retry-after': String(retryAfterSeconds) });
}

/** Tasks in flight and stored bytes of one owner: from the store when it can say, else by listing. */
function usageOf(store: TaskStore, owner: string): StoreUsage {
  if (store.usage) return store.usage(owner);
  const usage = { unfinished: 0, bytes: 0 };
  for (let after = 0; ; ) {
    const page = store.list({ owner, afterSeq: after, limit: 500 });
    for (const task of page) {
      if (!FINAL_TES_STATES.has(task.state)) usage.unfinished++;
      usage.bytes += JSON.stringify(task).length;
    }
    if (page.length < 500) return usage;
    after = (page.at(-1) as { seq: number }).seq;
  }
}
