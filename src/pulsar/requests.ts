/**
 * Request helpers of {@link PulsarClient}: checks of the names that go into
 * Pulsar's paths, JSON answers read again when cut short, and the launch
 * query of a submit. Portable.
 *
 * Retrying, route by route (HttpClient retries 408/425/429/5xx and connection
 * errors only for requests marked idempotent; any request whose connection was
 * refused is retried, as nothing reached the server):
 *
 * - `status`, `healthz`, `files/path`, `download`: reads; safe to repeat.
 * - `cancel` (PUT): killing an already cancelled or finished job is a no-op
 *   that answers `OK`; safe to repeat.
 * - `clean` (DELETE): `rm -rf` of a directory that may already be gone
 *   answers `OK`; safe to repeat.
 * - `setup` (POST /jobs): creates the job directory or reuses an existing one,
 *   so a replay returns the same config. Marked idempotent. (With the server's
 *   `assign_ids: uuid` a replay makes a second, unused directory: harmless.)
 * - `upload` (POST /jobs/{id}/files): writes the body to the same path,
 *   replacing the file, so a replay leaves the same bytes. Marked idempotent;
 *   the body is a factory so each attempt sends it whole.
 * - `submit` (POST /jobs/{id}/submit): NOT marked idempotent. Its 500s are
 *   deterministic (bad JSON parameters), so repeating them is pointless, and a
 *   lost answer is ambiguous. It is retried only when the connection was refused.
 *   (Should it be repeated anyway, pulsar-app 0.16.0 skips a submit for a job
 *   that is already active or terminal and answers `OK`: checked on the real
 *   server, the second command never ran.)
 * @module
 */
import { ConnectionError, ProtocolError, ValidationError } from '../errors.js';
import type { HttpClient, JsonRequestOptions } from '../http/index.js';
import { excerptOf } from '../redact.js';
import type { PulsarCallOptions, PulsarSubmitOptions } from './client-options.js';
import type { PulsarSubmitExtras } from './wire.js';

/** Times a JSON answer that comes cut short is asked for, in all. */
const CUT_SHORT_TRIES = 4;

/**
 * A JSON answer (setup, status, file path, healthz: all safe to ask again).
 * One cut short on its way is asked for again; if it keeps coming cut short,
 * that is a broken connection, not a bad answer.
 */
export async function pulsarJson(http: HttpClient, request: JsonRequestOptions<unknown>): Promise<unknown> {
  for (let tries = 1; ; tries++) {
    try {
      return await http.json<unknown>(request);
    } catch (error) {
      if (!cutShort(error) || request.signal?.aborted) throw error;
      if (tries >= CUT_SHORT_TRIES) {
        const method = (request.method ?? 'GET').toUpperCase();
        throw new ConnectionError({ method, url: error.where, mayHaveBeenSent: true, reason: `the answer was cut short ${tries} times` }, { cause: error });
      }
    }
  }
}

/** A request Pulsar answers with the text `OK`. */
export async function pulsarOk(http: HttpClient, request: Parameters<HttpClient['text']>[0], where: string): Promise<void> {
  const text = (await http.text(request)).trim();
  if (text !== 'OK') {
    throw new ProtocolError({ where, problem: 'expected the answer OK', excerpt: excerptOf(text, http.secrets, 120) });
  }
}

/** The query parameters of `POST /jobs/{id}/submit`. */
export function submitQuery(options: PulsarSubmitOptions): Record<string, string | undefined> {
  if (typeof options.commandLine !== 'string' || options.commandLine.trim() === '') {
    throw new ValidationError('submit', [{ path: '$.commandLine', message: 'must be a non-empty command' }]);
  }
  const extras: PulsarSubmitExtras | undefined =
    options.touchOutputs !== undefined
      ? { ...options.submitExtras, touch_outputs: [...(options.submitExtras?.touch_outputs ?? []), ...options.touchOutputs] }
      : options.submitExtras;
  return {
    command_line: options.commandLine,
    params: jsonParam(options.params),
    dependencies_description: jsonParam(options.dependenciesDescription),
    env: jsonParam(options.env),
    remote_staging: jsonParam(options.remoteStaging),
    setup_params: jsonParam(options.setupParams),
    submit_extras: jsonParam(extras),
    dynamic_file_sources: jsonParam(options.dynamicFileSources),
  };
}

/**
 * A JSON answer that breaks off: Pulsar answers with objects, so one that
 * ends inside a string or does not close (or is empty) was cut short on its way.
 */
function cutShort(error: unknown): error is ProtocolError {
  if (!(error instanceof ProtocolError)) return false;
  if (error.message.includes('the answer ends inside a string')) return true;
  const excerpt = (error.excerpt ?? '').trimStart();
  return error.message.includes('the answer is not valid JSON') && (excerpt === '' || excerpt.startsWith('{'));
}

/** A 4xx other than 408, 425 and 429: asking again cannot help. */
export function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && ![408, 425, 429].includes(status);
}

export function signal(options: PulsarCallOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/** JSON-encodes a JSON-valued query parameter; `undefined` leaves it out (the server default applies). */
function jsonParam(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/** Job ids and manager names are path segments: the server refuses `/` with an unhelpful 500. */
export function checkSegment(value: string, path: string, what: string): void {
  if (typeof value !== 'string' || value === '' || value.includes('/') || value === '.' || value === '..') {
    throw new ValidationError(what, [{ path: `$.${path}`, message: `must be a non-empty name without "/" (got ${JSON.stringify(value)})` }]);
  }
}

export function checkName(name: string, what: string): void {
  if (typeof name !== 'string' || name === '' || name.split(/[\\/]/).includes('..') || name.startsWith('/')) {
    throw new ValidationError(what, [{ path: '$.name', message: `must be a relative name inside the job directory (got ${JSON.stringify(name)})` }]);
  }
}

export function badType(type: string, allowed: readonly string[], what: string): ValidationError {
  return new ValidationError(what, [{ path: '$.type', message: `unknown path type ${JSON.stringify(type)}; one of ${allowed.join(', ')}` }]);
}
