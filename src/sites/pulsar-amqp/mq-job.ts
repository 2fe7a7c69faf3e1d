/**
 * A job as a `PulsarMqSite` keeps it, the record it is saved as in the
 * site's `stateDirectory` and taken back from, and what Pulsar's status dicts
 * report of it. Node-only.
 * @module
 */
import type { JobSpec } from '../../contracts/job-spec.js';
import { StateTracker } from '../../jobs/tracker.js';
import type { JobOutcome } from '../site.js';
import type { TransferProgress } from '../../transfer/progress.js';
import { newJobFilesKey, type JobFilesGrant } from './job-files-server.js';
import { recordedGrant, type MqJobRecord } from './job-records.js';

/** One job of the site. */
export interface MqJob {
  remoteId: string;
  idempotencyKey: string;
  spec: JobSpec;
  /** The working directory relative local paths of the spec were resolved against. */
  cwd: string;
  /** The job's files on the job-files server, and its key there. */
  grant: JobFilesGrant;
  filesKey: string;
  tracker: StateTracker;
  siteState: string;
  /** The status dict that made the job terminal. */
  final?: Record<string, unknown>;
  lastNews: number;
  /** When the setup message left (or was handed to the broker client). */
  setupAt: number;
  /** The uuid Pulsar acknowledges the setup with (`acknowledge: true`), and whether it has. */
  setupAck?: string;
  setupAcked?: boolean;
  /** Taken back from its record at start. */
  reloaded?: boolean;
  /** Pulsar has reported a state other than `lost`: it has read the setup. */
  known: boolean;
  exitCodes?: number[];
  outcome?: JobOutcome;
  /** The submit's progress callback: Pulsar pulls the inputs after `submit` returned. */
  onTransfer?: (progress: TransferProgress) => void;
}

/** The record of a job (what {@link jobOfRecord} takes back). */
export function recordOf(job: MqJob, siteId: string): MqJobRecord {
  const record: MqJobRecord = {
    format: 'pulsar-network/amqp-job',
    version: 1,
    site: siteId,
    remoteId: job.remoteId,
    idempotencyKey: job.idempotencyKey,
    spec: job.spec,
    cwd: job.cwd,
    files: { key: job.filesKey, ...recordedGrant(job.grant) },
    setupAt: job.setupAt,
    known: job.known,
    state: job.tracker.state,
    siteState: job.siteState,
  };
  if (job.setupAck !== undefined) record.setupAck = job.setupAck;
  if (job.setupAcked) record.setupAcked = true;
  if (job.exitCodes) record.exitCodes = job.exitCodes;
  if (job.final) record.final = job.final;
  if (job.outcome) record.outcome = job.outcome;
  return record;
}

/** A job as its record left it. */
export function jobOfRecord(record: MqJobRecord, grant: JobFilesGrant): MqJob {
  const job: MqJob = {
    remoteId: record.remoteId,
    idempotencyKey: record.idempotencyKey,
    spec: record.spec,
    cwd: record.cwd,
    grant,
    filesKey: record.files.key,
    tracker: new StateTracker(record.state),
    siteState: record.siteState,
    lastNews: Date.now(),
    setupAt: record.setupAt,
    known: record.known,
    reloaded: true,
  };
  if (record.setupAck !== undefined) job.setupAck = record.setupAck;
  if (record.setupAcked) job.setupAcked = true;
  if (record.exitCodes) job.exitCodes = record.exitCodes;
  if (record.final) job.final = record.final;
  if (record.outcome) job.outcome = record.outcome;
  return job;
}

/** The `realized_dynamic_file_sources` of a status dict, by path. */
export function reportedFiles(body: Record<string, unknown>): Map<string, string> {
  const files = new Map<string, string>();
  const list = body.realized_dynamic_file_sources;
  if (!Array.isArray(list)) return files;
  for (const item of list as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { path, contents } = item as { path?: unknown; contents?: unknown };
    if (typeof path === 'string' && typeof contents === 'string') files.set(path, contents);
  }
  return files;
}


/** A job about to be set up: queued, unknown to Pulsar, with a fresh key on the job-files server. */
export function newMqJob(remoteId: string, idempotencyKey: string, spec: JobSpec, cwd: string, grant: JobFilesGrant): MqJob {
  const now = Date.now();
  return { remoteId, idempotencyKey, spec, cwd, grant, filesKey: newJobFilesKey(), tracker: new StateTracker('queued'), siteState: 'preprocessing', lastNews: now, setupAt: now, known: false };
}
