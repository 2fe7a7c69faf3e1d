/**
 * Verified, resumable transfers, portable (Node.js, Deno, browsers): from a
 * source to a sink, with retries, resumption where both ends allow it,
 * parallel ranges for large downloads and sha256 checks before anything is
 * published. File sources and sinks are in `pulsar-network/node`.
 *
 * @example
 * ```ts
 * import { HttpClient } from 'pulsar-network';
 * import { bytesSource, transfer, uploadSink } from 'pulsar-network/transfer';
 * const http = new HttpClient({ baseUrl: 'https://data.example.org/' });
 * const result = await transfer({ from: bytesSource(new TextEncoder().encode('hello')), to: uploadSink(http, { path: 'uploads/hello.txt' }) });
 * console.log(result.sha256);
 * ```
 * @module pulsar-network/transfer
 */
export { transfer } from './transfer/transfer.js';
export type { TransferOptions, TransferResult } from './transfer/transfer.js';
export type { TransferSink, TransferSource } from './transfer/types.js';
export { blobSource, bytesSource, streamSource } from './transfer/sources.js';
export { urlSource } from './transfer/url-source.js';
export { streamSink, uploadSink } from './transfer/sinks.js';
export type { TransferProgress } from './transfer/progress.js';
