/**
 * Answers for TES clients older than 1.0: py-tes 0.4 (which Toil's TES batch
 * system pins) asks `GET /v1/tasks/service-info` and reads the TES 0.3
 * shape. Task ids are UUIDs, so the path never names a task.
 * @module
 */
import type { TesServiceInfo } from '../tes/types.js';

/** The TES 0.3 `ServiceInfo` message. */
export interface LegacyServiceInfo {
  /** The service's name. */
  name: string;
  /** What the service is (TES 0.3 `doc`). */
  doc: string;
  /** Storage URL prefixes the service can read and write directly. */
  storage: string[];
}

/** The path, below a TES base path, where TES 0.3 clients ask for service-info. */
export const LEGACY_SERVICE_INFO_PATH = '/tasks/service-info';

/**
 * The TES 0.3 view of the gateway's service-info.
 *
 * @example
 * ```ts
 * legacyServiceInfo({ id: 'x', name: 'gw', type: { group: 'org.ga4gh', artifact: 'tes', version: '1.1.0' }, organization: { name: 'o', url: 'https://o' }, version: '1', storage: ['file:///data/'] });
 * // { name: 'gw', doc: '', storage: ['file:///data/'] }
 * ```
 */
export function legacyServiceInfo(info: TesServiceInfo): LegacyServiceInfo {
  return { name: info.name, doc: info.description ?? '', storage: [...(info.storage ?? [])] };
}
