export * from '../sites/local/index.js';
export { nodeLocalFiles } from '../sites/tes/node-files.js';
