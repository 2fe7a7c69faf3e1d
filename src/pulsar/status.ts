/**
 * Turns Pulsar's status and setup answers (strings for booleans, two status
 * forms, snake_case) into typed results, or a {@link ProtocolError} saying
 * what is wrong and where.
 * @module
 */
import { excerptOf, quotedExcerpt } from '../redact.js';
import { ProtocolError } from '../errors.js';
import {
  PULSAR_STATUS_VALUES,
  PULSAR_TERMINAL_STATUSES,
  type PulsarRealizedDynamicFileSource,
  type PulsarStatusValue,
} from './wire.js';

/** The files a finished job left, as the full status lists them (server separator inside names). */
export interface PulsarListings {
  /** Every file below `outputs/`, recursively (download type `output`). */
  outputs: string[];
  /** Every file below `working/`, recursively (download type `output_workdir`). */
  working: string[];
  /** Every file below `metadata/`, recursively (download type `output_metadata`). */
  metadata: string[];
  /** Names at the top of the job directory (not downloadable over REST). */
  job: string[];
}

/**
 * A job's status, whichever form the server answered with. Fields of the
 * full form are present once the job is terminal.
 */
export interface PulsarJobStatus {
  /** The job's id on the server (`job_id`). */
  jobId: string;
  /** The server's status value. */
  status: PulsarStatusValue;
  /** True once the job is finished (the server's `"true"`/`"false"` string, made a boolean). */
  complete: boolean;
  /** True for `complete`, `failed`, `cancelled` and `lost`. */
  terminal: boolean;
  /** Exit code of the command; 1 after a failed launch; negative when killed; null when unknown or not finished. */
  returnCode: number | null;
  /** `metadata/tool_stdout` (written by the command itself), possibly truncated by the server. */
  stdout?: string;
  /** `metadata/tool_stderr` (written by the command itself), possibly truncated. */
  stderr?: string;
  /** The process output Pulsar captured, possibly truncated. */
  jobStdout?: string;
  /** The process error output Pulsar captured, possibly truncated. */
  jobStderr?: string;
  /** What the job left behind (full form only). */
  listings?: PulsarListings;
  /** Absolute server directories (full form only). */
  directories?: {
    /** The job directory (`job_directory`), when sent. */
    job?: string;
    /** The working directory (`working_directory`), when sent. */
    working?: string;
    /** The metadata directory (`metadata_directory`), when sent. */
    metadata?: string;
  };
  /** The server's path separator (full form only). */
  separator?: string;
  /** The server's version (`pulsar_version`), when the full form carries it. */
  pulsarVersion?: string;
  /** `dynamic_file_sources` that existed at the end, with their text (full form only). */
  dynamicFileSources?: PulsarRealizedDynamicFileSource[];
}

/** The setup answer: where the job lives on the server. */
export interface PulsarJobConfig {
  /** The id to use from now on; the server may have replaced the one proposed. */
  jobId: string;
  /** The server's path separator (`/` or `\`). */
  separator: string;
  /** Absolute server directories of the job. */
  directories: {
    /** `job_directory`: `<staging>/<job_id>`. */
    job: string;
    /** `working_directory`: where the command runs. */
    working: string;
    /** `metadata_directory`. */
    metadata: string;
    /** `outputs_directory`. */
    outputs: string;
    /** `configs_directory` (upload type `config`). */
    configs: string;
    /** `tools_directory` (`tool_files`; upload type `tool`). */
    tools: string;
    /** `inputs_directory` (upload type `input`). */
    inputs: string;
    /** `unstructured_files_directory` (upload type `unstructured`; created lazily by the server). */
    unstructured: string;
  };
  /** The server's version (`pulsar_version`), when sent. */
  pulsarVersion?: string;
  /** The answer as sent, for fields this type does not name (`system_properties`, …). */
  raw: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/**
 * Parses a status answer (short or full form); throws {@link ProtocolError} on a broken one.
 *
 * @example
 * ```ts
 * parsePulsarStatus({ complete: 'false', status: 'running', job_id: '7' }, 'GET /jobs/7/status');
 * // { jobId: '7', status: 'running', complete: false, terminal: false, returnCode: null }
 * ```
 */
export function parsePulsarStatus(value: unknown, where: string): PulsarJobStatus {
  const body = object(value, where, 'the status');
  const jobId = text(body, 'job_id', where);
  const status = body.status;
  if (typeof status !== 'string' || !(PULSAR_STATUS_VALUES as readonly string[]).includes(status)) {
    throw problem(where, `unknown status ${quotedExcerpt(status)}`, body);
  }
  const state = status as PulsarStatusValue;
  const complete = flag(body.complete, where);
  const result: PulsarJobStatus = {
    jobId,
    status: state,
    complete,
    terminal: PULSAR_TERMINAL_STATUSES.has(state),
    returnCode: returnCode(body.returncode, where),
  };
  if (!complete) return result;
  Object.assign(result, texts(body, { stdout: 'stdout', stderr: 'stderr', job_stdout: 'jobStdout', job_stderr: 'jobStderr' }, where));
  result.listings = {
    outputs: list(body, 'outputs_directory_contents', where),
    working: list(body, 'working_directory_contents', where),
    metadata: list(body, 'metadata_directory_contents', where),
    job: list(body, 'job_directory_contents', where),
  };
  result.directories = texts(body, { job_directory: 'job', working_directory: 'working', metadata_directory: 'metadata' }, where);
  const separator = separatorOf(body);
  if (separator !== undefined) result.separator = separator;
  const version = optionalText(body, 'pulsar_version', where);
  if (version !== undefined) result.pulsarVersion = version;
  const realized = body.realized_dynamic_file_sources;
  if (realized !== undefined && realized !== null) {
    if (!Array.isArray(realized)) throw problem(where, 'realized_dynamic_file_sources is not a list', body);
    result.dynamicFileSources = realized.map((entry, i) => {
      const e = object(entry, where, `realized_dynamic_file_sources[${i}]`);
      return { ...e, path: text(e, 'path', where), contents: text(e, 'contents', where) };
    });
  }
  return result;
}

/**
 * Parses the setup answer; throws {@link ProtocolError} on a broken one.
 *
 * @example
 * ```ts
 * const config = parsePulsarJobConfig(JSON.parse(text), 'POST /jobs');
 * console.log(config.jobId, config.separator, config.directories.inputs);
 * ```
 */
export function parsePulsarJobConfig(value: unknown, where: string): PulsarJobConfig {
  const body = object(value, where, 'the job config');
  const separator = separatorOf(body);
  if (separator === undefined) throw problem(where, 'no system_properties.separator or path_separator', body);
  const config: PulsarJobConfig = {
    jobId: text(body, 'job_id', where),
    separator,
    directories: {
      job: text(body, 'job_directory', where),
      working: text(body, 'working_directory', where),
      metadata: text(body, 'metadata_directory', where),
      outputs: text(body, 'outputs_directory', where),
      configs: text(body, 'configs_directory', where),
      tools: text(body, 'tools_directory', where),
      inputs: text(body, 'inputs_directory', where),
      unstructured: text(body, 'unstructured_files_directory', where),
    },
    raw: body,
  };
  const version = optionalText(body, 'pulsar_version', where);
  if (version !== undefined) config.pulsarVersion = version;
  return config;
}

/** Parses `{"path": "..."}` answers (upload, files/path). */
export function parsePulsarPath(value: unknown, where: string): string {
  return text(object(value, where, 'the answer'), 'path', where);
}

/** Takes the separator from `system_properties.separator`, else the legacy `path_separator`. */
function separatorOf(body: Json): string | undefined {
  const props = body.system_properties;
  if (props && typeof props === 'object' && typeof (props as Json).separator === 'string') {
    const sep = (props as Json).separator as string;
    if (sep) return sep;
  }
  return typeof body.path_separator === 'string' && body.path_separator ? body.path_separator : undefined;
}

function object(value: unknown, where: string, what: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw problem(where, `${what} is not a JSON object`, value);
  }
  return value as Json;
}

function text(body: Json, key: string, where: string): string {
  const v = body[key];
  if (typeof v !== 'string') throw problem(where, `${key} is missing or not a string`, body);
  return v;
}

/** The optional string fields of `body` named by `fields`, renamed; absent ones left out. */
function texts<F extends string>(body: Json, fields: Record<string, F>, where: string): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  for (const [key, field] of Object.entries(fields)) {
    const v = optionalText(body, key, where);
    if (v !== undefined) out[field] = v;
  }
  return out;
}

function optionalText(body: Json, key: string, where: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw problem(where, `${key} is not a string`, body);
  return v;
}

function list(body: Json, key: string, where: string): string[] {
  const v = body[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((item) => typeof item !== 'string')) throw problem(where, `${key} is not a list of names`, body);
  return v as string[];
}

/** Pulsar sends `complete` as the string "true"/"false"; a real boolean is accepted too. */
function flag(value: unknown, where: string): boolean {
  if (value === 'true' || value === true) return true;
  if (value === 'false' || value === false) return false;
  throw problem(where, `complete is ${quotedExcerpt(value)}, expected "true" or "false"`, value);
}

function returnCode(value: unknown, where: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw problem(where, `returncode is ${quotedExcerpt(value)}, expected an integer or null`, value);
}

function problem(where: string, what: string, value: unknown): ProtocolError {
  return new ProtocolError({ where, problem: excerptOf(what, undefined, 200), excerpt: excerptOf(value, undefined, 200) });
}
