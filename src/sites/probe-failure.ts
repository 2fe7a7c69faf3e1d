/**
 * How a failed probe is reported: its message and whether the site could not
 * be reached at all or answered with an error.
 * @module
 */
import { HttpError, ProtocolError } from '../errors.js';
import type { ProbeFailure, SiteProbe } from './site.js';

/**
 * `refusing` when the server answered (an error status, or an answer its
 * protocol does not allow), `unreachable` for anything else: no connection,
 * no name, a TLS failure, no answer in time.
 *
 * @example
 * ```ts
 * probeFailure(new ServerError({ status: 503, method: 'GET', url })); // 'refusing'
 * ```
 */
export function probeFailure(error: unknown): ProbeFailure {
  return error instanceof HttpError || error instanceof ProtocolError ? 'refusing' : 'unreachable';
}

/**
 * The probe result of a probe that threw `error` after `latencyMs`.
 *
 * @example
 * ```ts
 * async function probe(): Promise<SiteProbe> {
 *   const started = Date.now();
 *   try {
 *     await http.json({ path: 'healthz' });
 *     return { ok: true, latencyMs: Date.now() - started };
 *   } catch (error) {
 *     return failedProbe(error, Date.now() - started); // { ok: false, error, failure: 'unreachable' | 'refusing', ... }
 *   }
 * }
 * ```
 */
export function failedProbe(error: unknown, latencyMs: number, extra: Partial<SiteProbe> = {}): SiteProbe {
  return { ...extra, ok: false, latencyMs, error: error instanceof Error ? error.message : String(error), failure: probeFailure(error) };
}
