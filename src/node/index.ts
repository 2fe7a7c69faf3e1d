/**
 * Node-only parts: the local site, file sources and sinks of transfers,
 * file-system staging of Pulsar jobs, network configuration files, the site
 * registry, a back-pressured node:http fetch for large transfers, and Pulsar
 * over AMQP with its job-files server.
 * @module
 */
export * from '../sites/local/index.js';
export { localSiteFactory } from '../network/factories/local.js';
export { nodeLocalFiles } from '../sites/node-files.js';
export { fileSource } from '../transfer/node/file-source.js';
export { fileSink } from '../transfer/node/file-sink.js';
export type { FileSinkOptions } from '../transfer/node/file-sink.js';
export * from '../pulsar/staging/index.js';
export { readNetworkConfig } from '../network/config-file.js';
export { networkFromFile } from './network.js';
export { nodeSiteRegistry } from './site-registry.js';
export { nodeHttpFetch } from './http-fetch.js';
export * from '../sites/pulsar-amqp/index.js';
export * from '../gateway/index.js';
export * from '../policy/node.js';
