/**
 * `PulsarRestSite`: a Pulsar server's REST API as a {@link Site}. Portable
 * (local files are reached through an injected {@link LocalFiles}).
 * @module
 */
import { AbortError, ValidationError, type ValidationIssue } from '../../errors.js';
import type { HttpClientOptions } from '../../http/client.js';
import { UnknownJobError } from '../../jobs/errors.js';
import type { JobSpec } from '../../contracts/job-spec.js';
import { isTerminalState } from '../../jobs/state.js';
import { PulsarClient, type PulsarClientOptions } from '../../pulsar/client.js';
import { CLEANUP_TIMEOUT_MS } from '../../pulsar/launch.js';
import type { PulsarJobStatus } from '../../pulsar/status.js';
import { bestEffort, throwIfAborted } from '../../util/abort.js';
import { DEFAULT_MAX_RESPONSE_BYTES, readCapped, readTail } from '../../http/bounded-body.js';
import type { LocalFiles } from '../../contracts/local-files.js';
import { imagePolicy } from '../../executor/plan.js';
import type { ContainerRuntime } from '../../executor/script.js';
import { checkSpec, type ImagePolicy } from '../../executor/validate.js';
import { failedProbe } from '../probe-failure.js';
import { mustBeOneOf } from '../../util/did-you-mean.js';
import type { JobOutcome, Site, SiteCallOptions, SiteJobRef, SiteJobStatus, SiteProbe, SubmitOptions } from '../site.js';
import type { LocalBind } from '../../executor/sandbox.js';
import { pulsarSandbox, SPEC_FILE } from './command.js';
import { locateInput, stagingIssues } from './inputs.js';
import { cleanupDue, isPulsarCleanupPolicy, PULSAR_CLEANUP_POLICIES, type PulsarCleanupPolicy } from '../../pulsar/pipeline.js';
import { JobBook, type BookedStatus } from './job-book.js';
import { ENDED_BY_MARKER, pollStatuses, readStatus, type StatusReading } from './job-status.js';
import { downloadOutputs, executorLogs } from './outputs.js';
import { jobIdFor, submitToPulsar, type Submission } from './submission.js';

/** Options of a {@link PulsarRestSite}. */
export interface PulsarRestSiteOptions {
  /** The server: a {@link PulsarClient}, or the options to make one (URL, token, manager, timeouts). */
  client: PulsarClient | PulsarClientOptions;
  /** The site's name in its network. @default 'pulsar' */
  id?: string;
  /**
   * Local file access (`nodeLocalFiles()` from `pulsar-network/node`): needed
   * to upload local inputs and to write outputs to their local destinations.
   */
  files?: LocalFiles;
  /**
   * HTTP options for inputs at http(s) URLs (auth, timeouts, retries). Pulsar
   * does not fetch URLs itself: this site streams each such input from its
   * URL into the upload, with the transfer's retries (a retried upload
   * fetches the input again from its first byte).
   */
  inputHttp?: Omit<HttpClientOptions, 'baseUrl'>;
  /**
   * The container runtime the server's nodes run images with; the command
   * line carries the wrapper (`apptainer exec docker://IMAGE …`), as Galaxy
   * builds it. Not checked: the server cannot be asked.
   */
  containerRuntime?: ContainerRuntime;
  /**
   * Run executors without their image, as plain processes on the Pulsar host
   * (container paths mapped into the job's working directory). Without it
   * or `containerRuntime`, a job is refused.
   * @default false
   */
  allowNoContainer?: boolean;
  /**
   * What to do with the server's job directory after `collect`. Keep the
   * default when another process may still follow the same job (after
   * `collect`, the job is gone for `attach`); remove it with `forget()`.
   * @default 'never'
   */
  cleanup?: PulsarCleanupPolicy;
  /**
   * A Pulsar restarted while a job ran reports it `running` for ever. A job
   * said `running` this long (and every as long again), or reached again after
   * failed polls, has the manifest its command line writes last looked for, in
   * milliseconds; the job then ends, and is collected, by it.
   * @default 60000
   */
  staleRunningMs?: number;
  /**
   * Most status requests of one poll in flight at once, so that polling
   * many jobs leaves the rest of the client's concurrency cap to submits and
   * downloads. @default half the client's `maxConcurrency`, rounded up (8 without a cap)
   */
  pollConcurrency?: number;
  /**
   * Run each executor's command (its image ignored) in a bubblewrap sandbox
   * on the Pulsar node, as a sandboxed local site does (see `LocalSite`'s
   * `sandbox`); the command line checks that bubblewrap works there and
   * refuses the job (`system_error`) when it does not. Used unless
   * `containerRuntime` is set.
   */
  sandbox?: 'bubblewrap';
  /** Keep the node's network in the sandbox. @default true */
  sandboxNetwork?: boolean;
  /** Paths on the Pulsar node shared with the sandboxed tasks (read-only, or read-write with `writable: true`). */
  binds?: ReadonlyArray<string | LocalBind>;
}

/** Most bytes of an executor's stdout or stderr kept in its log. */
const LOG_TAIL_BYTES = 64 * 1024;
const JOB_ID = /^[A-Za-z0-9_-]{1,100}$/;
/** Time limit of one status poll across its retries, in milliseconds: a server that is down fails the poll, not hold it for minutes. */
const POLL_TIMEOUT_MS = 30_000;

/**
 * A Pulsar server (REST) as a site. A job becomes one Pulsar job:
 *
 * - its inputs (local files, inline content, http(s) URLs relayed through
 *   this process) are uploaded into the job's working directory at their
 *   container paths (below `root/`);
 * - its executors run in order as ONE command line, each with its own
 *   working directory, environment and stdin/stdout/stderr redirections,
 *   stopping at the first failure and recording each exit code in the
 *   working directory (read back to tell `complete` from `executor_error`);
 * - its outputs are downloaded to their local destinations, with their
 *   sizes and sha256.
 *
 * Statuses map through `PULSAR_STATUS_MAP`; each watched job costs one
 * status request per poll, at most `pollConcurrency` of them at once (half
 * the client's concurrency cap), so submits are not starved by polling; its
 * exit codes are read once, at the end. See `submit` for lost submit answers
 * and `staleRunningMs` for a Pulsar restarted while its job ran.
 *
 * @example
 * ```ts
 * import { nodeLocalFiles, PulsarRestSite, submitJob } from 'pulsar-network/node';
 *
 * const site = new PulsarRestSite({
 *   client: { url: 'http://127.0.0.1:8913/', token: process.env.PULSAR_TOKEN },
 *   files: nodeLocalFiles(),
 *   containerRuntime: 'apptainer',
 * });
 * const job = submitJob(site, {
 *   inputs: [{ path: '/data/in.txt', url: './in.txt' }],
 *   outputs: [{ path: '/data/n.txt', url: './n.txt' }],
 *   executors: [{ image: 'alpine:3', command: ['sh', '-c', 'wc -l < /data/in.txt > /data/n.txt'] }],
 * });
 * console.log((await job.wait()).state);
 * ```
 */
export class PulsarRestSite implements Site {
  /** Always `pulsar-rest`. */
  readonly kind = 'pulsar-rest' as const;
  readonly id: string;
  /** The Pulsar client the site speaks through. */
  readonly client: PulsarClient;
  readonly #options: PulsarRestSiteOptions;
  /** Specs of the jobs this instance knows (submitted here, or read back from the working directory). */
  readonly #specs = new Map<string, JobSpec>();
  /** What polls learned of each job (its end, how long it has been running). */
  readonly #book = new JobBook();
  readonly #staleMs: number;
  readonly #pollConcurrency: number;

  constructor(options: PulsarRestSiteOptions) {
    this.#options = options;
    this.client = options.client instanceof PulsarClient ? options.client : new PulsarClient(options.client);
    this.id = options.id ?? 'pulsar';
    if (options.cleanup !== undefined && !isPulsarCleanupPolicy(options.cleanup)) {
      throw new ValidationError('PulsarRestSite options', [{ path: 'cleanup', message: mustBeOneOf(PULSAR_CLEANUP_POLICIES, options.cleanup) }]);
    }
    const stale = options.staleRunningMs;
    if (stale !== undefined && !(typeof stale === 'number' && stale > 0)) {
      throw new ValidationError('PulsarRestSite options', [{ path: 'staleRunningMs', message: 'must be a number of milliseconds above 0' }]);
    }
    this.#staleMs = stale ?? 60_000;
    const cap = this.client.http.maxConcurrency;
    this.#pollConcurrency = options.pollConcurrency ?? (Number.isFinite(cap) ? Math.ceil(cap / 2) : 8);
    if (!Number.isInteger(this.#pollConcurrency) || this.#pollConcurrency < 1) {
      throw new ValidationError('PulsarRestSite options', [{ path: 'pollConcurrency', message: 'must be a whole number >= 1' }]);
    }
  }

  /** Asks `/healthz`; never throws (`ok: false` says why). */
  async probe(options: SiteCallOptions = {}): Promise<SiteProbe> {
    const started = Date.now();
    const containerRuntimes = this.#options.containerRuntime ? [this.#options.containerRuntime] : [];
    try {
      const { version } = await this.client.healthz(signalOf(options));
      return { ok: true, latencyMs: Date.now() - started, version, containerRuntimes };
    } catch (error) {
      return failedProbe(error, Date.now() - started, { containerRuntimes });
    }
  }

  /**
   * What `submit` refuses the spec for, without sending anything: an image
   * with neither `containerRuntime` nor `allowNoContainer`, paths it cannot
   * map, inputs and outputs it cannot stage.
   */
  check(spec: JobSpec): ValidationIssue[] {
    const { policy } = this.#runMode();
    const issues = checkSpec(spec, policy, { locate: (url) => locateInput(url, this.#options.files) }).map((issue) => ({ ...issue, message: issue.message.replace('the local site', `Pulsar site ${this.id}`) }));
    issues.push(...stagingIssues(spec, { siteId: this.id, files: this.#options.files }));
    return issues;
  }

  /**
   * Checks the spec, sets the Pulsar job up (its id derived from the
   * idempotency key), uploads the inputs and the spec, and submits the command
   * line, once: a launched job under the key is taken over, a lost answer is
   * resolved from the job's status. A failed or aborted staging removes the
   * never-launched job with any partial upload; a job that may have been
   * launched is never removed (an aborted submit cancels it).
   */
  async submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    throwIfAborted(options.signal, `submitting to Pulsar site ${this.id}`);
    const issues = this.check(spec);
    if (issues.length > 0) throw new ValidationError(`job spec for Pulsar site ${this.id}`, issues);
    const { runtime, sandboxed } = this.#runMode();
    const submission: Submission = { siteId: this.id, client: this.client };
    if (this.#options.files) submission.files = this.#options.files;
    if (this.#options.inputHttp) submission.inputHttp = this.#options.inputHttp;
    if (runtime) submission.runtime = runtime;
    if (sandboxed) submission.sandbox = (working) => pulsarSandbox(working, this.#options);
    const { remoteId, spec: kept } = await submitToPulsar(submission, spec, options);
    this.#specs.set(remoteId, kept);
    return { remoteId };
  }

  /**
   * One status request per job, at most `pollConcurrency` at once. A job
   * whose request failed has no news this time (one poll's request gives up
   * after 30 s); when every request failed, the poll throws the first error.
   */
  async poll(remoteIds: readonly string[], options: SiteCallOptions = {}): Promise<Map<string, SiteJobStatus>> {
    throwIfAborted(options.signal, `polling Pulsar site ${this.id}`);
    return pollStatuses(remoteIds, this.#pollConcurrency, async (id) => (await this.#read(id, options.signal, POLL_TIMEOUT_MS)).status, options.signal);
  }

  /** The job's status; {@link UnknownJobError} when the server has no such job (Pulsar says `lost`). */
  async attach(remoteId: string, options: SiteCallOptions = {}): Promise<SiteJobStatus> {
    if (!JOB_ID.test(remoteId)) throw new UnknownJobError({ siteId: this.id, remoteId });
    const { status, raw } = await this.#read(remoteId, options.signal);
    if (raw.status === 'lost') throw new UnknownJobError({ siteId: this.id, remoteId });
    return status;
  }

  /** Asks the server to kill the job. */
  async cancel(remoteId: string, options: SiteCallOptions = {}): Promise<void> {
    await this.client.cancel(remoteId, signalOf(options));
  }

  /** The job a submit with this key set up (its id is derived from the key), or undefined when the server has none. */
  async lookup(idempotencyKey: string, options: SiteCallOptions = {}): Promise<string | undefined> {
    const jobId = await jobIdFor(idempotencyKey);
    const status = await this.client.status(jobId, signalOf(options));
    return status.status === 'lost' ? undefined : status.jobId;
  }

  /**
   * Reads the executor logs from the working directory and, for a
   * `complete` job, downloads every output to its destination with its size
   * and sha256 (a missing output makes it `system_error`), reusing the end
   * the last poll found (exit codes included). Then cleans the server's job
   * directory by the `cleanup` policy. `spec` may be left out: the site reads
   * back the copy it left in the working directory. An abort stops it at
   * once (AbortError): outputs already delivered by this call are removed,
   * nothing partial is left, and `cleanup: 'always'` still removes the job
   * directory (with a fresh, short time limit).
   */
  async collect(remoteId: string, spec?: JobSpec, options: SiteCallOptions = {}): Promise<JobOutcome> {
    throwIfAborted(options.signal, `collecting job ${remoteId} from Pulsar site ${this.id}`);
    try {
      const outcome = await this.#gather(remoteId, spec, options);
      // Released: memory follows the jobs in flight (a later collect reads the spec back from the server).
      this.#book.forget(remoteId);
      this.#specs.delete(remoteId);
      return outcome;
    } catch (error) {
      if (!options.signal?.aborted) throw error;
      if ((this.#options.cleanup ?? 'never') === 'always') {
        await bestEffort(CLEANUP_TIMEOUT_MS, (signal) => this.#remove(remoteId, signal));
        this.#specs.delete(remoteId);
        this.#book.forget(remoteId);
      }
      throw error instanceof AbortError ? error : new AbortError(`collecting job ${remoteId} from Pulsar site ${this.id}`, { cause: options.signal.reason });
    }
  }

  async #gather(remoteId: string, spec: JobSpec | undefined, options: SiteCallOptions): Promise<JobOutcome> {
    const { status, raw } = await this.#read(remoteId, options.signal);
    if (!isTerminalState(status.state)) {
      throw new ValidationError('collect request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${raw.status})` }]);
    }
    const outcome: JobOutcome = { state: status.state, executors: [], outputs: [], systemLogs: [] };
    if (raw.status === 'lost') {
      outcome.systemLogs.push(`Pulsar site ${this.id} no longer knows job ${remoteId}`);
      return outcome;
    }
    const job = spec ?? (await this.#spec(remoteId, raw, options.signal));
    const working = new Set(raw.listings?.working ?? []);
    outcome.executors = await executorLogs((name, signal) => this.#tail(remoteId, name, signal), job, status.exitCodes ?? [], working, options.signal);
    if (raw.status === 'failed') {
      const why = [raw.jobStderr, raw.stderr].filter((s): s is string => !!s && s.trim() !== '').join('\n');
      outcome.systemLogs.push(`Pulsar reports the job failed${why ? `: ${why.trim()}` : ''}`);
    }
    if (status.siteState === 'complete (script did not finish)') outcome.systemLogs.push('the job script did not finish (an input directory could not be made, the sandbox was not usable on the node, or it was killed)');
    if (status.siteState === ENDED_BY_MARKER) outcome.systemLogs.push(`Pulsar still reports the job running; its own manifest says it ended (Pulsar was probably restarted while it ran)`);
    if (status.state === 'complete') {
      const problems: string[] = [];
      outcome.outputs = await downloadOutputs({ client: this.client, files: this.#options.files, text: (name, signal) => this.#text(remoteId, name, signal) }, remoteId, job.outputs ?? [], working, problems, options);
      if (problems.length > 0) {
        outcome.state = 'system_error';
        outcome.systemLogs.push(...problems);
      }
    }
    if (cleanupDue(this.#options.cleanup ?? 'never', outcome.state === 'complete')) {
      await this.#remove(remoteId, options.signal);
      this.#specs.delete(remoteId);
    }
    return outcome;
  }

  /**
   * Removes an ended job's directory from the server (Pulsar then reports it
   * `lost`, and `attach` no longer finds it). Refuses a job that has not ended.
   *
   * @example
   * ```ts
   * declare const pulsarSite: PulsarRestSite;
   * const result = await job.wait();
   * await pulsarSite.forget(result.remoteId!);
   * ```
   */
  async forget(remoteId: string, options: SiteCallOptions = {}): Promise<void> {
    if (!this.#book.ended(remoteId)) {
      const raw = await this.client.status(remoteId, signalOf(options));
      if (!raw.terminal) throw new ValidationError('forget request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${raw.status}); cancel it first` }]);
    }
    await this.#remove(remoteId, options.signal);
    this.#specs.delete(remoteId);
    this.#book.forget(remoteId);
  }

  /**
   * Removes the job directory. A job ended by its manifest while Pulsar says
   * `running` is cancelled first: should Pulsar still hold it active, removing
   * its directory would leave it active for ever.
   */
  async #remove(remoteId: string, signal: AbortSignal | undefined): Promise<void> {
    if (this.#book.ended(remoteId)?.status.siteState === ENDED_BY_MARKER) await this.client.cancel(remoteId, signal ? { signal } : {});
    await this.client.clean(remoteId, signal ? { signal } : {});
  }

  #read(remoteId: string, signal: AbortSignal | undefined, totalTimeout?: number): Promise<BookedStatus> {
    const spec = (id: string, raw: PulsarJobStatus, abort?: AbortSignal): Promise<JobSpec> => this.#spec(id, raw, abort);
    const reading: StatusReading = { client: this.client, book: this.#book, staleMs: this.#staleMs, spec, text: (id, name, abort) => this.#text(id, name, abort) };
    return readStatus(reading, remoteId, signal, totalTimeout);
  }

  async #spec(remoteId: string, raw: PulsarJobStatus, signal: AbortSignal | undefined): Promise<JobSpec> {
    const known = this.#specs.get(remoteId);
    if (known) return known;
    if (!raw.listings?.working.includes(SPEC_FILE)) {
      throw new ValidationError('collect request', [{ path: 'spec', message: `job ${remoteId} was not submitted by a PulsarRestSite (no ${SPEC_FILE}); pass its spec` }]);
    }
    const spec = JSON.parse(await this.#text(remoteId, SPEC_FILE, signal)) as JobSpec;
    this.#specs.set(remoteId, spec);
    return spec;
  }

  /** How the executors run on the server's nodes: in the bubblewrap sandbox (unless a container runtime is set), in containers, or plain. */
  #runMode(): { policy: ImagePolicy; runtime?: ContainerRuntime | undefined; sandboxed: boolean } {
    if (this.#options.sandbox === 'bubblewrap' && !this.#options.containerRuntime) return { policy: { mode: 'sandbox' }, runtime: undefined, sandboxed: true };
    return { ...imagePolicy(this.#options.containerRuntime, this.#options.containerRuntime, this.#options.allowNoContainer === true), sandboxed: false };
  }

  /** A small file of the working directory read whole (exit codes, the spec, the manifest), at most 32 MiB. */
  #text(remoteId: string, name: string, signal: AbortSignal | undefined): Promise<string> {
    const read = async (body: ReadableStream<Uint8Array>): Promise<string> => new TextDecoder().decode(await readCapped(body, DEFAULT_MAX_RESPONSE_BYTES, `${name} of Pulsar job ${remoteId}`));
    return this.client.downloadWith(remoteId, name, 'output_workdir', read, signal ? { signal } : {});
  }

  /**
   * The last {@link LOG_TAIL_BYTES} of a log file: Pulsar ignores `Range`
   * (pulsar-app 0.16.0), so the file streams through and only its tail is kept.
   */
  #tail(remoteId: string, name: string, signal: AbortSignal | undefined): Promise<string> {
    return this.client.downloadWith(remoteId, name, 'output_workdir', async (body) => (await readTail(body, LOG_TAIL_BYTES)).text, signal ? { signal } : {});
  }
}

function signalOf(options: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
