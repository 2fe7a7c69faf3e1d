/**
 * Holds TES traffic to the GA4GH TES OpenAPI document: every request
 * (path, query, body, security) and every response body is validated with
 * ajv against the dereferenced document. Used by the reference server and by
 * the msw contract handlers.
 *
 * OpenAPI 3.0 schemas are not JSON Schema: `nullable: true` becomes a `null`
 * type, `example` is dropped, `readOnly` stays an annotation (the document
 * marks server-set task fields with it; OpenAPI says clients SHOULD NOT send
 * them, which this module reports), and the `MINIMAL` view overrides the
 * schema's `required: [executors]` (the spec text says that view holds only
 * `id` and `state`).
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The TES document used: the one `npm run generate` makes the types from. */
export function tesOpenApiPath(): string {
  return process.env.TES_OPENAPI ?? resolve(root, '../shared/spec/tes/task_execution_service.local-refs.openapi.yaml');
}

type Schema = Record<string, unknown>;

interface Operation {
  method: string;
  /** Path template, e.g. `/tasks/{id}:cancel`. */
  template: string;
  match: RegExp;
  pathNames: string[];
  query: ValidateFunction;
  queryArrays: Set<string>;
  body?: ValidateFunction;
  bodyReadOnly: string[];
  response: ValidateFunction;
  responseMinimal?: ValidateFunction;
  secured: boolean;
}

/** One request as seen on the wire. */
export interface WireRequest {
  method: string;
  /** The path below the API base, e.g. `/tasks/abc:cancel`. */
  path: string;
  query: URLSearchParams;
  headers: { get(name: string): string | null };
  /** The parsed JSON body, if any. */
  body?: unknown;
}

/** What a request was found to be. */
export type RequestCheck =
  | { ok: true; operationId: string; pathParams: Record<string, string> }
  | { ok: false; status: 400 | 401 | 404 | 405; problems: string[] };

/** Validators for every operation of the TES document. */
export class TesOpenApi {
  private constructor(
    readonly operations: Map<string, Operation>,
    readonly version: string,
  ) {}

  /** Loads and dereferences the TES document and compiles its validators. */
  static async load(file: string = tesOpenApiPath()): Promise<TesOpenApi> {
    const api = (await SwaggerParser.dereference(file)) as unknown as {
      info: { version: string };
      security?: unknown[];
      paths: Record<string, Record<string, Schema>>;
    };
    const ajv = new Ajv({ strict: false, allErrors: true });
    const query = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array' });
    for (const instance of [ajv, query]) addFormats(instance);
    const operations = new Map<string, Operation>();
    for (const [template, item] of Object.entries(api.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
        const params = (op.parameters as Array<{ name: string; in: string; required?: boolean; schema: Schema }>) ?? [];
        const queryProps: Record<string, Schema> = {};
        const queryRequired: string[] = [];
        const queryArrays = new Set<string>();
        for (const p of params.filter((p) => p.in === 'query')) {
          queryProps[p.name] = toJsonSchema(p.schema);
          if (p.schema.type === 'array') queryArrays.add(p.name);
          if (p.required) queryRequired.push(p.name);
        }
        const pathNames = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
        const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '([^/]+?)').replace(/\{[^}]+\}/g, '([^/]+?)');
        const bodySchema = (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content?.['application/json']?.schema;
        const responseSchema = (op.responses as Record<string, { content?: Record<string, { schema: Schema }> }>)['200']?.content?.['application/json']?.schema;
        if (!responseSchema) throw new Error(`${method} ${template}: no 200 response schema`);
        const operation: Operation = {
          method: method.toUpperCase(),
          template,
          match: new RegExp(`^${pattern}$`),
          pathNames,
          query: query.compile({ type: 'object', properties: queryProps, required: queryRequired, additionalProperties: false }),
          queryArrays,
          bodyReadOnly: bodySchema ? readOnlyProps(bodySchema) : [],
          response: ajv.compile(toJsonSchema(responseSchema)),
          secured: Array.isArray(op.security ?? api.security) && ((op.security ?? api.security) as unknown[]).length > 0,
        };
        if (bodySchema) operation.body = ajv.compile(toJsonSchema(bodySchema));
        if (params.some((p) => p.name === 'view')) operation.responseMinimal = ajv.compile(toJsonSchema(responseSchema, { minimal: true }));
        operations.set(op.operationId as string, operation);
      }
    }
    return new TesOpenApi(operations, api.info.version);
  }

  /**
   * Checks a request against the document. `enforceSecurity` requires the
   * Bearer or Basic `Authorization` the document's `security` asks for.
   */
  checkRequest(request: WireRequest, options: { enforceSecurity?: boolean } = {}): RequestCheck {
    const candidates = [...this.operations.entries()].filter(([, op]) => op.match.test(request.path));
    if (candidates.length === 0) return { ok: false, status: 404, problems: [`no operation at ${request.path}`] };
    const found = candidates.find(([, op]) => op.method === request.method);
    if (!found) return { ok: false, status: 405, problems: [`${request.method} is not allowed on ${request.path}`] };
    const [operationId, op] = found;
    const problems: string[] = [];
    if (options.enforceSecurity && op.secured && !/^(Bearer|Basic) \S+/.test(request.headers.get('authorization') ?? '')) {
      return { ok: false, status: 401, problems: ['the document requires Bearer or Basic authorization'] };
    }
    const values = op.match.exec(request.path)?.slice(1) ?? [];
    const pathParams: Record<string, string> = {};
    op.pathNames.forEach((name, i) => {
      pathParams[name] = decodeURIComponent(values[i] ?? '');
    });
    const query: Record<string, unknown> = {};
    for (const name of new Set(request.query.keys())) {
      const all = request.query.getAll(name);
      query[name] = op.queryArrays.has(name) ? all : all.length === 1 ? all[0] : all;
    }
    if (!op.query(query)) problems.push(...describe('query', op.query));
    if (op.body) {
      if (request.body === undefined) problems.push('body: a JSON body is required');
      else if (!op.body(request.body)) problems.push(...describe('body', op.body));
      else if (isObject(request.body)) {
        for (const key of op.bodyReadOnly) if (key in request.body) problems.push(`body.${key}: is readOnly and should not be sent`);
      }
    } else if (request.body !== undefined) {
      problems.push('body: this operation takes no body');
    }
    if (problems.length > 0) return { ok: false, status: 400, problems };
    return { ok: true, operationId, pathParams };
  }

  /** Checks a 200 response body; returns the problems (empty when it conforms). */
  checkResponse(operationId: string, body: unknown, view?: string): string[] {
    const op = this.operations.get(operationId);
    if (!op) return [`unknown operation ${operationId}`];
    const validate = (view ?? 'MINIMAL') === 'MINIMAL' && op.responseMinimal ? op.responseMinimal : op.response;
    return validate(body) ? [] : describe(`${operationId} response`, validate);
  }
}

function describe(where: string, validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    return `${where}${e.instancePath.replaceAll('/', '.')}${extra ? `.${extra}` : ''}: ${e.message ?? 'invalid'}`;
  });
}

function readOnlyProps(schema: Schema): string[] {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  return Object.entries(props)
    .filter(([, s]) => s.readOnly === true || s.readOnly === 'True')
    .map(([name]) => name);
}

/** OpenAPI 3.0 schema → JSON Schema (see the module comment). */
function toJsonSchema(schema: unknown, options: { minimal?: boolean } = {}, seen = new Map<unknown, unknown>()): Schema {
  if (!isObject(schema)) return schema as Schema;
  const key = options.minimal ? schema : schema;
  if (!options.minimal && seen.has(key)) return seen.get(key) as Schema;
  const out: Schema = {};
  if (!options.minimal) seen.set(key, out);
  for (const [name, value] of Object.entries(schema)) {
    if (name === 'example' || name === 'nullable' || name.startsWith('x-')) continue;
    if (name === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([p, s]) => [p, toJsonSchema(s, {}, seen)]));
    } else if (Array.isArray(value)) {
      out[name] = value.map((v) => (isObject(v) ? toJsonSchema(v, {}, seen) : v));
    } else if (isObject(value)) {
      out[name] = toJsonSchema(value, {}, seen);
    } else {
      out[name] = value;
    }
  }
  if (schema.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (options.minimal) {
    if (isObject(out.properties) && 'tasks' in out.properties) {
      // tesListTasksResponse: its tasks are minimal too.
      const tasks = out.properties.tasks as Schema;
      out.properties = { ...out.properties, tasks: { ...tasks, items: withoutRequired(tasks.items as Schema) } };
    } else {
      return withoutRequired(out);
    }
  }
  return out;
}

function withoutRequired(schema: Schema): Schema {
  const { required: _required, ...rest } = schema;
  return rest;
}

function addFormats(ajv: Ajv): void {
  const int = (bits: number) => (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** (bits - 1);
  ajv.addFormat('int32', { type: 'number', validate: int(32) });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('int64', { type: 'string', validate: (s: string) => /^-?\d+$/.test(s) });
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat('boolean', true);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
  ajv.addFormat('uri', {
    validate: (s: string) => {
      try {
        new URL(s);
        return true;
      } catch {
        return false;
      }
    },
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
