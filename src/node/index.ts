export * from '../sites/local/index.js';
export { nodeLocalFiles } from '../sites/node-files.js';
