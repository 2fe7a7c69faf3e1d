/**
 * Checks requests and responses against spec/pulsar.openapi.yaml, for the msw
 * contract tests: the operation must exist for the method and path (with or
 * without the /managers/{name} prefix), every query parameter must be known,
 * required ones present, values valid against their schemas (JSON-valued ones
 * parsed first), `private_token` is the only credential, and upload bodies carry
 * Content-Length and no chunked encoding.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SPEC_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../spec/pulsar.openapi.yaml');

type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
  content?: Record<string, { schema: Schema }>;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/** What a checked request matched. */
/** The answer of Pulsar's `POST /jobs` (setup) for a job whose directory is `dir`, as pulsar-app 0.16 gives it. */
export function pulsarJobConfig(jobId: string, dir: string): Record<string, unknown> {
  return {
    job_directory: dir,
    working_directory: `${dir}/working`,
    metadata_directory: `${dir}/metadata`,
    outputs_directory: `${dir}/outputs`,
    configs_directory: `${dir}/configs`,
    tools_directory: `${dir}/tool_files`,
    inputs_directory: `${dir}/inputs`,
    unstructured_files_directory: `${dir}/unstructured`,
    path_separator: '/',
    job_id: jobId,
    system_properties: { separator: '/' },
    pulsar_version: '0.16.0',
    preserve_galaxy_python_environment: null,
  };
}

/** The listings of a final status, by directory. */
export interface FinalListings {
  working?: string[];
  outputs?: string[];
  metadata?: string[];
  job?: string[];
}

/** The final (full) status answer of a job that ended `complete`, as pulsar-app 0.16 gives it, with the given listings. */
export function pulsarFinalStatus(jobId: string, dir: string, listings: FinalListings = {}): Record<string, unknown> {
  return {
    job_id: jobId,
    complete: 'true',
    status: 'complete',
    returncode: 0,
    stdout: '',
    stderr: '',
    job_stdout: '',
    job_stderr: '',
    working_directory: `${dir}/working`,
    metadata_directory: `${dir}/metadata`,
    job_directory: dir,
    working_directory_contents: listings.working ?? [],
    metadata_directory_contents: listings.metadata ?? [],
    outputs_directory_contents: listings.outputs ?? [],
    job_directory_contents: listings.job ?? [],
    system_properties: { separator: '/' },
    pulsar_version: '0.16.0',
    realized_dynamic_file_sources: [],
  };
}

export interface CheckedRequest {
  operationId: string;
  /** Path variables (job_id, manager_name). */
  path: Record<string, string>;
  query: Record<string, string>;
}

/** A validator over the dereferenced document. */
export class PulsarSpec {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });

  private constructor(readonly document: Document) {}

  static async load(): Promise<PulsarSpec> {
    return new PulsarSpec((await SwaggerParser.dereference(SPEC_PATH)) as unknown as Document);
  }

  /** Throws an Error listing every way the request breaks the document. */
  check(request: { method: string; url: string; headers: Headers; bodySize?: number }): CheckedRequest {
    const url = new URL(request.url);
    let pathname = url.pathname;
    const path: Record<string, string> = {};
    const prefix = /^\/managers\/([^/]+)(\/.*)$/.exec(pathname);
    if (prefix) {
      path.manager_name = decodeURIComponent(prefix[1] as string);
      pathname = prefix[2] as string;
    }
    const method = request.method.toLowerCase();
    const found = this.#match(pathname, method);
    if (!found) throw new Error(`no operation ${request.method} ${pathname} in the Pulsar document`);
    const { operation, variables } = found;
    Object.assign(path, variables);
    const problems: string[] = [];
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) {
      if (name in query) problems.push(`query parameter ${name} repeated`);
      query[name] = value;
    }
    const params = operation.parameters ?? [];
    for (const name of Object.keys(query)) {
      if (name === 'private_token') continue;
      if (!params.some((p) => p.in === 'query' && p.name === name)) problems.push(`unknown query parameter ${name}`);
    }
    for (const param of params) {
      const value = param.in === 'query' ? query[param.name] : param.in === 'path' ? path[param.name] : undefined;
      if (value === undefined) {
        if (param.required) problems.push(`missing required ${param.in} parameter ${param.name}`);
        continue;
      }
      const json = param.content?.['application/json'];
      let data: unknown = value;
      let schema = param.schema;
      if (json) {
        try {
          data = JSON.parse(value);
        } catch {
          problems.push(`${param.name} is not JSON: ${value.slice(0, 80)}`);
          continue;
        }
        schema = json.schema;
      }
      if (schema) problems.push(...this.#validate(schema, data, `${param.in} parameter ${param.name}`));
    }
    for (const header of request.headers.keys()) {
      if (/authorization|token/i.test(header)) problems.push(`credential header ${header}: Pulsar only reads private_token from the query`);
    }
    if (operation.requestBody) {
      const length = request.headers.get('content-length');
      if (request.headers.get('transfer-encoding')?.includes('chunked')) problems.push('chunked upload body: Pulsar needs Content-Length');
      if (length === null && request.bodySize === undefined) problems.push('upload without Content-Length');
      if (length !== null && request.bodySize !== undefined && Number(length) !== request.bodySize) {
        problems.push(`Content-Length ${length} but the body has ${request.bodySize} bytes`);
      }
      const type = request.headers.get('content-type') ?? '';
      if (!Object.keys(operation.requestBody.content).some((t) => type.startsWith(t))) problems.push(`body content type ${type}`);
    } else if (request.bodySize) {
      problems.push(`a body of ${request.bodySize} bytes where the operation takes none`);
    }
    if (problems.length > 0) throw new Error(`${request.method} ${pathname} breaks the Pulsar document:\n  ${problems.join('\n  ')}`);
    return { operationId: operation.operationId, path, query };
  }

  /** Throws unless `body` is a valid 200 answer of the operation. */
  checkResponse(operationId: string, body: unknown): void {
    const operation = this.#operation(operationId);
    const schema = operation.responses['200']?.content?.['text/html']?.schema;
    if (!schema) throw new Error(`${operationId} has no 200 text/html schema`);
    const problems = this.#validate(schema, body, `${operationId} answer`);
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }

  #operation(operationId: string): Operation {
    for (const item of Object.values(this.document.paths)) {
      for (const operation of Object.values(item)) if (operation.operationId === operationId) return operation;
    }
    throw new Error(`no operation ${operationId}`);
  }

  #match(pathname: string, method: string): { operation: Operation; variables: Record<string, string> } | undefined {
    for (const [template, item] of Object.entries(this.document.paths)) {
      const names: string[] = [];
      const pattern = new RegExp(`^${template.replace(/\{([^}]+)\}/g, (_, name: string) => (names.push(name), '([^/]+)'))}$`);
      const m = pattern.exec(pathname);
      const operation = item[method];
      if (!m || !operation) continue;
      return { operation, variables: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] as string)])) };
    }
    return undefined;
  }

  #validate(schema: Schema, data: unknown, what: string): string[] {
    const validate = this.#ajv.compile(schema);
    if (validate(data)) return [];
    return (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${what}${e.instancePath} ${e.message}`);
  }
}
