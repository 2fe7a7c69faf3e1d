/**
 * The network's site factory for the `tes` kind.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { SiteFactory } from '../registry.js';
import type { LocalFiles } from '../../contracts/local-files.js';
import { TesSite, type TesSiteOptions } from '../../sites/tes/tes-site.js';

/**
 * A factory that builds a {@link TesSite} from a configured site: `url` is the
 * TES base URL as the server serves the API (e.g. `https://host/ga4gh/tes/v1`;
 * `TesClient.probe` finds it), `auth` the resolved credentials, the site's
 * `storages` are storage the server reaches (they extend its service-info
 * `storage`, in staging as in selection), and `options` may set `group`,
 * `pageSize`, `inlineLimitBytes`, `storage` (more URL prefixes the server
 * reads and writes) and `serviceInfoStorage` (`false`: the service-info
 * `storage` is ignored, only the configured storage counts). Its HTTP events
 * feed the network's passive health.
 *
 * @example
 * ```ts
 * import { Network, SiteRegistry, tesSiteFactory } from 'pulsar-network';
 * const registry = new SiteRegistry().register('tes', tesSiteFactory());
 * const network = await Network.create({ sites: [{ id: 'tes1', kind: 'tes', url: 'https://tes.example.org/ga4gh/tes/v1', storages: ['file:///'] }] }, { registry });
 * ```
 */
export function tesSiteFactory(files?: LocalFiles): SiteFactory {
  return ({ description, auth, options }, { onHttpEvent }) => {
    const at = (key: string): string => `$.sites[id=${description.id}].${key}`;
    const issues: ValidationIssue[] = [];
    if (!description.url) issues.push({ path: at('url'), message: 'a TES site needs the URL of its server' });
    const site: TesSiteOptions = { id: description.id, client: { baseUrl: description.url ?? '', auth, onEvent: onHttpEvent } };
    if (files) site.files = files;
    const storages = [...description.storages];
    for (const [key, value] of Object.entries(options)) {
      if (key === 'group' && typeof value === 'string' && value !== '') site.group = value;
      else if (key === 'pageSize' && Number.isInteger(value)) site.pageSize = value as number;
      else if (key === 'inlineLimitBytes' && Number.isInteger(value)) site.inlineLimitBytes = value as number;
      else if (key === 'storage' && Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '')) storages.push(...(value as string[]));
      else if (key === 'serviceInfoStorage' && typeof value === 'boolean') site.serviceInfoStorage = value;
      else if (KEYS.includes(key)) issues.push({ path: at(`options.${key}`), message: PROBLEMS[key] as string });
      else issues.push({ path: at(`options.${key}`), message: `is not an option of a TES site (${KEYS.join(', ')})` });
    }
    if (issues.length > 0) throw new ValidationError('TES site options', issues);
    if (storages.length > 0) site.storages = [...new Set(storages)];
    return new TesSite(site);
  };
}

const PROBLEMS: Record<string, string> = {
  group: 'must be a non-empty string',
  pageSize: 'must be a whole number',
  inlineLimitBytes: 'must be a whole number',
  storage: 'must be a list of non-empty URL prefixes',
  serviceInfoStorage: 'must be true or false',
};
const KEYS = Object.keys(PROBLEMS);
