/**
 * Options and reports of a `PulsarMqSite`.
 * @module
 */
import type { SkippedRecord } from './job-records.js';
import type { LaunchSettings, PulsarEnv } from './launch.js';
import type { RetryOptions } from '../../http/retry.js';
import { ValidationError, type ValidationIssue } from '../../errors.js';

/** Options of a `PulsarMqSite`. */
export interface PulsarMqSiteOptions {
  /** The site's name in its network. @default 'pulsar-amqp' */
  id?: string;
  /** The broker, e.g. `amqp://user:password@mq.example.org:5672//` (never printed unredacted). */
  url: string;
  /** Pulsar's `staging_directory` on its machine: the job directory is `<jobsDirectory>/<job id>` (Galaxy's `jobs_directory`). */
  jobsDirectory: string;
  /** The Pulsar manager's name. @default '_default_' */
  manager?: string;
  /** Pulsar's `amqp_key_prefix`, when it sets one. */
  amqpKeyPrefix?: string;
  /** Where the job-files server listens, and the URL Pulsar reaches it at. @default 127.0.0.1, a free port */
  filesServer?: {
    /** Address to listen on. @default '127.0.0.1' */
    host?: string;
    /** Port to listen on; keep it fixed with `stateDirectory`, so a restarted site takes Pulsar's pending requests. @default 0 (a free port) */
    port?: number;
    /** The base URL Pulsar reaches the server at (behind a proxy or NAT). @default `http://<host>:<port>` */
    publicUrl?: string;
    /** Largest output Pulsar may push, in bytes (413 beyond, nothing kept). @default 64 GiB */
    maxOutputBytes?: number;
  };
  /** Durable exchange and queues; must match Pulsar's `amqp_durable`. @default true */
  durable?: boolean;
  /** Ask Pulsar to acknowledge every message this site publishes, republishing until it does (`amqp_acknowledge`). @default false */
  acknowledge?: boolean;
  /** Republish an unacknowledged message after this long, in milliseconds (Pulsar's `amqp_ack_republish_time`). @default 30000 */
  republishMs?: number;
  /** AMQP heartbeat, in seconds. @default 30 */
  heartbeatSeconds?: number;
  /** Backoff between reconnection attempts (they go on until `close()`). @default 200 ms doubling to 5 s */
  reconnect?: RetryOptions;
  /** Longest wait of `submit` for the broker (while it is unreachable), in milliseconds. @default 30000 */
  submitTimeoutMs?: number;
  /** A running job with no news for this long gets a status request at the next poll, in milliseconds. @default 60000 */
  statusRequestIntervalMs?: number;
  /**
   * How long after its setup a job Pulsar has said nothing else of may be
   * called `lost` by Pulsar without being lost, in milliseconds. Pulsar reads
   * the `setup` and `status` queues on separate threads, so a status request
   * can overtake the setup it follows; Pulsar then answers `lost`. Within
   * this time (and, with `acknowledge`, until Pulsar acknowledged the setup)
   * such an answer is dropped and the job asked again later.
   * @default 30000
   */
  setupGraceMs?: number;
  /** Environment of every job (Pulsar `env`). */
  env?: PulsarEnv[];
  /** Pulsar `dependencies_description` of every job. */
  dependenciesDescription?: Record<string, unknown> | null;
  /** Pulsar `submit_params` of every job (batch-system parameters). */
  submitParams?: Record<string, unknown>;
  /**
   * A directory (created mode 0700 when missing) where the site keeps one
   * record per job (mode 0600: it holds the job's files key; never the
   * broker password). A site made later with the same directory, and the
   * same `filesServer` port or `publicUrl`, carries on with the jobs not
   * forgotten: `attach`, `lookup`, `collect` and status updates work again,
   * Pulsar's pending pulls and pushes are served under the job's old key,
   * and outputs received before the restart are delivered. Record files that
   * are not this user's own, are writable by others, or do not check out are
   * skipped (see `PulsarMqSite.jobRecords`). Without it, job state
   * lives in memory only.
   */
  stateDirectory?: string;
}

/** What the site made of its {@link PulsarMqSiteOptions.stateDirectory}. */
export interface JobRecordsReport {
  /** Jobs taken back from their records at start. */
  reloaded: number;
  /** Record files not taken, and why. */
  skipped: readonly SkippedRecord[];
  /** Record writes that failed (the job goes on in memory). */
  failedWrites: number;
}

/** Counts of status updates this site has consumed. */
export interface StatusUpdateStats {
  /** Consumed from the `status_update` queue. */
  received: number;
  /** Moved a job forward. */
  accepted: number;
  /** Duplicates, out of order, after a terminal state, or a `lost` that may have overtaken the job's setup: changed nothing. */
  dropped: number;
  /** About jobs this site does not know. */
  unknown: number;
}


/** Throws a {@link ValidationError} naming every option a `PulsarMqSite` cannot start with. */
export function checkMqSiteOptions(options: PulsarMqSiteOptions): void {
  const issues: ValidationIssue[] = [];
  if (typeof options.url !== 'string' || !/^amqps?:\/\//i.test(options.url)) issues.push({ path: 'url', message: 'must be an amqp:// or amqps:// URL' });
  if (typeof options.jobsDirectory !== 'string' || !options.jobsDirectory.startsWith('/') || /[\n\r\0]/.test(options.jobsDirectory)) {
    issues.push({ path: 'jobsDirectory', message: "must be the absolute path of Pulsar's staging_directory" });
  }
  if (options.stateDirectory !== undefined && (typeof options.stateDirectory !== 'string' || options.stateDirectory === '' || /[\n\r\0]/.test(options.stateDirectory))) {
    issues.push({ path: 'stateDirectory', message: 'must be a directory path' });
  }
  if (issues.length > 0) throw new ValidationError('PulsarMqSite options', issues);
}

/** The settings of every launch dict the site builds. */
export function launchSettingsOf(o: PulsarMqSiteOptions): LaunchSettings {
  return {
    jobsDirectory: o.jobsDirectory,
    ...(o.env ? { env: o.env } : {}),
    ...(o.dependenciesDescription !== undefined ? { dependenciesDescription: o.dependenciesDescription } : {}),
    ...(o.submitParams ? { submitParams: o.submitParams } : {}),
  };
}
