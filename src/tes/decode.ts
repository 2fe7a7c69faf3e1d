/**
 * Checks what a TES server answered: the right shape, known states, the
 * right types. Anything else is a ProtocolError with a short redacted excerpt.
 * @module
 */
import { ProtocolError } from '../errors.js';
import { parseJson } from '../http/client.js';
import { excerptOf, quotedExcerpt, type SecretSet } from '../redact.js';
import { isTesState } from './states.js';
import { isObject, isString, snakeCase, type Json } from './json.js';
import type { FullTask, TesServiceInfo } from './types.js';

/** Context of one answer: which call it came from, and the secrets to scrub. */
export interface AnswerContext {
  where: string;
  secrets?: SecretSet;
}

/** Builds the ProtocolError of a bad answer. */
export function badAnswer(ctx: AnswerContext, problem: string, value: unknown): ProtocolError {
  // The problem may quote the answer too: it is scrubbed and cut like the excerpt.
  return new ProtocolError({ where: ctx.where, problem: excerptOf(problem, ctx.secrets, 200), excerpt: excerptOf(value, ctx.secrets) });
}

/** Parses an answer's JSON text with the HTTP layer's scrubbing parser. */
export function parseAnswer(text: string, ctx: AnswerContext): unknown {
  return parseJson<unknown>(text, ctx.where, ctx.secrets);
}

/** The spec's snake_case names some servers (protobuf JSON) send in camelCase (`creationTime`). */
const RENAMED = new Set([
  'creation_time',
  'next_page_token',
  'exit_code',
  'start_time',
  'end_time',
  'system_logs',
  'size_bytes',
  'path_prefix',
  'ignore_error',
  'cpu_cores',
  'ram_gb',
  'disk_gb',
  'backend_parameters',
  'backend_parameters_strict',
]);
/** Fields whose keys are user data (never renamed). */
const USER_MAPS = new Set(['tags', 'env', 'metadata', 'backend_parameters']);

/**
 * Renames the camelCase TES field names some servers send to the spec's
 * snake_case (only known names, never keys inside tags, env, metadata or
 * backend_parameters; a snake_case field present wins).
 */
export function snakeCaseFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCaseFields);
  if (!isObject(value)) return value;
  const fields: Array<[string, unknown]> = [];
  for (const [key, item] of Object.entries(value)) {
    const snake = snakeCase(key);
    const name = RENAMED.has(snake) ? snake : key;
    if (name !== key && name in value) continue;
    fields.push([name, USER_MAPS.has(name) ? item : snakeCaseFields(item)]);
  }
  // Defined, not assigned: a `__proto__` field stays a field instead of setting the prototype.
  return Object.fromEntries(fields);
}

/** The answer of CreateTask: `{ id }`. */
export function decodeCreated(value: unknown, ctx: AnswerContext): string {
  if (!isObject(value)) throw badAnswer(ctx, 'expected a JSON object with the new task id', value);
  if (typeof value.id !== 'string' || value.id === '') throw badAnswer(ctx, 'the answer has no task id', value);
  return value.id;
}

/** The answer of ListTasks: `{ tasks, next_page_token? }`. `""` and `null` tokens mean the last page. */
export function decodeList(answer: unknown, ctx: AnswerContext): { tasks: FullTask[]; nextPageToken?: string } {
  const value = snakeCaseFields(answer);
  if (!isObject(value)) throw badAnswer(ctx, 'expected a JSON object with a tasks array', value);
  // Servers that emit unpopulated fields send no tasks as null or leave the field out on an empty page.
  const raw = value.tasks ?? [];
  if (!Array.isArray(raw)) throw badAnswer(ctx, 'tasks must be an array', value.tasks);
  const tasks = raw.map((task, i) => decodeTask(task, { ...ctx, where: `${ctx.where} tasks[${i}]` }));
  const token = value.next_page_token;
  if (token !== undefined && token !== null && typeof token !== 'string') {
    throw badAnswer(ctx, 'next_page_token must be a string', token);
  }
  return typeof token === 'string' && token !== '' ? { tasks, nextPageToken: token } : { tasks };
}

/**
 * One task. `id` must be a string; a missing `state` is `UNKNOWN` (the
 * spec's default); a state the spec does not know is an error, never a hang.
 */
export function decodeTask(answer: unknown, ctx: AnswerContext): FullTask {
  const value = snakeCaseFields(answer);
  if (!isObject(value)) throw badAnswer(ctx, 'expected a task object', value);
  if (typeof value.id !== 'string' || value.id === '') throw badAnswer(ctx, 'the task has no id', value);
  const state = value.state ?? 'UNKNOWN';
  if (!isTesState(state)) throw badAnswer(ctx, `unknown task state ${quotedExcerpt(state, ctx.secrets)}`, value);
  const problem = fieldsProblem(value, TASK, '');
  if (problem) throw badAnswer(ctx, problem.message, problem.value);
  return { ...value, state } as FullTask;
}

/** The service-info document. */
export function decodeServiceInfo(value: unknown, ctx: AnswerContext): TesServiceInfo {
  if (!isObject(value)) throw badAnswer(ctx, 'expected a service-info object', value);
  for (const key of ['id', 'name'] as const) {
    if (typeof value[key] !== 'string') throw badAnswer(ctx, `service-info ${key} must be a string`, value);
  }
  if (!isObject(value.type)) throw badAnswer(ctx, 'service-info type must be an object', value);
  if (value.storage != null && !isStringArray(value.storage)) {
    throw badAnswer(ctx, 'service-info storage must be an array of strings', value.storage);
  }
  return value as unknown as TesServiceInfo;
}

interface Problem {
  message: string;
  value: unknown;
}

/** The first problem of a value found at `at` (`logs[0].logs[1].exit_code`), if any. */
type Rule = (value: unknown, at: string) => Problem | undefined;

const must =
  (test: (value: unknown) => boolean, what: string): Rule =>
  (value, at) =>
    test(value) ? undefined : { message: `${at} ${what}`, value };

/** A field servers may leave out or send as null (as those that emit unpopulated fields do). */
const may = (test: (value: unknown) => boolean, what: string): Rule => must((value) => value == null || test(value), what);

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);

const string = may(isString, 'must be a string');
const array = may(Array.isArray, 'must be an array');

const listOf =
  (each: Rule): Rule =>
  (list, at) => {
    if (!Array.isArray(list)) return array(list, at);
    for (const [i, item] of list.entries()) {
      const problem = each(item, `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };

const objectOf =
  (fields: Readonly<Record<string, Rule>>): Rule =>
  (value, at) =>
    isObject(value) ? fieldsProblem(value, fields, `${at}.`) : { message: `${at} must be an object`, value };

/** The first problem of an object's fields, each checked by its rule in turn. */
function fieldsProblem(item: Json, fields: Readonly<Record<string, Rule>>, prefix: string): Problem | undefined {
  for (const [key, rule] of Object.entries(fields)) {
    const problem = rule(item[key], prefix + key);
    if (problem) return problem;
  }
  return undefined;
}

const EXECUTOR_LOG = {
  exit_code: may(Number.isInteger, 'must be an integer'),
  stdout: string,
  stderr: string,
  start_time: string,
  end_time: string,
};

const TASK_LOG = {
  logs: listOf(objectOf(EXECUTOR_LOG)),
  outputs: listOf(must((file) => isObject(file) && isString(file.url) && ['string', 'number'].includes(typeof file.size_bytes), 'must have url, path and size_bytes')),
  system_logs: may(isStringArray, 'must be an array of strings'),
};

/** What a task's fields must be, where the client reads them. */
const TASK = {
  name: string,
  description: string,
  creation_time: string,
  tags: may((tags) => isObject(tags) && Object.values(tags).every(isString), 'must map strings to strings'),
  inputs: array,
  outputs: array,
  executors: array,
  volumes: array,
  logs: listOf(objectOf(TASK_LOG)),
};
