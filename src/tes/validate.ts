/**
 * Checks a task against the TES 1.1 rules before anything is sent.
 *
 * Each kind of object (task, executor, input, output, resources) is a table
 * of its fields, each with its check, in the order the checks run: the
 * table's keys are also the field names TES knows.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { TesTask } from '../contracts/job-spec.js';
import { isObject, isString, snakeCase, type Json } from './json.js';

type Add = (path: string, message: string) => void;

/** Checks the value found at `path`, reporting each problem to `add`. */
type Check = (value: unknown, path: string, add: Add) => void;
/** The check of a field; one that looks across fields also gets the object holding the field, and its path. */
type FieldCheck = (value: unknown, path: string, add: Add, owner: Json, ownerPath: string) => void;

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
  const add: Add = (path, message) => void issues.push({ path, message });
  checkTask(task, '$', add);
  if (isObject(task)) samePaths(task, add);
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

const isAbsolute = (value: unknown): boolean => isString(value) && value.startsWith('/');
const WILDCARD = /[*?[]/;

/** A check that the value passes `test`, else one problem at its path. */
const must =
  (test: (value: unknown) => boolean, message: string): Check =>
  (value, path, add) => {
    if (!test(value)) add(path, message);
  };

/** The check of a field that may be left out: it runs only when the field is there. */
const optional =
  (check: Check): Check =>
  (value, path, add) => {
    if (value !== undefined) check(value, path, add);
  };

const string = optional(must(isString, 'must be a string'));
const boolean = optional(must((value) => typeof value === 'boolean', 'must be true or false'));
const absolutePath = must(isAbsolute, 'must be an absolute container path');
/** Fields TES knows that a task sent may carry, but only the server sets (createTask drops them). */
const serverSet: FieldCheck = () => undefined;

const stringMap = optional((map, path, add) => {
  if (!isObject(map)) return add(path, 'must be an object of strings');
  for (const [name, item] of Object.entries(map)) if (!isString(item)) add(`${path}.${name}`, 'must be a string');
});

const arrayOf = (each: Check): Check =>
  optional((list, path, add) => {
    if (!Array.isArray(list)) return add(path, 'must be an array');
    list.forEach((item, i) => each(item, `${path}[${i}]`, add));
  });

/** The check of an object: no field TES does not know, then each field's check in turn. */
function object(notObject: string, fields: Readonly<Record<string, FieldCheck>>): Check {
  return (item, path, add) => {
    if (!isObject(item)) return add(path, notObject);
    for (const key of Object.keys(item)) {
      if (Object.hasOwn(fields, key)) continue;
      const snake = snakeCase(key);
      const hint = snake !== key && Object.hasOwn(fields, snake) ? ` (TES field names are snake_case: ${snake})` : '';
      add(`${path}.${key}`, `is not a TES field${hint}`);
    }
    for (const [key, check] of Object.entries(fields)) check(item[key], `${path}.${key}`, add, item, path);
  };
}

/** What inputs and outputs share: an absolute path, name, description, type. */
const FILE_FIELDS = {
  path: absolutePath,
  name: string,
  description: string,
  type: optional(must((value) => value === 'FILE' || value === 'DIRECTORY', 'must be FILE or DIRECTORY')),
};

const checkInput = object('an input must be an object', {
  ...FILE_FIELDS,
  url: (url, path, add, input, inputPath) => {
    // An input's bytes come from exactly one of url and content (empty counts as absent).
    const hasUrl = url !== undefined && url !== '';
    const hasContent = input.content !== undefined && input.content !== '';
    if (hasUrl && hasContent) add(inputPath, 'set either url or content, not both');
    if (!hasUrl && !hasContent) add(inputPath, 'needs a url or a content');
    string(url, path, add);
  },
  content: string,
  streamable: boolean,
});

const checkOutput = object('an output must be an object', {
  ...FILE_FIELDS,
  url: must((value) => isString(value) && value !== '', 'must be a non-empty string'),
  path_prefix: (prefix, path, add, output) => {
    // A path with wildcards names many files: path_prefix says which part of it the url stands for.
    if (!isString(output.path) || !WILDCARD.test(output.path)) return string(prefix, path, add);
    if (!isString(prefix) || prefix === '') add(path, 'is required when path contains wildcards');
    else if (!output.path.startsWith(prefix)) add(path, 'must be a prefix of path');
  },
});

const checkExecutor = object('an executor must be an object', {
  image: must((value) => isString(value) && value.trim() !== '', 'must be a non-empty string'),
  command: (command, path, add) => {
    if (!Array.isArray(command) || command.length === 0 || !command.every(isString)) add(path, 'must be a non-empty array of strings (argv)');
    else if (command[0] === '') add(`${path}[0]`, 'the program must not be empty');
  },
  workdir: optional(absolutePath),
  stdin: optional(absolutePath),
  stdout: optional(absolutePath),
  stderr: optional(absolutePath),
  env: stringMap,
  ignore_error: boolean,
});

const aGbCount = optional(must((value) => Number.isFinite(value) && (value as number) >= 0, 'must be a number >= 0'));

const checkResources = object('must be an object', {
  cpu_cores: optional(must((value) => Number.isInteger(value) && (value as number) > 0 && (value as number) <= 2 ** 31 - 1, 'must be a positive whole number (int32)')),
  ram_gb: aGbCount,
  disk_gb: aGbCount,
  preemptible: boolean,
  backend_parameters_strict: boolean,
  zones: arrayOf(must(isString, 'must be a string')),
  backend_parameters: stringMap,
});

const eachExecutor = arrayOf(checkExecutor);

const checkTask = object('a task must be a JSON object', {
  name: string,
  description: string,
  executors: (list, path, add) => {
    if (!Array.isArray(list) || list.length === 0) add(path, 'a task needs at least one executor');
    else eachExecutor(list, path, add);
  },
  inputs: arrayOf(checkInput),
  outputs: arrayOf(checkOutput),
  volumes: arrayOf(must(isAbsolute, 'a volume must be an absolute container path')),
  tags: stringMap,
  resources: optional(checkResources),
  id: serverSet,
  state: serverSet,
  logs: serverSet,
  creation_time: serverSet,
});

/** Two inputs (or two outputs) at the same container path: the second is named, with the first. */
function samePaths(task: Json, add: Add): void {
  const seen = new Map<string, string>();
  for (const name of ['inputs', 'outputs']) {
    const list = task[name];
    if (!Array.isArray(list)) continue;
    list.forEach((item, i) => {
      if (!isObject(item) || !isString(item.path)) return;
      const here = `$.${name}[${i}].path`;
      const before = seen.get(`${name}:${item.path}`);
      if (before) add(here, `the same path as ${before}`);
      else seen.set(`${name}:${item.path}`, here);
    });
  }
}
