/**
 * The site adapters, for running jobs on one given server without a
 * network: a TES server (`TesSite`) or a Pulsar server over REST
 * (`PulsarRestSite`). Portable (Node.js, Deno, browsers). Give one to
 * `submitJob` or a `JobEngine` from `pulsar-network`; a `Network` builds its
 * sites from its configuration and loads these when it first needs them.
 *
 * @example
 * ```ts
 * import { submitJob } from 'pulsar-network';
 * import { TesSite } from 'pulsar-network/sites';
 * const site = new TesSite({ client: { baseUrl: 'https://tes.example.org/ga4gh/tes/v1' } });
 * const job = submitJob(site, { executors: [{ image: 'alpine', command: ['echo', 'hello'] }] });
 * const { state } = await job.wait({ throwOnFailure: true });
 * console.log(state);
 * ```
 * @module pulsar-network/sites
 */
export { TesSite } from './sites/tes/tes-site.js';
export type { TesSiteOptions } from './sites/tes/tes-site.js';
export { PulsarRestSite } from './sites/pulsar/pulsar-rest-site.js';
export type { PulsarRestSiteOptions } from './sites/pulsar/pulsar-rest-site.js';
