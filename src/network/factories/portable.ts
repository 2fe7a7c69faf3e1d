/**
 * The registry a {@link Network} uses when given none, on the portable entry:
 * the kinds every runtime can build.
 * @module
 */
import { SiteRegistry } from '../registry.js';
import { pulsarRestSiteFactory } from './pulsar.js';
import { tesSiteFactory } from './tes.js';

/**
 * A registry with the kinds any runtime (Node.js, Deno, browsers) can build:
 * `tes` and `pulsar-rest`, without local files (inputs and outputs by URL).
 * `pulsar-network/node` builds `local` and `pulsar-amqp` too.
 *
 * @example
 * ```ts
 * console.log(portableSiteRegistry().kinds()); // ['tes', 'pulsar-rest']
 * ```
 */
export function portableSiteRegistry(): SiteRegistry {
  return new SiteRegistry().register('tes', tesSiteFactory()).register('pulsar-rest', pulsarRestSiteFactory());
}
