/**
 * The registry a {@link Network} uses when given none, on the portable entry:
 * the kinds every runtime can build.
 * @module
 */
import { SiteRegistry, type SiteFactory } from '../registry.js';

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
  // The sites' code loads when a network first builds one (on-demand.ts says why in one module).
  const tes: SiteFactory = async (config, context) => (await import('../on-demand.js')).tesSiteFactory()(config, context);
  const pulsar: SiteFactory = async (config, context) => (await import('../on-demand.js')).pulsarRestSiteFactory()(config, context);
  return new SiteRegistry().register('tes', tes).register('pulsar-rest', pulsar);
}
