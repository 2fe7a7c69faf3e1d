/**
 * Node-only parts: file sources and sinks of transfers, and file-system
 * staging of Pulsar jobs.
 * @module
 */
export { fileSource } from '../transfer/node/file-source.js';
export { fileSink } from '../transfer/node/file-sink.js';
export type { FileSinkOptions } from '../transfer/node/file-sink.js';

export * from '../pulsar/staging/index.js';
