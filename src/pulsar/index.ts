/**
 * Pulsar's REST job-staging protocol: {@link PulsarClient} and its types.
 * Staging of local files (Node only) is in `pulsar-network/node`.
 * @module
 */
export { PulsarClient } from './client.js';
export type { PulsarCallOptions, PulsarClientOptions, PulsarDownloadOptions, PulsarSubmitOptions, PulsarTransferOptions, PulsarUploadResult, PulsarWaitOptions } from './client.js';
export type { PulsarUploadBody } from './body.js';
export { mayHaveLaunched, submitOnce } from './launch.js';
export type { SubmitOnceOptions } from './launch.js';
export { readJobText } from './job-files.js';
export type { ReadJobTextOptions } from './job-files.js';
export { parsePulsarJobConfig, parsePulsarStatus } from './status.js';
export type { PulsarJobConfig, PulsarJobStatus, PulsarListings } from './status.js';
export {
  PULSAR_DOWNLOAD_TYPES,
  PULSAR_STATUS_VALUES,
  PULSAR_TERMINAL_STATUSES,
  PULSAR_UPLOAD_TYPES,
} from './wire.js';
export type {
  PulsarDependenciesDescription,
  PulsarDownloadType,
  PulsarDynamicFileSource,
  PulsarEnvEntry,
  PulsarRealizedDynamicFileSource,
  PulsarRemoteStaging,
  PulsarSetupParams,
  PulsarStatusValue,
  PulsarSubmitExtras,
  PulsarUploadType,
} from './wire.js';
export { cleanupDue, fetchFiles, isPulsarCleanupPolicy, launchJob, PULSAR_CLEANUP_POLICIES, sendFiles, transferConcurrency } from './pipeline.js';
export type { OutgoingFile, PulsarLaunchPlan, PulsarCleanupPolicy, SendFilesOptions } from './pipeline.js';
