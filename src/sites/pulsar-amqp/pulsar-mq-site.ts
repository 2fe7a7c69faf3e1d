/**
 * `PulsarMqSite`: a Pulsar server reached through its AMQP broker, the way
 * the European Pulsar Network runs it. Node-only.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectionError, ValidationError, type ValidationIssue } from '../../errors.js';
import type { RetryOptions } from '../../http/retry.js';
import { UnknownJobError } from '../../jobs/errors.js';
import { fromPulsarStatus, stateFromExitCodes } from '../../jobs/state-map.js';
import type { JobSpec } from '../../jobs/spec.js';
import { isTerminalState } from '../../jobs/state.js';
import { StateTracker } from '../../jobs/tracker.js';
import { redactUrl } from '../../redact.js';
import { parseManifest, verifyManifest } from '../../transfer/manifest.js';
import { anySignal, throwIfAborted } from '../../util/abort.js';
import { checkSpec, locate } from '../local/validate.js';
import type { CollectedOutput, ExecutorLog, JobOutcome, Site, SiteCallOptions, SiteJobRef, SiteJobStatus, SiteProbe, SubmitOptions, TransferProgress } from '../site.js';
import { PulsarBroker } from './broker.js';
import { JobFilesServer, type JobFileSource } from './job-files-server.js';
import { launchPlan, MANIFEST_NAME, type PulsarEnv, REPORTED_FILES } from './launch.js';
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
  filesServer?: { host?: string; port?: number; publicUrl?: string };
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
}

/** Counts of status updates this site has consumed. */
export interface StatusUpdateStats {
  received: number;
  /** Moved a job forward. */
  accepted: number;
  /** Duplicates, out of order, after a terminal state, or a `lost` that may have overtaken the job's setup: changed nothing. */
  dropped: number;
  /** About jobs this site does not know. */
  unknown: number;
}

interface MqJob {
  remoteId: string;
  spec: JobSpec;
  tracker: StateTracker;
  siteState: string;
  /** The status dict that made the job terminal. */
  final?: Record<string, unknown>;
  lastNews: number;
  /** When the setup message left (or was handed to the broker client). */
  setupAt: number;
  /** The uuid Pulsar acknowledges the setup with (`acknowledge: true`). */
  setupAck?: string;
  /** Pulsar has reported a state other than `lost`: it has read the setup. */
  known: boolean;
  exitCodes?: number[];
  outcome?: JobOutcome;
  /** The submit's progress callback: Pulsar pulls the inputs after `submit` returned. */
  onTransfer?: (progress: TransferProgress) => void;
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
  #started: Promise<void> | undefined;
  #version: string | undefined;

  constructor(options: PulsarMqSiteOptions) {
    const issues: ValidationIssue[] = [];
    if (typeof options.url !== 'string' || !/^amqps?:\/\//i.test(options.url)) issues.push({ path: 'url', message: 'must be an amqp:// or amqps:// URL' });
    if (typeof options.jobsDirectory !== 'string' || !options.jobsDirectory.startsWith('/') || /[\n\r\0]/.test(options.jobsDirectory)) {
      issues.push({ path: 'jobsDirectory', message: "must be the absolute path of Pulsar's staging_directory" });
    }
    if (issues.length > 0) throw new ValidationError('PulsarMqSite options', issues);
    this.#options = options;
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
      onConnected: (reconnected) => {
        if (reconnected) this.#askStatusOfJobsInFlight();
      },
    });
  }

  /** The job-files server's base URL (after the first call that needs it, or {@link start}). */
  get filesUrl(): string {
    return this.#files.url;
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

  /** Starts the job-files server and the broker connection (done by the first call that needs them). */
  start(): Promise<void> {
    this.#started ??= this.#files.listen().then(() => this.#broker.start());
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
    if (consumers === undefined) probe.error = `no connection to the broker at ${redactUrl(this.#options.url)}`;
    else if (consumers === 0) probe.error = 'the broker is up but no Pulsar consumes the setup queue';
    return probe;
  }

  /**
   * Grants the job its files on the job-files server and publishes its launch
   * dict to the `setup` queue. The same `idempotencyKey` again (even while
   * the first submit is under way) gives the same job.
   */
  async submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    throwIfAborted(options.signal, 'submitting to the Pulsar AMQP site');
    const earlier = this.#byKey.get(options.idempotencyKey);
    if (earlier !== undefined) return { remoteId: earlier };
    const pending = this.#submitting.get(options.idempotencyKey);
    if (pending) return pending;
    const attempt = this.#submit(spec, options).finally(() => this.#submitting.delete(options.idempotencyKey));
    this.#submitting.set(options.idempotencyKey, attempt);
    return attempt;
  }

  async #submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    const { inputs, outputs } = await this.#checkSpec(spec);
    await this.start();

    const remoteId = randomUUID().replaceAll('-', '');
    // The manifest waits in the temp dir; outputs wait beside their destinations.
    const manifest = join(tmpdir(), 'pulsar-network-amqp', `${remoteId}.manifest`);
    const endpoint = this.#files.register(remoteId, { inputs, outputs: new Map([...outputs, [MANIFEST_NAME, manifest]]) });
    const plan = launchPlan(spec, remoteId, this.#launchSettings(), endpoint, (path) => this.#files.inputUrl(endpoint, path));
    const job: MqJob = { remoteId, spec, tracker: new StateTracker('queued'), siteState: 'preprocessing', lastNews: Date.now(), setupAt: Date.now(), known: false };
    if (options.onTransfer) job.onTransfer = options.onTransfer;
    this.#jobs.set(remoteId, job);
    this.#byKey.set(options.idempotencyKey, remoteId);
    const limit = AbortSignal.timeout(this.#options.submitTimeoutMs ?? 30_000);
    try {
      const ack = await this.#broker.publish('setup', plan.launch, anySignal([options.signal, limit]));
      if (ack !== undefined) job.setupAck = ack;
      job.setupAt = Date.now();
    } catch (error) {
      this.#jobs.delete(remoteId);
      this.#byKey.delete(options.idempotencyKey);
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
    const job = this.#jobs.get(remoteId);
    if (!job) throw new UnknownJobError({ siteId: this.id, remoteId });
    return this.#status(job);
  }

  /** Publishes `kill` for the job, then asks its status (Pulsar does not announce a cancellation by itself). */
  async cancel(remoteId: string, options: SiteCallOptions = {}): Promise<void> {
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
    const job = this.#jobs.get(remoteId);
    if (!job) throw new UnknownJobError({ siteId: this.id, remoteId });
    if (!isTerminalState(job.tracker.state)) {
      throw new ValidationError('collect request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${job.tracker.state})` }]);
    }
    if (job.outcome) return job.outcome;
    const final = job.final ?? {};
    const reported = reportedFiles(final);
    const exitCodes = job.exitCodes ?? [];
    const executors: ExecutorLog[] = exitCodes.map((exitCode, i) => {
      const log: ExecutorLog = { exitCode };
      const stdout = reported.get(REPORTED_FILES.stdout(i));
      const stderr = reported.get(REPORTED_FILES.stderr(i));
      if (stdout !== undefined) log.stdout = stdout;
      if (stderr !== undefined) log.stderr = stderr;
      return log;
    });
    const outcome: JobOutcome = { state: job.tracker.state, executors, outputs: [], systemLogs: [] };
    if (job.siteState !== 'complete') {
      outcome.systemLogs.push(`Pulsar reported the job ${job.siteState}`);
      if (typeof final.job_stderr === 'string' && final.job_stderr !== '') outcome.systemLogs.push(final.job_stderr);
    }
    if (outcome.state === 'complete') {
      const problems = await this.#deliver(job, outcome.outputs);
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
    return outcome;
  }

  /**
   * Forgets an ended job: its state, its key on the job-files server and
   * outputs received but not delivered. Refuses a job that has not ended.
   *
   * @example
   * ```ts
   * const result = await job.wait();
   * site.forget(result.remoteId!);
   * ```
   */
  async forget(remoteId: string): Promise<void> {
    const job = this.#jobs.get(remoteId);
    if (!job) return;
    if (!isTerminalState(job.tracker.state)) {
      throw new ValidationError('forget request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${job.tracker.state}); cancel it first` }]);
    }
    this.#jobs.delete(remoteId);
    for (const [key, id] of this.#byKey) if (id === remoteId) this.#byKey.delete(key);
    await this.#files.forget(remoteId);
  }

  /** Calls `onChange` with a job's id when a status update moved it. */
  subscribe(onChange: (remoteId: string) => void): () => void {
    this.#listeners.add(onChange);
    return () => this.#listeners.delete(onChange);
  }

  /** Closes the broker connection and the job-files server (outputs not yet collected are dropped). */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#broker.close();
    await this.#files.close();
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

  async #checkSpec(spec: JobSpec): Promise<{ inputs: Map<string, JobFileSource>; outputs: Map<string, string> }> {
    const where = (url: string) => locate(url, (p) => resolve(p), (u) => fileURLToPath(u));
    const issues = checkSpec(spec, { mode: 'ignore' }, { locate: where });
    const inputs = new Map<string, JobFileSource>();
    const outputs = new Map<string, string>();
    if (issues.length === 0) {
      for (const [i, input] of (spec.inputs ?? []).entries()) {
        if (input.type === 'DIRECTORY') issues.push({ path: `$.inputs[${i}].type`, message: 'Pulsar fetches single files: DIRECTORY inputs are not supported over AMQP' });
        else if (typeof input.content === 'string') inputs.set(input.path, { kind: 'bytes', bytes: new TextEncoder().encode(input.content) });
        else {
          const at = where(input.url ?? '');
          if (at?.kind !== 'file') continue;
          const info = await stat(at.path).catch(() => undefined);
          if (!info?.isFile()) issues.push({ path: `$.inputs[${i}].url`, message: `${at.path} is not a readable file` });
          else inputs.set(input.path, { kind: 'file', path: at.path });
        }
      }
      for (const [i, output] of (spec.outputs ?? []).entries()) {
        if (output.type === 'DIRECTORY' || /[*?[]/.test(output.path)) {
          issues.push({ path: `$.outputs[${i}]`, message: 'only single-file outputs (no DIRECTORY, no wildcards) are supported over AMQP' });
        }
        const at = where(output.url);
        if (at?.kind === 'file') outputs.set(`output-${i}`, at.path);
      }
    }
    if (issues.length > 0) throw new ValidationError('job spec for the Pulsar AMQP site', issues);
    return { inputs, outputs };
  }

  #onStatusUpdate(body: Record<string, unknown>, seen: boolean): void {
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
    if (status !== 'lost') job.known = true;
    let state = fromPulsarStatus(status);
    let exitCodes: number[] | undefined;
    if (status === 'complete') {
      exitCodes = parseExitCodes(reportedFiles(body).get(REPORTED_FILES.exitCodes));
      state = exitCodes === undefined ? 'system_error' : stateFromExitCodes(exitCodes, job.spec.executors);
    }
    job.lastNews = Date.now();
    const change = job.tracker.offer({ state, siteState: status });
    if (!change) {
      this.#stats.dropped++;
      return;
    }
    this.#stats.accepted++;
    job.siteState = status;
    if (isTerminalState(state)) {
      job.final = body;
      if (exitCodes !== undefined) job.exitCodes = exitCodes;
      if (typeof body.pulsar_version === 'string') this.#version = body.pulsar_version;
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener(job.remoteId);
      } catch {
        // A listener's failure is its own.
      }
    }
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

  #askStatusOfJobsInFlight(): void {
    for (const job of this.#jobs.values()) if (!isTerminalState(job.tracker.state)) this.#askStatus(job.remoteId);
  }

  async #deliver(job: MqJob, delivered: CollectedOutput[]): Promise<string[]> {
    const received = this.#files.received(job.remoteId);
    const manifestFile = received.get(MANIFEST_NAME);
    if (!manifestFile) return ['Pulsar did not send the output manifest back'];
    let entries;
    try {
      entries = parseManifest(await readFile(manifestFile.file, 'utf8'));
    } catch (error) {
      return [`the output manifest is unreadable: ${error instanceof Error ? error.message : String(error)}`];
    } finally {
      await rm(manifestFile.file, { force: true });
    }
    const problems: string[] = [];
    const ready: Array<{ file: string; destination: string; output: CollectedOutput }> = [];
    for (const [i, output] of (job.spec.outputs ?? []).entries()) {
      const got = received.get(`output-${i}`);
      if (!got) {
        problems.push(`output ${output.path} was not produced or not sent back`);
        continue;
      }
      const mismatch = verifyManifest(entries, [{ name: output.path, size: got.sizeBytes, sha256: got.sha256 }])[0];
      if (mismatch) {
        problems.push(`output ${output.path} does not match the job's manifest (${mismatch.problem}${mismatch.expected ? `: expected ${mismatch.expected}, got ${mismatch.actual}` : ''})`);
        continue;
      }
      ready.push({ file: got.file, destination: got.destination, output: { path: output.path, url: output.url, sizeBytes: got.sizeBytes, sha256: got.sha256 } });
    }
    if (problems.length > 0) return problems;
    for (const item of ready) {
      await mkdir(dirname(item.destination), { recursive: true });
      await rename(item.file, item.destination);
      delivered.push(item.output);
    }
    return [];
  }
}

/** The `realized_dynamic_file_sources` of a status dict, by path. */
function reportedFiles(body: Record<string, unknown>): Map<string, string> {
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

function parseExitCodes(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const codes = text.split('\n').filter((line) => line.trim() !== '').map((line) => Number(line.trim()));
  return codes.every((code) => Number.isInteger(code)) ? codes : undefined;
}
