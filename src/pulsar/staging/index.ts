/**
 * Client-side staging of locally described jobs through Pulsar's REST API
 * (Node only; exported from `pulsar-network/node`).
 * @module
 */
export { runStagedJob } from './run.js';
export type { PulsarStagedResult, PulsarStagingEvent, RunStagedJobOptions } from './run.js';
export { DEFAULT_DYNAMIC_OUTPUTS, validateStagedJob } from './description.js';
export type { PulsarCleanupPolicy } from '../pipeline.js';
export type { PulsarStagedInput, PulsarStagedJob, PulsarWorkDirOutput } from './description.js';
export { stageIn, unstructuredPrefix } from './stage-in.js';
export type { PulsarStageInResult, PulsarStagedUpload } from './stage-in.js';
export { collectOutputs } from './collect.js';
export type { PulsarCollectedFile, PulsarCollectionFailure, PulsarCollectResult } from './collect.js';
export { PathRewriter, remoteJoin } from './rewrite.js';
export { fetchOutputManifest, OUTPUT_MANIFEST_NAME, withOutputManifest } from './output-manifest.js';
