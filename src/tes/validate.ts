/**
 * Checks a task against the TES 1.1 rules before anything is sent.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { TesTask } from '../contracts/job-spec.js';

type Json = Record<string, unknown>;

const TASK_KEYS = ['id', 'state', 'name', 'description', 'inputs', 'outputs', 'resources', 'executors', 'volumes', 'tags', 'logs', 'creation_time'];
const INPUT_KEYS = ['name', 'description', 'url', 'path', 'type', 'content', 'streamable'];
const OUTPUT_KEYS = ['name', 'description', 'url', 'path', 'path_prefix', 'type'];
const EXECUTOR_KEYS = ['image', 'command', 'workdir', 'stdin', 'stdout', 'stderr', 'env', 'ignore_error'];
const RESOURCE_KEYS = ['cpu_cores', 'preemptible', 'ram_gb', 'disk_gb', 'zones', 'backend_parameters', 'backend_parameters_strict'];
const FILE_TYPES = ['FILE', 'DIRECTORY'];
const WILDCARD = /[*?[]/;

/**
 * Lists every problem of a task, each with its JSON path. An empty list means
 * the task may be sent.
 *
 * @example
 * ```ts
 * validateTask({ executors: [{ image: '', command: [] }] });
 * // [{ path: '$.executors[0].image', message: 'must be a non-empty string' },
 * //  { path: '$.executors[0].command', message: 'must be a non-empty array of strings' }]
 * ```
 */
export function validateTask(task: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (path: string, message: string): void => {
    issues.push({ path, message });
  };
  if (!isObject(task)) {
    add('$', 'a task must be a JSON object');
    return issues;
  }
  unknownKeys(task, TASK_KEYS, '$', add);
  optionalString(task, 'name', '$', add);
  optionalString(task, 'description', '$', add);

  if (!Array.isArray(task.executors) || task.executors.length === 0) {
    add('$.executors', 'a task needs at least one executor');
  } else {
    task.executors.forEach((executor, i) => checkExecutor(executor, `$.executors[${i}]`, add));
  }
  arrayOf(task, 'inputs', '$', add, (input, path) => checkInput(input, path, add));
  arrayOf(task, 'outputs', '$', add, (output, path) => checkOutput(output, path, add));
  arrayOf(task, 'volumes', '$', add, (volume, path) => {
    if (!isAbsolute(volume)) add(path, 'a volume must be an absolute container path');
  });
  stringMap(task, 'tags', '$', add);
  if (task.resources !== undefined) checkResources(task.resources, '$.resources', add);
  duplicates(task, add);
  return issues;
}

/**
 * Throws a {@link ValidationError} listing every problem of the task, or
 * returns it typed when it is valid.
 *
 * @example
 * ```ts
 * try {
 *   assertValidTask(task);
 * } catch (error) {
 *   if (error instanceof ValidationError) for (const i of error.issues) console.log(i.path, i.message);
 * }
 * ```
 */
export function assertValidTask(task: unknown): asserts task is TesTask {
  const issues = validateTask(task);
  if (issues.length > 0) throw new ValidationError('TES task', issues);
}

type Add = (path: string, message: string) => void;

function checkExecutor(executor: unknown, path: string, add: Add): void {
  if (!isObject(executor)) return add(path, 'an executor must be an object');
  unknownKeys(executor, EXECUTOR_KEYS, path, add);
  if (typeof executor.image !== 'string' || executor.image.trim() === '') add(`${path}.image`, 'must be a non-empty string');
  const command = executor.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string')) {
    add(`${path}.command`, 'must be a non-empty array of strings (argv)');
  } else if (command[0] === '') {
    add(`${path}.command[0]`, 'the program must not be empty');
  }
  for (const key of ['workdir', 'stdin', 'stdout', 'stderr'] as const) {
    if (executor[key] === undefined) continue;
    if (!isAbsolute(executor[key])) add(`${path}.${key}`, 'must be an absolute container path');
  }
  stringMap(executor, 'env', path, add);
  optionalBoolean(executor, 'ignore_error', path, add);
}

/** What inputs and outputs share: known keys, an absolute path, name, description, type. */
function checkFileCommon(item: Json, keys: readonly string[], path: string, add: Add): void {
  unknownKeys(item, keys, path, add);
  if (!isAbsolute(item.path)) add(`${path}.path`, 'must be an absolute container path');
  optionalString(item, 'name', path, add);
  optionalString(item, 'description', path, add);
  fileType(item, path, add);
}

function checkInput(input: unknown, path: string, add: Add): void {
  if (!isObject(input)) return add(path, 'an input must be an object');
  checkFileCommon(input, INPUT_KEYS, path, add);
  const hasUrl = input.url !== undefined && input.url !== '';
  const hasContent = input.content !== undefined && input.content !== '';
  if (hasUrl && hasContent) add(path, 'set either url or content, not both');
  if (!hasUrl && !hasContent) add(path, 'needs a url or a content');
  optionalString(input, 'url', path, add);
  optionalString(input, 'content', path, add);
  optionalBoolean(input, 'streamable', path, add);
}

function checkOutput(output: unknown, path: string, add: Add): void {
  if (!isObject(output)) return add(path, 'an output must be an object');
  checkFileCommon(output, OUTPUT_KEYS, path, add);
  if (typeof output.url !== 'string' || output.url === '') add(`${path}.url`, 'must be a non-empty string');
  if (typeof output.path === 'string' && WILDCARD.test(output.path)) {
    if (typeof output.path_prefix !== 'string' || output.path_prefix === '') {
      add(`${path}.path_prefix`, 'is required when path contains wildcards');
    } else if (!output.path.startsWith(output.path_prefix)) {
      add(`${path}.path_prefix`, 'must be a prefix of path');
    }
  } else {
    optionalString(output, 'path_prefix', path, add);
  }
}

function checkResources(resources: unknown, path: string, add: Add): void {
  if (!isObject(resources)) return add(path, 'must be an object');
  unknownKeys(resources, RESOURCE_KEYS, path, add);
  const cpu = resources.cpu_cores;
  if (cpu !== undefined && !(Number.isInteger(cpu) && (cpu as number) > 0 && (cpu as number) <= 2 ** 31 - 1)) {
    add(`${path}.cpu_cores`, 'must be a positive whole number (int32)');
  }
  for (const key of ['ram_gb', 'disk_gb'] as const) {
    const value = resources[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) add(`${path}.${key}`, 'must be a number >= 0');
  }
  optionalBoolean(resources, 'preemptible', path, add);
  optionalBoolean(resources, 'backend_parameters_strict', path, add);
  arrayOf(resources, 'zones', path, add, (zone, p) => {
    if (typeof zone !== 'string') add(p, 'must be a string');
  });
  stringMap(resources, 'backend_parameters', path, add);
}

function duplicates(task: Json, add: Add): void {
  const seen = new Map<string, string>();
  const check = (list: unknown, name: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      if (!isObject(item) || typeof item.path !== 'string') return;
      const here = `$.${name}[${i}].path`;
      const before = seen.get(`${name}:${item.path}`);
      if (before) add(here, `the same path as ${before}`);
      else seen.set(`${name}:${item.path}`, here);
    });
  };
  check(task.inputs, 'inputs');
  check(task.outputs, 'outputs');
}

function fileType(item: Json, path: string, add: Add): void {
  if (item.type !== undefined && !FILE_TYPES.includes(item.type as string)) add(`${path}.type`, 'must be FILE or DIRECTORY');
}

function unknownKeys(value: Json, known: readonly string[], path: string, add: Add): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const hint = snake !== key && known.includes(snake) ? ` (TES field names are snake_case: ${snake})` : '';
    add(`${path}.${key}`, `is not a TES field${hint}`);
  }
}

function arrayOf(value: Json, key: string, path: string, add: Add, each: (item: unknown, path: string) => void): void {
  const list = value[key];
  if (list === undefined) return;
  if (!Array.isArray(list)) return add(`${path}.${key}`, 'must be an array');
  list.forEach((item, i) => each(item, `${path}.${key}[${i}]`));
}

function stringMap(value: Json, key: string, path: string, add: Add): void {
  const map = value[key];
  if (map === undefined) return;
  if (!isObject(map)) return add(`${path}.${key}`, 'must be an object of strings');
  for (const [name, item] of Object.entries(map)) {
    if (typeof item !== 'string') add(`${path}.${key}.${name}`, 'must be a string');
  }
}

function optionalString(value: Json, key: string, path: string, add: Add): void {
  if (value[key] !== undefined && typeof value[key] !== 'string') add(`${path}.${key}`, 'must be a string');
}

function optionalBoolean(value: Json, key: string, path: string, add: Add): void {
  if (value[key] !== undefined && typeof value[key] !== 'boolean') add(`${path}.${key}`, 'must be true or false');
}

function isAbsolute(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('/');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
