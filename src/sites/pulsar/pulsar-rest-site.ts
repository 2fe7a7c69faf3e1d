/**
 * `PulsarRestSite`: a Pulsar server's REST API as a {@link Site}. Portable
 * (local files are reached through an injected {@link LocalFiles}).
 * @module
 */
import { ConnectionError, TimeoutError, ValidationError, type ValidationIssue } from '../../errors.js';
import type { HttpClientOptions } from '../../http/client.js';
import { UnknownJobError } from '../../jobs/errors.js';
import type { JobOutput, JobSpec } from '../../jobs/spec.js';
import { fromPulsarStatus, stateFromExitCodes } from '../../jobs/state-map.js';
import { isTerminalState, type JobState } from '../../jobs/state.js';
import { PulsarClient, type PulsarClientOptions } from '../../pulsar/client.js';
import type { PulsarJobStatus } from '../../pulsar/status.js';
import { redactUrl } from '../../redact.js';
import { throwIfAborted } from '../../util/abort.js';
import { DEFAULT_MAX_RESPONSE_BYTES, readCapped, readTail } from '../../http/bounded-body.js';
import { absolutePath, localRef, type LocalFileDigest, type LocalFiles } from '../local-files.js';
import { hasWildcard } from '../local/paths.js';
import { imagePolicy } from '../local/plan.js';
import { SCRIPT_FILES, type ContainerRuntime } from '../local/script.js';
import { checkSpec, type ImagePolicy, type LocalLocation } from '../local/validate.js';
import { failedProbe } from '../probe-failure.js';
import type { CollectedOutput, ExecutorLog, JobOutcome, Site, SiteCallOptions, SiteJobRef, SiteJobStatus, SiteProbe, SubmitOptions } from '../site.js';
import { parseManifest, type ManifestEntry } from '../../transfer/manifest.js';
import { urlSourceFor } from '../../transfer/url-source.js';
import type { LocalBind } from '../local/options.js';
import { commandLineFor, inputName, MANIFEST_FILE, pulsarSandbox, SPEC_FILE, workdirName } from './command.js';

/** What a Pulsar site does with the server's job directory once the job is collected. */
export type PulsarCleanup = 'always' | 'onsuccess' | 'never';

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
  cleanup?: PulsarCleanup;
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
 * the client's concurrency cap), so submits are not starved by polling.
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
  readonly #pollConcurrency: number;

  constructor(options: PulsarRestSiteOptions) {
    this.#options = options;
    this.client = options.client instanceof PulsarClient ? options.client : new PulsarClient(options.client);
    this.id = options.id ?? 'pulsar';
    if (options.cleanup !== undefined && !['always', 'onsuccess', 'never'].includes(options.cleanup)) {
      throw new ValidationError('PulsarRestSite options', [{ path: 'cleanup', message: 'must be always, onsuccess or never' }]);
    }
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
    const issues = checkSpec(spec, policy, { locate: (url) => this.#locate(url) }).map((issue) => ({ ...issue, message: issue.message.replace('the local site', `Pulsar site ${this.id}`) }));
    issues.push(...this.#stagingIssues(spec));
    return issues;
  }

  /**
   * Checks the spec, sets the Pulsar job up (its id derived from the
   * idempotency key: a job already set up under that key is returned as it
   * is), uploads the inputs and the spec, and submits the command line.
   */
  async submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    throwIfAborted(options.signal, `submitting to Pulsar site ${this.id}`);
    const issues = this.check(spec);
    if (issues.length > 0) throw new ValidationError(`job spec for Pulsar site ${this.id}`, issues);
    const { runtime, sandboxed } = this.#runMode();

    spec = this.#absoluteOutputs(spec);
    const proposed = await jobIdFor(options.idempotencyKey);
    // A server that cannot be reached fails the submit here, not after set-up has waited out its retries too.
    const existing = await this.client.status(proposed, signalOf(options)).catch((error: unknown) => {
      if (error instanceof ConnectionError || error instanceof TimeoutError) throw error;
      return undefined;
    });
    if (existing && existing.status !== 'lost') {
      this.#specs.set(existing.jobId, spec);
      return { remoteId: existing.jobId };
    }
    const config = await this.client.setup(proposed, signalOf(options));
    const jobId = config.jobId;
    if (config.separator !== '/') {
      await this.client.clean(jobId).catch(() => undefined);
      throw new ValidationError(`Pulsar site ${this.id}`, [{ path: 'separator', message: `the server uses ${JSON.stringify(config.separator)} as path separator; only POSIX servers run the job script` }]);
    }
    try {
      const uploaded = new Map<string, string>();
      for (const [i, input] of (spec.inputs ?? []).entries()) {
        throwIfAborted(options.signal, `staging inputs for Pulsar site ${this.id}`);
        if (input.type === 'DIRECTORY') {
          for (const [containerPath, serverPath] of await this.#uploadDirectory(jobId, inputName(i), input, options)) uploaded.set(containerPath, serverPath);
        } else {
          uploaded.set(input.path, await this.#upload(jobId, inputName(i), input, options));
        }
      }
      await this.client.upload(jobId, SPEC_FILE, 'workdir', JSON.stringify(recordedSpec(spec)), undefined, signalOf(options));
      throwIfAborted(options.signal, `submitting to Pulsar site ${this.id}`);
      await this.client.submit(jobId, { commandLine: commandLineFor(spec, config.directories.working, runtime, uploaded, sandboxed ? pulsarSandbox(config.directories.working, this.#options) : undefined), ...signalOf(options) });
    } catch (error) {
      await this.client.clean(jobId).catch(() => undefined);
      throw error;
    }
    this.#specs.set(jobId, spec);
    return { remoteId: jobId };
  }

  /**
   * One status request per job, at most `pollConcurrency` at once. A job
   * whose request failed has no news this time; when every request failed,
   * the poll throws the first error.
   */
  async poll(remoteIds: readonly string[], options: SiteCallOptions = {}): Promise<Map<string, SiteJobStatus>> {
    throwIfAborted(options.signal, `polling Pulsar site ${this.id}`);
    const statuses = new Map<string, SiteJobStatus>();
    const failures: unknown[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < remoteIds.length) {
        throwIfAborted(options.signal, `polling Pulsar site ${this.id}`);
        const id = remoteIds[next++] as string;
        try {
          statuses.set(id, (await this.#status(id, options.signal)).status);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#pollConcurrency, remoteIds.length) }, worker));
    if (statuses.size === 0 && failures.length > 0) throw failures[0];
    return statuses;
  }

  /** The job's status; {@link UnknownJobError} when the server has no such job (Pulsar says `lost`). */
  async attach(remoteId: string, options: SiteCallOptions = {}): Promise<SiteJobStatus> {
    if (!JOB_ID.test(remoteId)) throw new UnknownJobError({ siteId: this.id, remoteId });
    const { status, raw } = await this.#status(remoteId, options.signal);
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
   * Reads the exit codes and executor logs from the working directory and,
   * for a `complete` job, downloads every output to its destination with its
   * size and sha256 (a missing output makes it `system_error`). Then cleans
   * the server's job directory by the `cleanup` policy. `spec` may be left
   * out: the site reads back the copy it left in the working directory.
   */
  async collect(remoteId: string, spec?: JobSpec, options: SiteCallOptions = {}): Promise<JobOutcome> {
    const { status, raw } = await this.#status(remoteId, options.signal);
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
    outcome.executors = await this.#executorLogs(remoteId, job, status.exitCodes ?? [], working, options.signal);
    if (raw.status === 'failed') {
      const why = [raw.jobStderr, raw.stderr].filter((s): s is string => !!s && s.trim() !== '').join('\n');
      outcome.systemLogs.push(`Pulsar reports the job failed${why ? `: ${why.trim()}` : ''}`);
    }
    if (status.siteState === 'complete (script did not finish)') outcome.systemLogs.push('the job script did not finish (an input directory could not be made, the sandbox was not usable on the node, or it was killed)');
    if (status.state === 'complete') {
      const problems: string[] = [];
      outcome.outputs = await this.#download(remoteId, job.outputs ?? [], working, problems, options);
      if (problems.length > 0) {
        outcome.state = 'system_error';
        outcome.systemLogs.push(...problems);
      }
    }
    const cleanup = this.#options.cleanup ?? 'never';
    if (cleanup === 'always' || (cleanup === 'onsuccess' && outcome.state === 'complete')) {
      await this.client.clean(remoteId, signalOf(options));
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
   * const result = await job.wait();
   * await site.forget(result.remoteId!);
   * ```
   */
  async forget(remoteId: string, options: SiteCallOptions = {}): Promise<void> {
    const { status, raw } = await this.#status(remoteId, options.signal);
    if (!isTerminalState(status.state)) {
      throw new ValidationError('forget request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${raw.status}); cancel it first` }]);
    }
    await this.client.clean(remoteId, signalOf(options));
    this.#specs.delete(remoteId);
  }

  /** The unified status: a Pulsar `complete` becomes `executor_error` when an exit code says so. */
  async #status(remoteId: string, signal: AbortSignal | undefined): Promise<{ status: SiteJobStatus; raw: PulsarJobStatus }> {
    const raw = await this.client.status(remoteId, signal ? { signal } : {});
    let state: JobState = fromPulsarStatus(raw.status);
    let siteState: string = raw.status;
    const status: SiteJobStatus = { remoteId, state, siteState };
    if (raw.status === 'complete') {
      const working = raw.listings?.working ?? [];
      const exitCodes = working.includes(SCRIPT_FILES.exitCodes) ? parseExitCodes(await this.#text(remoteId, SCRIPT_FILES.exitCodes, signal)) : [];
      if (working.includes(SCRIPT_FILES.finished)) {
        state = stateFromExitCodes(exitCodes, (await this.#spec(remoteId, raw, signal)).executors);
      } else {
        state = 'system_error';
        siteState = 'complete (script did not finish)';
      }
      return { status: { remoteId, state, siteState, exitCodes }, raw };
    }
    return { status, raw };
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

  async #executorLogs(remoteId: string, spec: JobSpec, exitCodes: number[], working: Set<string>, signal: AbortSignal | undefined): Promise<ExecutorLog[]> {
    const read = async (name: string): Promise<string | undefined> => (working.has(name) ? await this.#tail(remoteId, name, signal) : undefined);
    const logs: ExecutorLog[] = [];
    for (const [i, exitCode] of exitCodes.entries()) {
      const executor = spec.executors[i];
      const log: ExecutorLog = { exitCode };
      const stdout = await read(executor?.stdout ? workdirName(executor.stdout) : SCRIPT_FILES.stdout(i));
      const stderr = await read(executor?.stderr ? workdirName(executor.stderr) : SCRIPT_FILES.stderr(i));
      if (stdout !== undefined) log.stdout = stdout;
      if (stderr !== undefined) log.stderr = stderr;
      logs.push(log);
    }
    return logs;
  }

  /** Downloads each output's files (a file, a directory's files, a pattern's matches) from the working directory. */
  async #download(remoteId: string, outputs: readonly JobOutput[], working: Set<string>, problems: string[], options: SiteCallOptions): Promise<CollectedOutput[]> {
    const files = this.#options.files;
    const collected: CollectedOutput[] = [];
    const manifest = working.has(MANIFEST_FILE) ? new Map(parseManifest(await this.#text(remoteId, MANIFEST_FILE, options.signal), `${MANIFEST_FILE} of Pulsar job ${remoteId}`).map((e) => [e.name, e])) : new Map<string, ManifestEntry>();
    for (const output of outputs) {
      const destination = absolutePath(localRef(output.url) ?? { kind: 'path', value: '' }, files);
      if (!files || destination === undefined) {
        problems.push(`output ${output.path}: cannot write ${output.url} without local file access`);
        continue;
      }
      const matches = matchOutput(output, [...working]);
      if (matches.length === 0) {
        if (!hasWildcard(output.path)) problems.push(`output ${output.path} was not produced by the executors`);
        continue;
      }
      for (const { name, path, relative } of matches) {
        const to = relative === '' ? destination : `${destination.replace(/\/+$/, '')}/${relative}`;
        const report = (bytesDone: number, done: boolean): void => options.onTransfer?.({ direction: 'down', file: to, bytesDone, done });
        const fetch = (): Promise<LocalFileDigest> =>
          this.client.downloadWith(remoteId, name, 'output_workdir', (body, signal) => files.write(to, body, signal, (n) => report(n, false)), signalOf(options));
        try {
          report(0, false);
          const expected = manifest.get(name);
          let digest = await fetch();
          // A download cut short looks whole (no Content-Length): check it against what the job wrote, and fetch once more.
          if (expected?.sha256 !== undefined && mismatch(expected, digest)) digest = await fetch();
          if (expected?.sha256 !== undefined && mismatch(expected, digest)) {
            await files.remove(to);
            problems.push(`output ${path}: downloaded ${digest.sizeBytes} bytes (sha256 ${digest.sha256}), the job wrote ${expected.size} bytes (sha256 ${expected.sha256}); nothing was left at ${to}`);
            continue;
          }
          report(digest.sizeBytes, true);
          collected.push({ path, url: to, ...digest });
        } catch (error) {
          problems.push(`output ${path} could not be written to ${to}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    return collected;
  }

  /**
   * Uploads every file of a local DIRECTORY input, each under a flat name
   * (`<name>-<k>`): their container paths and server paths, for the command
   * line to move them into place.
   */
  async #uploadDirectory(jobId: string, name: string, input: NonNullable<JobSpec['inputs']>[number], options: SubmitOptions): Promise<Map<string, string>> {
    const files = this.#options.files as LocalFiles & { list: NonNullable<LocalFiles['list']> };
    const root = files.resolve(input.url as string);
    const listed = await files.list(root);
    if (listed === undefined) throw new ValidationError(`job spec for Pulsar site ${this.id}`, [{ path: `$.inputs[path=${input.path}].url`, message: `${root} is not a directory` }]);
    const base = input.path.replace(/\/+$/, '');
    const uploaded = new Map<string, string>();
    for (const [k, relative] of listed.entries()) {
      throwIfAborted(options.signal, `staging inputs for Pulsar site ${this.id}`);
      const path = `${root}/${relative}`;
      const file = `${base}/${relative}`;
      const size = (await files.size(path)) ?? 0;
      options.onTransfer?.({ direction: 'up', file, bytesDone: 0, bytesTotal: size, done: false });
      uploaded.set(file, await this.client.upload(jobId, `${name}-${k}`, 'input', () => files.stream(path), size, signalOf(options)));
      options.onTransfer?.({ direction: 'up', file, bytesDone: size, bytesTotal: size, done: true });
    }
    return uploaded;
  }

  /** Uploads one input under a flat name; its server path. */
  async #upload(jobId: string, name: string, input: NonNullable<JobSpec['inputs']>[number], options: SubmitOptions): Promise<string> {
    const report = (bytesDone: number, bytesTotal: number, done: boolean): void => options.onTransfer?.({ direction: 'up', file: input.path, bytesDone, bytesTotal, done });
    if (typeof input.content === 'string') {
      const size = new TextEncoder().encode(input.content).length;
      report(0, size, false);
      const path = await this.client.upload(jobId, name, 'input', input.content, undefined, signalOf(options));
      report(size, size, true);
      return path;
    }
    const url = input.url as string;
    if (!localRef(url)) {
      const source = urlSourceFor(url, { name: input.path, ...(this.#options.inputHttp ? { http: this.#options.inputHttp } : {}) });
      const sent = await this.client.uploadFrom(jobId, name, 'input', source, { ...signalOf(options), ...(options.onTransfer ? { onProgress: options.onTransfer } : {}) });
      return sent.path;
    }
    const files = this.#options.files as LocalFiles;
    const path = files.resolve(url);
    const size = (await files.size(path)) as number;
    report(0, size, false);
    const serverPath = await this.client.upload(jobId, name, 'input', () => files.stream(path), size, signalOf(options));
    report(size, size, true);
    return serverPath;
  }

  /** What this site cannot stage, beyond the checks every site makes. */
  /** How the executors run on the server's nodes: in the bubblewrap sandbox (unless a container runtime is set), in containers, or plain. */
  #runMode(): { policy: ImagePolicy; runtime?: ContainerRuntime | undefined; sandboxed: boolean } {
    if (this.#options.sandbox === 'bubblewrap' && !this.#options.containerRuntime) return { policy: { mode: 'sandbox' }, runtime: undefined, sandboxed: true };
    return { ...imagePolicy(this.#options.containerRuntime, this.#options.containerRuntime, this.#options.allowNoContainer === true), sandboxed: false };
  }

  #stagingIssues(spec: JobSpec): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    const needFiles = 'needs local file access (pass `files: nodeLocalFiles()` from pulsar-network/node)';
    (spec.inputs ?? []).forEach((input, i) => {
      if (typeof input.content === 'string' || !input.url) return;
      if (input.type === 'DIRECTORY' && !localRef(input.url)) issues.push({ path: `$.inputs[${i}].url`, message: `Pulsar site ${this.id} uploads a DIRECTORY input file by file: it must be a local directory` });
      else if (localRef(input.url) && !this.#options.files) issues.push({ path: `$.inputs[${i}].url`, message: `a local file ${needFiles}` });
      else if (input.type === 'DIRECTORY' && !this.#options.files?.list) issues.push({ path: `$.inputs[${i}].type`, message: `a DIRECTORY input needs a LocalFiles with list() (nodeLocalFiles() has it)` });
    });
    if ((spec.outputs ?? []).length > 0 && !this.#options.files) issues.push({ path: '$.outputs', message: `delivering outputs to local files ${needFiles}` });
    return issues;
  }

  /** The spec with local output destinations made absolute: a later collect may run in another working directory. */
  #absoluteOutputs(spec: JobSpec): JobSpec {
    if (!spec.outputs) return spec;
    return {
      ...spec,
      outputs: spec.outputs.map((output) => {
        const ref = localRef(output.url);
        const path = ref ? absolutePath(ref, this.#options.files) : undefined;
        return path === undefined ? output : { ...output, url: path };
      }),
    };
  }

  #locate(url: string): LocalLocation | undefined {
    const ref = localRef(url);
    if (!ref) return /^https?:/i.test(url) ? { kind: 'http', url } : undefined;
    const path = absolutePath(ref, this.#options.files);
    return { kind: 'file', path: path ?? url };
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

/** One file to download for an output: its working-directory name, container path, and path below the destination. */
interface OutputMatch {
  name: string;
  path: string;
  relative: string;
}

/** The working-directory files an output names: the file itself, a directory's files, or a last-segment pattern's matches. */
export function matchOutput(output: JobOutput, working: readonly string[]): OutputMatch[] {
  const base = workdirName(output.path);
  if (hasWildcard(output.path)) {
    const slash = base.lastIndexOf('/');
    const dir = base.slice(0, slash + 1);
    const pattern = globToRegExp(base.slice(slash + 1));
    const prefix = workdirName(output.path_prefix ?? '/').replace(/\/+$/, '');
    return working
      .filter((name) => name.startsWith(dir) && pattern.test(name.slice(dir.length)))
      .sort()
      .map((name) => ({ name, path: `/${name.slice(workdirName('/').length)}`, relative: name.slice(prefix.length + 1) }));
  }
  if (working.includes(base)) return [{ name: base, path: output.path, relative: '' }];
  const dir = `${base.replace(/\/+$/, '')}/`;
  return working
    .filter((name) => name.startsWith(dir))
    .sort()
    .map((name) => ({ name, path: `${output.path.replace(/\/+$/, '')}/${name.slice(dir.length)}`, relative: name.slice(dir.length) }));
}

function globToRegExp(segment: string): RegExp {
  let source = '';
  for (const char of segment) {
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** A Pulsar job id for an idempotency key: the key itself when it is a plain name, else its sha256. */
async function jobIdFor(key: string): Promise<string> {
  if (JOB_ID.test(key) && key.length <= 64) return key;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, 40);
}

function mismatch(expected: ManifestEntry, digest: LocalFileDigest): boolean {
  return expected.size !== digest.sizeBytes || expected.sha256 !== digest.sha256;
}

function parseExitCodes(text: string): number[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => Number.parseInt(line, 10));
}

/** The spec as kept on the server: secrets of input URLs redacted. */
function recordedSpec(spec: JobSpec): JobSpec {
  if (!spec.inputs) return spec;
  return { ...spec, inputs: spec.inputs.map((input) => (input.url && /^https?:/i.test(input.url) ? { ...input, url: redactUrl(input.url) } : input)) };
}

function signalOf(options: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
