/**
 * `PulsarMqSite`: a Pulsar server reached through its AMQP broker, the way
 * the European Pulsar Network runs it. Node-only.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConnectionError, PulsarNetworkError, ValidationError, type ValidationIssue } from '../../errors.js';
import type { RetryOptions } from '../../http/retry.js';
import { UnknownJobError } from '../../jobs/errors.js';
import { fromPulsarStatus, stateFromExitCodes } from '../../jobs/state-map.js';
import type { JobSpec } from '../../contracts/job-spec.js';
import { isTerminalState } from '../../jobs/state.js';
import { StateTracker } from '../../jobs/tracker.js';
import { redactUrl } from '../../redact.js';
import { anySignal, throwIfAborted } from '../../util/abort.js';
import type { JobOutcome, Site, SiteCallOptions, SiteJobRef, SiteJobStatus, SiteProbe, SubmitOptions } from '../site.js';
import { PulsarBroker } from './broker.js';
import { JobFilesServer, newJobFilesKey, type JobFilesGrant } from './job-files-server.js';
import { jobFilesPlan } from './job-files-plan.js';
import { JobRecordStore, type SkippedRecord } from './job-records.js';
import { jobOfRecord, type MqJob, recordOf, reportedFiles } from './mq-job.js';
import { parseExitCodes } from '../local/script.js';
import { launchPlan, MANIFEST_NAME, type PulsarEnv, REPORTED_FILES } from './launch.js';
import { deliverReceived, executorLogs } from './mq-outcome.js';
import { pulsarQueues } from './queues.js';

/** Options of a {@link PulsarMqSite}. */
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
   * skipped (see {@link PulsarMqSite.jobRecords}). Without it, job state
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

/**
 * A Pulsar server in message-queue mode. `submit` publishes the launch dict
 * to the manager's `setup` queue; Pulsar pulls the inputs from, and pushes
 * the outputs and their manifest back to, the site's own job-files server
 * (`remote_transfer`); `status_update` messages move the job, de-duplicated
 * and never backwards out of a terminal state. The connection to the broker
 * comes back by itself (with backoff) and then asks the status of every job
 * in flight. Outputs are delivered to local paths or `file://` URLs once they
 * match the manifest the job wrote last.
 *
 * Executors run without their images, as commands in the Pulsar job
 * directory (container paths mapped into it).
 *
 * @example
 * ```ts
 * import { PulsarMqSite, submitJob } from 'pulsar-network/node';
 *
 * const site = new PulsarMqSite({
 *   url: 'amqp://user:secret@mq.example.org:5672',
 *   jobsDirectory: '/srv/pulsar/files/staging',
 *   filesServer: { host: '0.0.0.0', port: 8700, publicUrl: 'https://me.example.org:8700' },
 * });
 * const job = submitJob(site, {
 *   inputs: [{ path: '/data/in.txt', url: 'file:///home/me/in.txt' }],
 *   outputs: [{ path: '/data/n.txt', url: '/home/me/n.txt' }],
 *   executors: [{ image: 'alpine', command: ['sh', '-c', 'wc -l < /data/in.txt > /data/n.txt'] }],
 * });
 * console.log((await job.wait()).state); // 'complete'
 * await site.close();
 * ```
 */
export class PulsarMqSite implements Site {
  readonly kind = 'pulsar-amqp' as const;
  readonly id: string;
  readonly #options: PulsarMqSiteOptions;
  readonly #files: JobFilesServer;
  readonly #broker: PulsarBroker;
  readonly #jobs = new Map<string, MqJob>();
  readonly #byKey = new Map<string, string>();
  readonly #submitting = new Map<string, Promise<SiteJobRef>>();
  readonly #listeners = new Set<(remoteId: string) => void>();
  readonly #stats: StatusUpdateStats = { received: 0, accepted: 0, dropped: 0, unknown: 0 };
  readonly #records: JobRecordStore | undefined;
  readonly #recordsReport: JobRecordsReport = { reloaded: 0, skipped: [], failedWrites: 0 };
  #started: Promise<void> | undefined;
  #version: string | undefined;

  constructor(options: PulsarMqSiteOptions) {
    const issues: ValidationIssue[] = [];
    if (typeof options.url !== 'string' || !/^amqps?:\/\//i.test(options.url)) issues.push({ path: 'url', message: 'must be an amqp:// or amqps:// URL' });
    if (typeof options.jobsDirectory !== 'string' || !options.jobsDirectory.startsWith('/') || /[\n\r\0]/.test(options.jobsDirectory)) {
      issues.push({ path: 'jobsDirectory', message: "must be the absolute path of Pulsar's staging_directory" });
    }
    if (options.stateDirectory !== undefined && (typeof options.stateDirectory !== 'string' || options.stateDirectory === '' || /[\n\r\0]/.test(options.stateDirectory))) {
      issues.push({ path: 'stateDirectory', message: 'must be a directory path' });
    }
    if (issues.length > 0) throw new ValidationError('PulsarMqSite options', issues);
    this.#options = options;
    if (options.stateDirectory !== undefined) this.#records = new JobRecordStore(resolve(options.stateDirectory));
    this.id = options.id ?? 'pulsar-amqp';
    this.#files = new JobFilesServer({
      ...options.filesServer,
      // Inputs Pulsar pulled are reported as the job's uploads.
      onTransfer: ({ jobId, direction, path, sizeBytes }) => {
        if (direction === 'in') this.#jobs.get(jobId)?.onTransfer?.({ direction: 'up', file: path, bytesDone: sizeBytes, bytesTotal: sizeBytes, done: true });
      },
    });
    this.#broker = new PulsarBroker({
      url: options.url,
      queues: pulsarQueues(options.manager, options.amqpKeyPrefix),
      durable: options.durable ?? true,
      acknowledge: options.acknowledge ?? false,
      republishMs: options.republishMs ?? 30_000,
      heartbeatSeconds: options.heartbeatSeconds ?? 30,
      ...(options.reconnect ? { reconnect: options.reconnect } : {}),
      onStatusUpdate: (body, seen) => this.#onStatusUpdate(body, seen),
      onAcknowledged: (uuid) => this.#onAcknowledged(uuid),
      // Jobs taken back from their records may have moved while no site listened: ask them at once.
      onConnected: (reconnected) => this.#askStatusOfJobsInFlight(reconnected ? () => true : (job) => job.reloaded === true),
    });
  }

  /** The job-files server's base URL (after the first call that needs it, or {@link start}). */
  get filesUrl(): string {
    return this.#files.url;
  }

  /** Where this site keeps its job records (absolute), when it keeps them. */
  get stateDirectory(): string | undefined {
    return this.#options.stateDirectory === undefined ? undefined : resolve(this.#options.stateDirectory);
  }

  /** Status updates consumed so far. */
  get statusUpdates(): Readonly<StatusUpdateStats> {
    return { ...this.#stats };
  }

  /** Messages waiting for Pulsar's acknowledgement (with `acknowledge: true`). */
  get unacknowledged(): number {
    return this.#broker.unacknowledged;
  }

  /** The last status dict Pulsar sent that moved the job to a terminal state (stdout, stderr, directory listings), if any. */
  finalStatus(remoteId: string): Readonly<Record<string, unknown>> | undefined {
    return this.#jobs.get(remoteId)?.final;
  }

  /** What the site made of its `stateDirectory` (after {@link start}). */
  get jobRecords(): Readonly<JobRecordsReport> {
    return { ...this.#recordsReport };
  }

  /**
   * Starts the job-files server, takes back the jobs recorded in the
   * `stateDirectory`, and starts the broker connection (done by the first
   * call that needs them).
   */
  start(): Promise<void> {
    this.#started ??= this.#files
      .listen()
      .then(() => this.#reload())
      .then(() => this.#broker.start());
    return this.#started;
  }

  /**
   * Healthy when the broker connection is up (waiting up to the signal, or
   * 10 s, for it) and Pulsar consumes the manager's `setup` queue.
   */
  async probe(options: SiteCallOptions = {}): Promise<SiteProbe> {
    const started = Date.now();
    await this.start();
    if (!this.#broker.connected) {
      const limit = AbortSignal.timeout(10_000);
      while (!this.#broker.connected && !limit.aborted && !options.signal?.aborted) await new Promise((r) => setTimeout(r, 100));
    }
    const consumers = this.#broker.connected ? await this.#broker.setupConsumers() : undefined;
    const probe: SiteProbe = { ok: consumers !== undefined && consumers > 0, latencyMs: Date.now() - started };
    if (this.#version !== undefined) probe.version = this.#version;
    if (consumers === undefined) {
      probe.error = `no connection to the broker at ${redactUrl(this.#options.url)}`;
      probe.failure = 'unreachable';
    } else if (consumers === 0) {
      probe.error = 'the broker is up but no Pulsar consumes the setup queue';
      probe.failure = 'refusing';
    }
    return probe;
  }

  /**
   * What `submit` refuses the spec for, found without touching files: paths
   * it cannot map, URLs it cannot serve, DIRECTORY and wildcard files (a
   * missing input file is found by `submit`).
   */
  check(spec: JobSpec): ValidationIssue[] {
    return jobFilesPlan(spec, process.cwd()).issues;
  }

  /**
   * Grants the job its files on the job-files server and publishes its launch
   * dict to the `setup` queue. The same `idempotencyKey` again (even while
   * the first submit is under way) gives the same job.
   */
  async submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    throwIfAborted(options.signal, 'submitting to the Pulsar AMQP site');
    await this.#loaded();
    const earlier = this.#byKey.get(options.idempotencyKey);
    if (earlier !== undefined) return { remoteId: earlier };
    const pending = this.#submitting.get(options.idempotencyKey);
    if (pending) return pending;
    const attempt = this.#submit(spec, options).finally(() => this.#submitting.delete(options.idempotencyKey));
    this.#submitting.set(options.idempotencyKey, attempt);
    return attempt;
  }

  async #submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    const cwd = process.cwd();
    await this.#checkSpec(spec, cwd);
    await this.start();

    const remoteId = randomUUID().replaceAll('-', '');
    const job: MqJob = {
      remoteId,
      idempotencyKey: options.idempotencyKey,
      spec,
      cwd,
      grant: this.#grantOf(spec, cwd, remoteId),
      filesKey: newJobFilesKey(),
      tracker: new StateTracker('queued'),
      siteState: 'preprocessing',
      lastNews: Date.now(),
      setupAt: Date.now(),
      known: false,
    };
    const plan = this.#launch(job);
    if (options.onTransfer) job.onTransfer = options.onTransfer;
    this.#jobs.set(remoteId, job);
    this.#byKey.set(options.idempotencyKey, remoteId);
    const limit = AbortSignal.timeout(this.#options.submitTimeoutMs ?? 30_000);
    try {
      // Recorded before it leaves: a restart right after the publish still knows the job.
      await this.#records?.save(remoteId, () => recordOf(job, this.id)).catch((error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        throw new PulsarNetworkError(`could not record the job in the state directory ${this.#records?.directory} (${why}); nothing was sent`, { cause: error });
      });
      const ack = await this.#broker.publish('setup', plan.launch, anySignal([options.signal, limit]));
      if (ack !== undefined) job.setupAck = ack;
      job.setupAt = Date.now();
      void this.#save(job);
    } catch (error) {
      this.#jobs.delete(remoteId);
      this.#byKey.delete(options.idempotencyKey);
      await this.#files.forget(remoteId);
      await this.#records?.remove(remoteId).catch(() => undefined);
      if (limit.aborted && !options.signal?.aborted) {
        // A publish cut off with its connection is sent again on the next one, so it may have left.
        throw new ConnectionError(
          { method: 'AMQP publish', url: redactUrl(this.#options.url), mayHaveBeenSent: true, reason: `the broker did not confirm the setup message within ${this.#options.submitTimeoutMs ?? 30_000} ms` },
          { cause: error },
        );
      }
      throw error;
    }
    return { remoteId };
  }

  /** The state of each job as the status updates left it; a job with no news for a while gets a status request. */
  async poll(remoteIds: readonly string[], options: SiteCallOptions = {}): Promise<Map<string, SiteJobStatus>> {
    throwIfAborted(options.signal, 'polling the Pulsar AMQP site');
    await this.#loaded();
    const answer = new Map<string, SiteJobStatus>();
    const quiet = this.#options.statusRequestIntervalMs ?? 60_000;
    for (const id of remoteIds) {
      const job = this.#jobs.get(id);
      if (!job) continue;
      if (!isTerminalState(job.tracker.state) && Date.now() - job.lastNews >= quiet) {
        job.lastNews = Date.now();
        this.#askStatus(id);
      }
      answer.set(id, this.#status(job));
    }
    return answer;
  }

  /** The status of a job this site submitted; {@link UnknownJobError} for any other. */
  async attach(remoteId: string, options: SiteCallOptions = {}): Promise<SiteJobStatus> {
    throwIfAborted(options.signal, 'attaching to a Pulsar AMQP job');
    await this.#loaded();
    const job = this.#jobs.get(remoteId);
    if (!job) throw new UnknownJobError({ siteId: this.id, remoteId });
    return this.#status(job);
  }

  /**
   * The job a submit with this idempotency key made, while the site knows it
   * (in memory, or recorded in the `stateDirectory`); undefined otherwise.
   */
  async lookup(idempotencyKey: string, options: SiteCallOptions = {}): Promise<string | undefined> {
    throwIfAborted(options.signal, 'looking up a Pulsar AMQP job');
    await this.#loaded();
    return this.#byKey.get(idempotencyKey);
  }

  /** Publishes `kill` for the job, then asks its status (Pulsar does not announce a cancellation by itself). */
  async cancel(remoteId: string, options: SiteCallOptions = {}): Promise<void> {
    await this.#loaded();
    const job = this.#jobs.get(remoteId);
    if (!job) throw new UnknownJobError({ siteId: this.id, remoteId });
    if (isTerminalState(job.tracker.state)) return;
    await this.#broker.publish('kill', { job_id: remoteId }, options.signal);
    this.#askStatus(remoteId);
    setTimeout(() => this.#askStatus(remoteId), 1_000).unref?.();
  }

  /**
   * After a terminal state: the executors' exit codes and logs, and for a
   * `complete` job the outputs, each checked against the job's manifest and
   * only then moved to its destination. A missing or mismatching output
   * makes the outcome `system_error`.
   */
  async collect(remoteId: string, _spec?: JobSpec, options: SiteCallOptions = {}): Promise<JobOutcome> {
    await this.#loaded();
    const job = this.#jobs.get(remoteId);
    if (!job) throw new UnknownJobError({ siteId: this.id, remoteId });
    if (!isTerminalState(job.tracker.state)) {
      throw new ValidationError('collect request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${job.tracker.state})` }]);
    }
    if (job.outcome) return job.outcome;
    const final = job.final ?? {};
    const outcome: JobOutcome = { state: job.tracker.state, executors: executorLogs(final, job.exitCodes ?? []), outputs: [], systemLogs: [] };
    if (job.siteState !== 'complete') {
      outcome.systemLogs.push(`Pulsar reported the job ${job.siteState}`);
      if (job.siteState === 'failed' && job.exitCodes !== undefined) {
        outcome.systemLogs.push(
          `the executors had ended (exit codes ${job.exitCodes.join(', ')}); Pulsar failed after them, sending the outputs back to the job-files server (was the site down or unreachable? Pulsar's postprocess_action_max_retries lets it try longer); nothing was delivered`,
        );
      }
      if (typeof final.job_stderr === 'string' && final.job_stderr !== '') outcome.systemLogs.push(final.job_stderr);
    }
    if (outcome.state === 'complete') {
      // Outputs an earlier site received wait under their hidden names.
      await this.#files.recover(remoteId);
      const problems = await deliverReceived(this.#files.received(remoteId), job.spec.outputs ?? [], outcome.outputs);
      for (const output of outcome.outputs) {
        options.onTransfer?.({ direction: 'down', file: output.url, bytesDone: output.sizeBytes, bytesTotal: output.sizeBytes, done: true });
      }
      if (problems.length > 0) {
        outcome.state = 'system_error';
        outcome.outputs = [];
        outcome.systemLogs.push(...problems);
      }
    }
    await this.#files.forget(remoteId);
    job.outcome = outcome;
    await this.#save(job);
    return outcome;
  }

  /**
   * Forgets an ended job: its state, its key on the job-files server and
   * outputs received but not delivered. Refuses a job that has not ended.
   *
   * @example
   * ```ts
   * declare const mqSite: PulsarMqSite;
   * const result = await job.wait();
   * mqSite.forget(result.remoteId!);
   * ```
   */
  async forget(remoteId: string): Promise<void> {
    await this.#loaded();
    const job = this.#jobs.get(remoteId);
    if (!job) return;
    if (!isTerminalState(job.tracker.state)) {
      throw new ValidationError('forget request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${job.tracker.state}); cancel it first` }]);
    }
    this.#jobs.delete(remoteId);
    for (const [key, id] of this.#byKey) if (id === remoteId) this.#byKey.delete(key);
    await this.#files.forget(remoteId);
    await this.#records?.remove(remoteId);
  }

  /** Calls `onChange` with a job's id when a status update moved it. */
  subscribe(onChange: (remoteId: string) => void): () => void {
    this.#listeners.add(onChange);
    return () => this.#listeners.delete(onChange);
  }

  /**
   * Closes the broker connection and the job-files server. Outputs received
   * but not collected are dropped, unless a `stateDirectory` keeps the jobs
   * for a later site.
   */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#broker.close();
    await this.#records?.flush();
    await this.#files.close({ keepReceived: this.#records !== undefined });
  }

  #launchSettings(): Parameters<typeof launchPlan>[2] {
    const o = this.#options;
    return {
      jobsDirectory: o.jobsDirectory,
      ...(o.env ? { env: o.env } : {}),
      ...(o.dependenciesDescription !== undefined ? { dependenciesDescription: o.dependenciesDescription } : {}),
      ...(o.submitParams ? { submitParams: o.submitParams } : {}),
    };
  }

  async #checkSpec(spec: JobSpec, cwd: string): Promise<void> {
    const { inputs, issues } = jobFilesPlan(spec, cwd);
    for (const [i, input] of (inputs.size > 0 ? (spec.inputs ?? []) : []).entries()) {
      const source = input.type === 'DIRECTORY' ? undefined : inputs.get(input.path);
      if (source?.kind !== 'file') continue;
      const info = await stat(source.path).catch(() => undefined);
      if (!info?.isFile()) issues.push({ path: `$.inputs[${i}].url`, message: `${source.path} is not a readable file` });
    }
    // In the spec's order ($.inputs[2] before $.inputs[10]).
    issues.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
    if (issues.length > 0) throw new ValidationError('job spec for the Pulsar AMQP site', issues);
  }

  /** The files a job may read and write: its spec's, and its manifest. */
  #grantOf(spec: JobSpec, cwd: string, remoteId: string): JobFilesGrant {
    const { inputs, outputs } = jobFilesPlan(spec, cwd);
    // Outputs wait beside their destinations; the manifest in the state directory, or the temp dir.
    return { inputs, outputs: new Map([...outputs, [MANIFEST_NAME, this.#manifestPath(remoteId)]]) };
  }

  #manifestPath(remoteId: string): string {
    return join(this.#records?.directory ?? join(tmpdir(), 'pulsar-network-amqp'), `${remoteId}.manifest`);
  }

  /** Registers the job with the job-files server (under its key) and builds its launch dict. */
  #launch(job: MqJob): ReturnType<typeof launchPlan> {
    const endpoint = this.#files.register(job.remoteId, job.grant, job.filesKey);
    return launchPlan(job.spec, job.remoteId, this.#launchSettings(), endpoint, (path) => this.#files.inputUrl(endpoint, path));
  }

  /** Resolves once the recorded jobs are loaded (at once without a `stateDirectory`). */
  async #loaded(): Promise<void> {
    if (this.#records) await this.start();
  }

  async #reload(): Promise<void> {
    if (!this.#records) return;
    const { records, skipped } = await this.#records.load({ siteId: this.id, manifestPath: (id) => this.#manifestPath(id) }).catch((error: unknown) => {
      const why = error instanceof Error ? error.message : String(error);
      throw new ValidationError('PulsarMqSite options', [{ path: 'stateDirectory', message: `cannot be created or read (${why})` }], { cause: error });
    });
    this.#recordsReport.skipped = skipped;
    for (const record of records) {
      if (this.#jobs.has(record.remoteId)) continue;
      const job = jobOfRecord(record, this.#grantOf(record.spec, record.cwd, record.remoteId));
      this.#jobs.set(job.remoteId, job);
      this.#byKey.set(job.idempotencyKey, job.remoteId);
      this.#recordsReport.reloaded++;
      if (job.outcome) continue;
      const plan = this.#launch(job);
      // A setup Pulsar had not acknowledged is republished until it does, as before the restart.
      if (job.setupAck !== undefined && !job.setupAcked && !job.known && !isTerminalState(job.tracker.state)) {
        this.#broker.expectAck(job.setupAck, 'setup', plan.launch);
      }
    }
  }

  /** Writes the job's record (when there is a `stateDirectory` and the job is still kept); never throws. */
  async #save(job: MqJob): Promise<void> {
    if (!this.#records || this.#jobs.get(job.remoteId) !== job) return;
    await this.#records.save(job.remoteId, () => recordOf(job, this.id)).catch(() => {
      this.#recordsReport.failedWrites++;
    });
  }

  #onAcknowledged(uuid: string): void {
    for (const job of this.#jobs.values()) {
      if (job.setupAck !== uuid) continue;
      job.setupAcked = true;
      void this.#save(job);
    }
  }

  /** Resolves once the update is recorded (the broker acknowledges the message then). */
  #onStatusUpdate(body: Record<string, unknown>, seen: boolean): Promise<void> | undefined {
    this.#stats.received++;
    if (seen) {
      this.#stats.dropped++;
      return;
    }
    const job = typeof body.job_id === 'string' ? this.#jobs.get(body.job_id) : undefined;
    if (!job) {
      this.#stats.unknown++;
      return;
    }
    const status = typeof body.status === 'string' ? body.status : '';
    if (status === 'lost' && !job.known && this.#setupMayBeUnread(job)) {
      // Not news: the next quiet poll asks again.
      this.#stats.dropped++;
      return;
    }
    const learned = status !== 'lost' && !job.known;
    if (status !== 'lost') job.known = true;
    let state = fromPulsarStatus(status);
    let exitCodes: number[] | undefined;
    if (status === 'complete') {
      exitCodes = exitCodesOf(reportedFiles(body).get(REPORTED_FILES.exitCodes));
      state = exitCodes === undefined ? 'system_error' : stateFromExitCodes(exitCodes, job.spec.executors);
    } else if (status === 'failed') {
      // The executors may have run: Pulsar also fails a job whose outputs it could not send back.
      exitCodes = exitCodesOf(reportedFiles(body).get(REPORTED_FILES.exitCodes));
    }
    job.lastNews = Date.now();
    const change = job.tracker.offer({ state, siteState: status });
    if (!change) {
      this.#stats.dropped++;
      return learned ? this.#save(job) : undefined;
    }
    this.#stats.accepted++;
    job.siteState = status;
    if (isTerminalState(state)) {
      job.final = body;
      if (exitCodes !== undefined) job.exitCodes = exitCodes;
      if (typeof body.pulsar_version === 'string') this.#version = body.pulsar_version;
    }
    const saved = this.#save(job);
    for (const listener of [...this.#listeners]) {
      try {
        listener(job.remoteId);
      } catch {
        // A listener's failure is its own.
      }
    }
    return saved;
  }

  /** Pulsar may not have read the job's setup yet (see {@link PulsarMqSiteOptions.setupGraceMs}). */
  #setupMayBeUnread(job: MqJob): boolean {
    if (Date.now() - job.setupAt < (this.#options.setupGraceMs ?? 30_000)) return true;
    return job.setupAck !== undefined && this.#broker.awaitingAck(job.setupAck);
  }

  #status(job: MqJob): SiteJobStatus {
    const status: SiteJobStatus = { remoteId: job.remoteId, state: job.tracker.state, siteState: job.siteState };
    if (job.exitCodes) status.exitCodes = [...job.exitCodes];
    return status;
  }

  #askStatus(remoteId: string): void {
    // To the `status` queue: Pulsar has not read status requests from the setup queue since 2020.
    this.#broker.publish('status', { job_id: remoteId }).catch(() => undefined);
  }

  #askStatusOfJobsInFlight(which: (job: MqJob) => boolean): void {
    for (const job of this.#jobs.values()) if (!isTerminalState(job.tracker.state) && which(job)) this.#askStatus(job.remoteId);
  }

}

/** The exit codes a Pulsar status message reported, when it carried them. */
function exitCodesOf(text: string | undefined): number[] | undefined {
  return text === undefined ? undefined : parseExitCodes(text);
}
