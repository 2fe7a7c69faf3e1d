/**
 * Which inputs a site reads in place, and what the rest costs to move.
 * @module
 */
import type { InputEstimate, SiteDescription } from './types.js';

/**
 * True when one of the site's storage prefixes covers the URL.
 *
 * @example
 * ```ts
 * readsInPlace({ storages: ['s3://garr-bari/'] }, 's3://garr-bari/run42/reads.fq'); // true
 * ```
 */
export function readsInPlace(site: Pick<SiteDescription, 'storages'>, url: string): boolean {
  return site.storages.some((prefix) => prefix.length > 0 && url.startsWith(prefix));
}

/**
 * Bytes of the inputs the site does not read in place (they must be moved).
 *
 * @example
 * ```ts
 * bytesToMove({ storages: ['s3://a/'] }, [{ url: 's3://a/x', bytes: 5 }, { url: 'https://b/y', bytes: 7 }]); // 7
 * ```
 */
export function bytesToMove(site: Pick<SiteDescription, 'storages'>, inputs: readonly InputEstimate[]): number {
  let total = 0;
  for (const input of inputs) if (!readsInPlace(site, input.url)) total += input.bytes;
  return total;
}
