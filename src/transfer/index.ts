/**
 * Moving bytes: sources and sinks, streamed with bounded memory, retried and
 * resumed, verified by sha256, with progress, a per-host cap and abort.
 * File sources and sinks live in `pulsar-network/node`.
 * @module
 */
export { transfer, TRANSFER_RETRY } from './transfer.js';
export type { ExpectedContent, TransferOptions, TransferResult } from './transfer.js';
export type { OpenedSource, PositionalWriter, RangeReadOptions, SinkOpenOptions, SinkWriter, SourceReadOptions, TransferSink, TransferSource } from './types.js';
export { blobSource, bytesSource, streamSource } from './sources.js';
export { urlSource, urlSourceFor, parseContentRange } from './url-source.js';
export type { UrlSourceOptions } from './url-source.js';
export { streamSink, uploadSink } from './sinks.js';
export type { UploadSinkOptions } from './sinks.js';
export { ProgressReporter } from './progress.js';
export type { ProgressReporterOptions, TransferProgress } from './progress.js';
export { defaultHostLimiter, HostLimiter } from './host-limit.js';
export { createSha256, sha256Implementation, sha256Stream } from './sha256.js';
export type { Sha256, Sha256Implementation } from './sha256.js';
export { manifestScript, parseManifest, shellQuote, verifyManifest } from './manifest.js';
export type { ManifestEntry, ManifestMismatch, ManifestOutput } from './manifest.js';
