export * from '../sites/local/index.js';
export { networkFromFile, readNetworkConfig } from '../network/config-file.js';
export { nodeSiteRegistry } from './site-registry.js';
export * from '../gateway/index.js';
