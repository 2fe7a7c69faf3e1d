/**
 * The Node.js (and Deno) `Network`: builds every built-in kind of site
 * without being given a registry.
 * @module
 */
import { readConfigText } from '../network/config-file.js';
import { Network as PortableNetwork, type NetworkOptions } from '../network/network.js';
import type { NetworkConfig } from '../network/config-types.js';
import type { SiteRegistry } from '../network/registry.js';
import { nodeSiteRegistry } from './site-registry.js';

/**
 * A network of compute sites. From `pulsar-network/node`, `Network.create`
 * builds `local`, `tes`, `pulsar-rest` and `pulsar-amqp` sites with no
 * `registry` option (`nodeSiteRegistry()` is the default); pass a registry
 * to add kinds or change how one is built.
 *
 * @example
 * ```ts
 * import { Network } from 'pulsar-network/node';
 * const laptop = await Network.create({ sites: [{ id: 'laptop', kind: 'local', options: { allowNoContainer: true } }] });
 * const result = await laptop.submit({ executors: [{ image: 'alpine', command: ['echo', 'hi'] }] }).wait();
 * console.log(result.state);
 * await laptop.close();
 * ```
 */
export class Network extends PortableNetwork {
  /** As {@link PortableNetwork.create}, building every built-in kind when no `registry` is given. */
  static override async create(config: NetworkConfig | string, options: NetworkOptions = {}): Promise<Network> {
    return (await super.create(config, options)) as Network;
  }

  /** Every kind this runtime can build. */
  protected static override defaultRegistry(): SiteRegistry {
    return nodeSiteRegistry();
  }
}

/**
 * Builds a {@link Network} from a JSON or YAML file; every built-in kind of
 * site is built without a `registry` option.
 *
 * @example
 * ```ts
 * import { networkFromFile } from 'pulsar-network/node';
 * const fromFile = await networkFromFile('network.yaml');
 * ```
 */
export async function networkFromFile(path: string, options: NetworkOptions = {}): Promise<Network> {
  return Network.create(await readConfigText(path), options);
}
