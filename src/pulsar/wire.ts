/**
 * Pulsar's wire shapes, as generated from spec/pulsar.openapi.yaml, and the
 * path types of its file routes.
 * @module
 */
import type { components } from '../../generated/pulsar.js';

type Schemas = components['schemas'];

/** The setup answer as the server sends it. */
export type PulsarWireJobConfig = Schemas['JobConfig'];
/** A non-terminal status as the server sends it (`complete` is the string `"false"`). */
export type PulsarWireShortStatus = Schemas['ShortStatus'];
/** A terminal status as the server sends it (`complete` is the string `"true"`). */
export type PulsarWireFullStatus = Schemas['FullStatus'];
/** A status value of Pulsar (`preprocessing` … `lost`). */
export type PulsarStatusValue = Schemas['JobStatusValue'];
/** Where an upload goes: `input` → inputs/, `tool` → tool_files/, `config` → configs/, … */
export type PulsarUploadType = Schemas['UploadPathType'];
/** Where a download comes from: `output` → outputs/, `output_workdir` → working/, `output_metadata` → metadata/. */
export type PulsarDownloadType = Schemas['DownloadPathType'];
/** One environment statement of the job script. */
export type PulsarEnvEntry = Schemas['EnvEntry'];
/** Tool requirements the server may resolve (conda, modules, …). */
export type PulsarDependenciesDescription = Schemas['DependenciesDescription'];
/** Server-side staging instructions (`{}` when the client stages every file). */
export type PulsarRemoteStaging = Schemas['RemoteStaging'];
/** Setup parameters for a submit without a prior setup call. */
export type PulsarSetupParams = Schemas['SetupParams'];
/** Extra launch-config keys (`touch_outputs`, `setup`, `token_endpoint`, …). */
export type PulsarSubmitExtras = Schemas['SubmitExtras'];
/** A working-directory file whose text the final status echoes back. */
export type PulsarDynamicFileSource = Schemas['DynamicFileSource'];
/** A dynamic file source that existed at the end, with its text. */
export type PulsarRealizedDynamicFileSource = Schemas['RealizedDynamicFileSource'];

/** Every status value, in lifecycle order. */
export const PULSAR_STATUS_VALUES: readonly PulsarStatusValue[] = [
  'preprocessing',
  'queued',
  'running',
  'postprocessing',
  'complete',
  'failed',
  'cancelled',
  'lost',
];

/** Pulsar's terminal statuses (`is_job_done` on the server). */
export const PULSAR_TERMINAL_STATUSES: ReadonlySet<PulsarStatusValue> = new Set<PulsarStatusValue>([
  'complete',
  'failed',
  'cancelled',
  'lost',
]);

/** Every upload path type the server knows. */
export const PULSAR_UPLOAD_TYPES: readonly PulsarUploadType[] = [
  'input',
  'config',
  'tool',
  'workdir',
  'jobdir',
  'metadata',
  'unstructured',
  'output',
  'output_workdir',
  'output_metadata',
];

/** Every download path type the download route serves. */
export const PULSAR_DOWNLOAD_TYPES: readonly PulsarDownloadType[] = ['output', 'output_workdir', 'output_metadata'];
