/**
 * Node-only parts: file-system staging of Pulsar jobs, and a back-pressured
 * node:http fetch for large transfers.
 * @module
 */
export * from '../pulsar/staging/index.js';
export { nodeHttpFetch } from './http-fetch.js';
