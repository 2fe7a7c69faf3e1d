/**
 * `PulsarMqSite`: a Pulsar server reached through its AMQP broker, the way
 * the European Pulsar Network runs it. Node-only.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { ConnectionError, ValidationError, type ValidationIssue } from '../../errors.js';
import { UnknownJobError } from '../../jobs/errors.js';
import type { JobSpec } from '../../contracts/job-spec.js';
import { isTerminalState } from '../../jobs/state.js';
import { redactUrl } from '../../redact.js';
import { anySignal, throwIfAborted } from '../../util/abort.js';
import type { JobOutcome, Site, SiteCallOptions, SiteJobRef, SiteJobStatus, SiteProbe, SubmitOptions } from '../site.js';
import { PulsarBroker } from './broker.js';
import { JobFilesServer, type JobFilesGrant } from './job-files-server.js';
import { checkJobFiles, jobFilesPlan } from './job-files-plan.js';
import { jobOfRecord, newMqJob, type MqJob } from './mq-job.js';
import { MqJobBook } from './mq-job-book.js';
import { checkMqSiteOptions, launchSettingsOf, type JobRecordsReport, type PulsarMqSiteOptions, type StatusUpdateStats } from './mq-options.js';
import { applyStatusUpdate, probeBroker, siteStatusOf } from './mq-status.js';
import { launchPlan, MANIFEST_NAME } from './launch.js';
import { outcomeOf } from './mq-outcome.js';
import { pulsarQueues } from './queues.js';
import { Listeners } from '../../util/listeners.js';

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
  readonly #book: MqJobBook;
  readonly #stateDirectory: string | undefined;
  readonly #submitting = new Map<string, Promise<SiteJobRef>>();
  readonly #listeners = new Listeners<string>();
  readonly #stats: StatusUpdateStats = { received: 0, accepted: 0, dropped: 0, unknown: 0 };
  #started: Promise<void> | undefined;
  #version: string | undefined;

  constructor(options: PulsarMqSiteOptions) {
    checkMqSiteOptions(options);
    this.#options = options;
    this.id = options.id ?? 'pulsar-amqp';
    this.#stateDirectory = options.stateDirectory === undefined ? undefined : resolve(options.stateDirectory);
    this.#book = new MqJobBook(this.id, this.#stateDirectory);
    this.#files = new JobFilesServer({
      ...options.filesServer,
      // Inputs Pulsar pulled are reported as the job's uploads.
      onTransfer: ({ jobId, direction, path, sizeBytes }) => {
        if (direction === 'in') this.#book.get(jobId)?.onTransfer?.({ direction: 'up', file: path, bytesDone: sizeBytes, bytesTotal: sizeBytes, done: true });
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
    return this.#stateDirectory;
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
    return this.#book.get(remoteId)?.final;
  }

  /** What the site made of its `stateDirectory` (after {@link start}). */
  get jobRecords(): Readonly<JobRecordsReport> {
    return this.#book.report;
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
    await this.start();
    const probe = await probeBroker(this.#broker, redactUrl(this.#options.url), options.signal);
    if (this.#version !== undefined) probe.version = this.#version;
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
    const earlier = this.#book.idOf(options.idempotencyKey);
    if (earlier !== undefined) return { remoteId: earlier };
    const pending = this.#submitting.get(options.idempotencyKey);
    if (pending) return pending;
    const attempt = this.#submit(spec, options).finally(() => this.#submitting.delete(options.idempotencyKey));
    this.#submitting.set(options.idempotencyKey, attempt);
    return attempt;
  }

  async #submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    const cwd = process.cwd();
    await checkJobFiles(spec, cwd);
    await this.start();

    const remoteId = randomUUID().replaceAll('-', '');
    const job = newMqJob(remoteId, options.idempotencyKey, spec, cwd, this.#grantOf(spec, cwd, remoteId));
    const plan = this.#launch(job);
    if (options.onTransfer) job.onTransfer = options.onTransfer;
    // A record that cannot be written leaves no grant on the job-files server behind.
    await this.#book.add(job).catch(async (error: unknown) => {
      await this.#files.forget(remoteId);
      throw error;
    });
    const limit = AbortSignal.timeout(this.#options.submitTimeoutMs ?? 30_000);
    try {
      const ack = await this.#broker.publish('setup', plan.launch, anySignal([options.signal, limit]));
      if (ack !== undefined) job.setupAck = ack;
      job.setupAt = Date.now();
      void this.#book.save(job);
    } catch (error) {
      await this.#book.remove(remoteId, true);
      await this.#files.forget(remoteId);
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
      const job = this.#book.get(id);
      if (!job) continue;
      if (!isTerminalState(job.tracker.state) && Date.now() - job.lastNews >= quiet) {
        job.lastNews = Date.now();
        this.#askStatus(id);
      }
      answer.set(id, siteStatusOf(job));
    }
    return answer;
  }

  /** The status of a job this site submitted; {@link UnknownJobError} for any other. */
  async attach(remoteId: string, options: SiteCallOptions = {}): Promise<SiteJobStatus> {
    throwIfAborted(options.signal, 'attaching to a Pulsar AMQP job');
    await this.#loaded();
    const job = this.#book.get(remoteId);
    if (!job) throw new UnknownJobError({ siteId: this.id, remoteId });
    return siteStatusOf(job);
  }

  /**
   * The job a submit with this idempotency key made, while the site knows it
   * (in memory, or recorded in the `stateDirectory`); undefined otherwise.
   */
  async lookup(idempotencyKey: string, options: SiteCallOptions = {}): Promise<string | undefined> {
    throwIfAborted(options.signal, 'looking up a Pulsar AMQP job');
    await this.#loaded();
    return this.#book.idOf(idempotencyKey);
  }

  /** Publishes `kill` for the job, then asks its status (Pulsar does not announce a cancellation by itself). */
  async cancel(remoteId: string, options: SiteCallOptions = {}): Promise<void> {
    await this.#loaded();
    const job = this.#book.get(remoteId);
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
    const job = this.#book.get(remoteId);
    if (!job) throw new UnknownJobError({ siteId: this.id, remoteId });
    if (!isTerminalState(job.tracker.state)) {
      throw new ValidationError('collect request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${job.tracker.state})` }]);
    }
    if (job.outcome) return job.outcome;
    const outcome = await outcomeOf(job, this.#files, options.onTransfer);
    await this.#files.forget(remoteId);
    job.outcome = outcome;
    await this.#book.save(job);
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
    const job = this.#book.get(remoteId);
    if (!job) return;
    if (!isTerminalState(job.tracker.state)) {
      throw new ValidationError('forget request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${job.tracker.state}); cancel it first` }]);
    }
    await this.#files.forget(remoteId);
    await this.#book.remove(remoteId);
  }

  /** Calls `onChange` with a job's id when a status update moved it. */
  subscribe(onChange: (remoteId: string) => void): () => void {
    return this.#listeners.add(onChange);
  }

  /**
   * Closes the broker connection and the job-files server. Outputs received
   * but not collected are dropped, unless a `stateDirectory` keeps the jobs
   * for a later site.
   */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#broker.close();
    await this.#book.flush();
    await this.#files.close({ keepReceived: this.#book.persistent });
  }

  /** The files a job may read and write: its spec's, and its manifest. */
  #grantOf(spec: JobSpec, cwd: string, remoteId: string): JobFilesGrant {
    const { inputs, outputs } = jobFilesPlan(spec, cwd);
    // Outputs wait beside their destinations; the manifest in the state directory, or the temp dir.
    return { inputs, outputs: new Map([...outputs, [MANIFEST_NAME, this.#book.manifestPath(remoteId)]]) };
  }


  /** Registers the job with the job-files server (under its key) and builds its launch dict. */
  #launch(job: MqJob): ReturnType<typeof launchPlan> {
    const endpoint = this.#files.register(job.remoteId, job.grant, job.filesKey);
    return launchPlan(job.spec, job.remoteId, launchSettingsOf(this.#options), endpoint, (path) => this.#files.inputUrl(endpoint, path));
  }

  /** Resolves once the recorded jobs are loaded (at once without a `stateDirectory`). */
  async #loaded(): Promise<void> {
    if (this.#book.persistent) await this.start();
  }

  async #reload(): Promise<void> {
    const revived = await this.#book.reload((record) => jobOfRecord(record, this.#grantOf(record.spec, record.cwd, record.remoteId)));
    for (const job of revived) {
      if (job.outcome) continue;
      const plan = this.#launch(job);
      // A setup Pulsar had not acknowledged is republished until it does, as before the restart.
      if (job.setupAck !== undefined && !job.setupAcked && !job.known && !isTerminalState(job.tracker.state)) {
        this.#broker.expectAck(job.setupAck, 'setup', plan.launch);
      }
    }
  }

  #onAcknowledged(uuid: string): void {
    for (const job of this.#book.values()) {
      if (job.setupAck !== uuid) continue;
      job.setupAcked = true;
      void this.#book.save(job);
    }
  }

  /** Resolves once the update is recorded (the broker acknowledges the message then). */
  #onStatusUpdate(body: Record<string, unknown>, seen: boolean): Promise<void> | undefined {
    this.#stats.received++;
    if (seen) {
      this.#stats.dropped++;
      return;
    }
    const job = typeof body.job_id === 'string' ? this.#book.get(body.job_id) : undefined;
    if (!job) {
      this.#stats.unknown++;
      return;
    }
    const effect = applyStatusUpdate(job, body, (j) => this.#setupMayBeUnread(j));
    if (effect !== 'moved') {
      this.#stats.dropped++;
      return effect === 'learned' ? this.#book.save(job) : undefined;
    }
    this.#stats.accepted++;
    if (isTerminalState(job.tracker.state) && typeof body.pulsar_version === 'string') this.#version = body.pulsar_version;
    const saved = this.#book.save(job);
    this.#listeners.notify(job.remoteId);
    return saved;
  }

  /** Pulsar may not have read the job's setup yet (see {@link PulsarMqSiteOptions.setupGraceMs}). */
  #setupMayBeUnread(job: MqJob): boolean {
    if (Date.now() - job.setupAt < (this.#options.setupGraceMs ?? 30_000)) return true;
    return job.setupAck !== undefined && this.#broker.awaitingAck(job.setupAck);
  }

  #askStatus(remoteId: string): void {
    // To the `status` queue: Pulsar has not read status requests from the setup queue since 2020.
    this.#broker.publish('status', { job_id: remoteId }).catch(() => undefined);
  }

  #askStatusOfJobsInFlight(which: (job: MqJob) => boolean): void {
    for (const job of this.#book.values()) if (!isTerminalState(job.tracker.state) && which(job)) this.#askStatus(job.remoteId);
  }
}
