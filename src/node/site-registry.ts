/**
 * The site factories available in Node.js and Deno.
 * @module
 */
import type { FetchLike } from '../http/client.js';
import { SiteRegistry } from '../network/registry.js';
import { localSiteFactory } from '../network/factories/local.js';
import { nodeLocalFiles } from '../sites/node-files.js';
import { pulsarMqConfig } from '../sites/pulsar-amqp/config.js';
import { PulsarMqSite } from '../sites/pulsar-amqp/pulsar-mq-site.js';
import { pulsarRestSiteFactory } from '../network/factories/pulsar.js';
import { tesSiteFactory } from '../network/factories/tes.js';

/**
 * A registry with a factory for every kind of site this runtime can build:
 * `local`, `tes` and `pulsar-rest` (the remote sites read and write local
 * input and output files through the file system), and `pulsar-amqp`, which
 * takes `{ jobsDirectory, manager, amqpKeyPrefix, filesServer, acknowledge, … }`
 * (see `pulsarMqConfig`); its `url` is the broker and `basic` auth its user.
 * `inputFetch` is what the sites that fetch inputs on this host (`local`,
 * and `pulsar-rest`, which relays them) fetch http(s) inputs with: a
 * gateway gives a `guardedFetch`, so every address is checked at connect time.
 *
 * @example
 * ```ts
 * const network = await Network.create(
 *   { sites: [{ id: 'laptop', kind: 'local', options: { allowNoContainer: true } }] },
 *   { registry: nodeSiteRegistry() },
 * );
 * ```
 */
export function nodeSiteRegistry(options: { inputFetch?: FetchLike } = {}): SiteRegistry {
  const files = nodeLocalFiles();
  const fetchOption = options.inputFetch ? { inputFetch: options.inputFetch } : {};
  return new SiteRegistry()
    .register('local', localSiteFactory(fetchOption))
    .register('tes', tesSiteFactory(files))
    .register('pulsar-rest', pulsarRestSiteFactory(files, fetchOption))
    .register('pulsar-amqp', ({ description, auth, options }) => new PulsarMqSite(pulsarMqConfig(description.id, description.url as string, auth, options)));
}
