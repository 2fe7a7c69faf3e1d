/**
 * Pulsar's native REST protocol, portable (Node.js, Deno, browsers): set a
 * job up, stage its files in and out with verified transfers, launch it,
 * follow its status and clean it up. To run jobs on a Pulsar server without
 * driving the protocol yourself, use `PulsarRestSite` from
 * `pulsar-network/sites`, or a `Network`.
 *
 * @example
 * ```ts
 * import { PulsarClient } from 'pulsar-network/pulsar';
 * const pulsar = new PulsarClient({ baseUrl: 'https://pulsar.example.org/' });
 * console.log(await pulsar.healthz());
 * ```
 * @module pulsar-network/pulsar
 */
export { PulsarClient } from './pulsar/client.js';
export type { PulsarClientOptions } from './pulsar/client.js';
