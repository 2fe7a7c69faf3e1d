export * from '../sites/local/index.js';
export { nodeLocalFiles } from '../sites/node-files.js';
export { networkFromFile, readNetworkConfig } from '../network/config-file.js';
export { nodeSiteRegistry } from './site-registry.js';
