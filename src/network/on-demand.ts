/**
 * What a portable {@link Network} loads on first use, in one module: the
 * configuration checks and the builders of its `tes` and `pulsar-rest`
 * sites. A page that never builds a network does not download them, and a
 * bundler makes one chunk of them: several lazy modules would each split
 * the code they share with the rest (the HTTP client, the errors) into
 * chunks of its own, which every bundle, even of `TesClient` alone, loads.
 * @module
 */
export { validateNetworkConfig } from './config.js';
export { parseNetworkConfig } from './config-text.js';
export { pulsarRestSiteFactory } from './factories/pulsar.js';
export { tesSiteFactory } from './factories/tes.js';
