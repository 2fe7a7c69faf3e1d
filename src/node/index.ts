/**
 * Node-only parts: file-system staging of Pulsar jobs.
 * @module
 */
export * from '../pulsar/staging/index.js';
