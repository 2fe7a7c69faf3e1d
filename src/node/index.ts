export { fileSource } from '../transfer/node/file-source.js';
export { fileSink } from '../transfer/node/file-sink.js';
export type { FileSinkOptions } from '../transfer/node/file-sink.js';
