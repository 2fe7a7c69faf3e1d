/**
 * The secret values of a validated network configuration: what every
 * output made from it (tables, JSON, errors) must be scrubbed of.
 * @module
 */
import { isSecretName } from '../redact.js';
import type { ResolvedSite } from './config.js';

/**
 * Every credential of the sites: static bearer tokens, basic passwords (and
 * the `user:password` pair), query tokens, and the password and
 * secret-named query values written into site URLs. Token providers are
 * asked only when a request is made; their tokens are scrubbed by the HTTP
 * layer.
 *
 * @example
 * ```ts
 * const secrets = new Set<string>();
 * for (const value of siteSecrets(validateNetworkConfig(config).sites)) secrets.add(value);
 * ```
 */
export function siteSecrets(sites: readonly ResolvedSite[]): string[] {
  const out: string[] = [];
  for (const { auth, description } of sites) {
    if (auth.type === 'bearer' && typeof auth.token === 'string') out.push(auth.token);
    if (auth.type === 'basic') out.push(auth.password, `${auth.username}:${auth.password}`);
    if (auth.type === 'query' && typeof auth.value === 'string') out.push(auth.value);
    if (description.url === undefined) continue;
    let url: URL;
    try {
      url = new URL(description.url);
    } catch {
      continue;
    }
    if (url.password) out.push(url.password, decodeURIComponent(url.password));
    for (const [name, value] of url.searchParams) if (isSecretName(name) && value !== '') out.push(value);
  }
  return out.filter((s) => s !== '');
}
