/**
 * Checks what a TES server answered: the right shape, known states, the
 * right types. Anything else is a ProtocolError with a short redacted excerpt.
 * @module
 */
import { ProtocolError } from '../errors.js';
import { parseJson } from '../http/client.js';
import { excerptOf, quotedExcerpt, type SecretSet } from '../redact.js';
import { isTesState } from './states.js';
import type { FullTask, TesServiceInfo } from './types.js';

type Json = Record<string, unknown>;

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

/** camelCase spellings some servers (protobuf JSON) use, and the spec's names. */
const SNAKE: Readonly<Record<string, string>> = {
  creationTime: 'creation_time',
  nextPageToken: 'next_page_token',
  exitCode: 'exit_code',
  startTime: 'start_time',
  endTime: 'end_time',
  systemLogs: 'system_logs',
  sizeBytes: 'size_bytes',
  pathPrefix: 'path_prefix',
  ignoreError: 'ignore_error',
  cpuCores: 'cpu_cores',
  ramGb: 'ram_gb',
  diskGb: 'disk_gb',
  backendParameters: 'backend_parameters',
  backendParametersStrict: 'backend_parameters_strict',
};
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
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const name = SNAKE[key] ?? key;
    if (name !== key && name in value) continue;
    out[name] = USER_MAPS.has(name) ? item : snakeCaseFields(item);
  }
  return out;
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
  const problem = taskProblem(value);
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
  if (value.storage !== undefined && value.storage !== null && !isStringArray(value.storage)) {
    throw badAnswer(ctx, 'service-info storage must be an array of strings', value.storage);
  }
  return value as unknown as TesServiceInfo;
}

interface Problem {
  message: string;
  value: unknown;
}

function taskProblem(task: Json): Problem | undefined {
  for (const key of ['name', 'description', 'creation_time'] as const) {
    if (!optional(task[key], 'string')) return { message: `${key} must be a string`, value: task[key] };
  }
  if (!optionalStringMap(task.tags)) return { message: 'tags must map strings to strings', value: task.tags };
  for (const key of ['inputs', 'outputs', 'executors', 'volumes'] as const) {
    if (task[key] !== undefined && task[key] !== null && !Array.isArray(task[key])) return { message: `${key} must be an array`, value: task[key] };
  }
  const logs = task.logs;
  if (logs === undefined || logs === null) return undefined;
  if (!Array.isArray(logs)) return { message: 'logs must be an array', value: logs };
  for (const [i, log] of logs.entries()) {
    if (!isObject(log)) return { message: `logs[${i}] must be an object`, value: log };
    const executorLogs = log.logs ?? [];
    if (!Array.isArray(executorLogs)) return { message: `logs[${i}].logs must be an array`, value: log.logs };
    for (const [j, entry] of executorLogs.entries()) {
      if (!isObject(entry)) return { message: `logs[${i}].logs[${j}] must be an object`, value: entry };
      if (entry.exit_code !== undefined && entry.exit_code !== null && !Number.isInteger(entry.exit_code)) {
        return { message: `logs[${i}].logs[${j}].exit_code must be an integer`, value: entry.exit_code };
      }
      for (const key of ['stdout', 'stderr', 'start_time', 'end_time'] as const) {
        if (!optional(entry[key], 'string')) return { message: `logs[${i}].logs[${j}].${key} must be a string`, value: entry[key] };
      }
    }
    const outputs = log.outputs ?? [];
    if (!Array.isArray(outputs)) return { message: `logs[${i}].outputs must be an array`, value: log.outputs };
    for (const [j, file] of outputs.entries()) {
      const size = isObject(file) ? file.size_bytes : undefined;
      if (!isObject(file) || typeof file.url !== 'string' || !(typeof size === 'string' || typeof size === 'number')) {
        return { message: `logs[${i}].outputs[${j}] must have url, path and size_bytes`, value: file };
      }
    }
    if (log.system_logs !== undefined && log.system_logs !== null && !isStringArray(log.system_logs)) {
      return { message: `logs[${i}].system_logs must be an array of strings`, value: log.system_logs };
    }
  }
  return undefined;
}

function optional(value: unknown, type: 'string'): boolean {
  return value === undefined || value === null || typeof value === type;
}

function optionalStringMap(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
