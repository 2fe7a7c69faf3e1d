export { PulsarRestSite } from './pulsar-rest-site.js';
export type { PulsarRestSiteOptions } from './pulsar-rest-site.js';
export type { PulsarCleanupPolicy } from '../../pulsar/pipeline.js';
export type { ContainerRuntime } from '../../executor/script.js';
