export { PulsarRestSite } from './pulsar-rest-site.js';
export type { PulsarCleanup, PulsarRestSiteOptions } from './pulsar-rest-site.js';
export type { PulsarCleanupPolicy } from '../../pulsar/staging/description.js';
export type { ContainerRuntime } from '../../executor/script.js';
