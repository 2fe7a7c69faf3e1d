/**
 * `LocalSite`: the embedded site that runs jobs as local processes. Node-only.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError, type ValidationIssue } from '../../errors.js';
import { UnknownJobError } from '../../jobs/errors.js';
import type { JobSpec } from '../../contracts/job-spec.js';
import { isTerminalState } from '../../jobs/state.js';
import { throwIfAborted } from '../../util/abort.js';
import type { JobOutcome, LogRead, ReadLogsOptions, Site, SiteCallOptions, SiteJobRef, SiteJobStatus, SiteProbe, SubmitOptions } from '../site.js';
import { readLocalLogs } from './logs.js';
import { deliverOutputs } from './outputs.js';
import { inPlaceInputs, placeInputs } from './in-place.js';
import { RunModes } from './mode.js';
import type { LocalSiteOptions } from './options.js';
import { containerDirs, dirsToMake, PathMap } from '../../executor/paths.js';
import { isAlive, JOB_FILES, type LocalJobRecord, readExecutorLogs, readPid, readRecord, readStatus } from './record.js';
import { Launcher } from './launcher.js';
import { planExecutor } from '../../executor/plan.js';
import { detectContainerRuntimes } from './runtime.js';
import { type ContainerRuntime, runScript } from '../../executor/script.js';
import { stageInputs } from './staging.js';
import { checkSpec, locate } from '../../executor/validate.js';
import { killGroup, recordedSpec, whereLocally } from './local-site-parts.js';
import { defaultWorkDir, JOB_ID, keyFileOf, prepareWorkDir, removeJob } from './work-dir.js';
import { Listeners } from '../../util/listeners.js';

export type { LocalSiteOptions };

/**
 * How a local site runs commands on its host: `sandboxed` (its options ask
 * for the bubblewrap sandbox), `trusted` (plain processes, on purpose) or
 * `unconfined` (plain processes, never declared trusted).
 */
export type HostExecution = 'sandboxed' | 'trusted' | 'unconfined';

/** How long a probe reuses what it found of the container runtimes. */
const DETECTION_TTL_MS = 5 * 60_000;

/**
 * The embedded default site: runs a job's executors in order as local
 * processes in a job directory, with the TES staging rules (inputs from
 * `file://` URLs, local paths, http(s) URLs or inline `content`; outputs to
 * local paths or `file://` URLs with their size and sha256).
 *
 * Each job runs as its own process group under a small shell script that
 * records each exit code in the job directory, so the job survives a restart
 * of the caller and a new `LocalSite` over the same `workDir` can attach to it.
 * POSIX systems only (it runs `/bin/sh`).
 *
 * @example
 * ```ts
 * import { LocalSite, submitJob } from 'pulsar-network/node';
 *
 * const site = new LocalSite({ allowNoContainer: true });
 * const job = submitJob(site, {
 *   inputs: [{ path: '/data/name.txt', content: 'world' }],
 *   outputs: [{ path: '/data/greeting.txt', url: './greeting.txt' }],
 *   executors: [{ image: 'alpine', command: ['sh', '-c', 'echo hello $(cat /data/name.txt) > /data/greeting.txt'] }],
 * });
 * console.log((await job.wait()).state); // 'complete'
 * ```
 */
export class LocalSite implements Site {
  /** Always `local`. */
  readonly kind = 'local' as const;
  readonly id: string;
  /** The directory holding job directories and records. */
  readonly workDir: string;
  readonly #options: LocalSiteOptions;
  readonly #modes: RunModes;
  readonly #listeners = new Listeners<string>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #launcher: Launcher;
  /**
   * The last status read of each job this instance's launcher holds (every
   * change of those is announced), so a poll answers for them in process;
   * a token marks an entry a change made stale.
   */
  readonly #known = new Map<string, SiteJobStatus | symbol>();
  /** The work directory made and checked (once; again after a failure). */
  #ready: Promise<void> | undefined;
  /** Runtimes found by the last probe: probes come often, runtimes change rarely. */
  #detected: { at: number; runtimes: Promise<ContainerRuntime[]> } | undefined;

  constructor(options: LocalSiteOptions = {}) {
    this.#options = options;
    this.id = options.id ?? 'local';
    this.workDir = resolve(options.workDir ?? defaultWorkDir());
    const limit = options.maxConcurrentJobs ?? availableParallelism();
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ValidationError('LocalSite options', [{ path: 'maxConcurrentJobs', message: 'must be a positive integer' }]);
    }
    this.#launcher = new Launcher(limit, (id) => this.#dir(id), (id) => this.#notify(id));
    this.#modes = new RunModes(options, this.workDir);
  }

  /** How this site runs commands on its host: `'sandboxed'`, `'trusted'` or `'unconfined'`. */
  get hostExecution(): HostExecution {
    // `sandbox` is the option of the bubblewrap sandbox; only its presence is looked at here.
    // a sandbox that may fall back to plain processes is only as safe as plain processes
    if (this.#options.sandbox === 'bubblewrap' && this.#options.sandboxFallback !== 'warn') return 'sandboxed';
    return this.#options.trusted === true ? 'trusted' : 'unconfined';
  }

  /** Always answers; reports the container runtimes that work here (checked at most every 5 minutes). */
  async probe(options: SiteCallOptions = {}): Promise<SiteProbe> {
    throwIfAborted(options.signal, 'probing the local site');
    const started = Date.now();
    if (!this.#detected || Date.now() - this.#detected.at > DETECTION_TTL_MS) {
      this.#detected = { at: Date.now(), runtimes: detectContainerRuntimes() };
    }
    const containerRuntimes = [...(await this.#detected.runtimes)];
    const unusable = await this.#prepared().then(() => undefined, (error: Error) => error.message);
    if (unusable !== undefined) return { ok: false, latencyMs: Date.now() - started, containerRuntimes, error: unusable };
    const probe: SiteProbe = { ok: true, latencyMs: Date.now() - started, version: `node ${process.version}`, containerRuntimes };
    if (this.#options.sandbox === 'bubblewrap' && this.#options.sandboxFallback !== 'warn') {
      const sandbox = await this.#modes.sandboxProbe();
      // A site that refuses every job without its sandbox is not healthy while bubblewrap does not work.
      if (!sandbox.usable && !(this.#options.containerRuntime && containerRuntimes.length > 0)) return { ...probe, ok: false, error: `the bubblewrap sandbox is not usable here: ${sandbox.reason}` };
    }
    return probe;
  }

  /**
   * What `submit` refuses the spec for, without touching anything: an image
   * the site cannot honour (no container runtime and no `allowNoContainer`),
   * paths it cannot map, URLs it cannot read or write. A configured runtime
   * not yet checked (the first probe or submit checks it) is assumed to work.
   */
  check(spec: JobSpec): ValidationIssue[] {
    return checkSpec(spec, this.#modes.policyNow(), { locate: whereLocally });
  }

  /** Validates the spec, stages the inputs and starts the run script. */
  async submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    throwIfAborted(options.signal, 'submitting to the local site');
    if (process.platform === 'win32') {
      throw new ValidationError('local site', [{ path: 'process.platform', message: 'the local site needs a POSIX system (it runs /bin/sh)' }]);
    }
    await this.#prepared();
    const mode = await this.#modes.choose();
    const { runtime } = mode;
    const where = whereLocally;
    const issues = checkSpec(spec, mode.policy, { locate: where });
    // A sandbox binds what the site shares where it is; containers and plain processes get copies.
    const { inPlace, issues: sharing } = mode.sandbox ? await inPlaceInputs(spec.inputs ?? [], await this.#modes.shared(), { locate: where, workDir: this.workDir }) : { inPlace: [], issues: [] };
    issues.push(...sharing);
    if (issues.length > 0) throw new ValidationError('job spec for the local site', issues);

    const keyFile = this.#keyFile(options.idempotencyKey);
    const earlier = await readFile(keyFile, 'utf8').catch(() => undefined);
    if (earlier && (await readRecord(this.#dir(earlier)))) return { remoteId: earlier };

    const remoteId = randomUUID();
    const dir = this.#dir(remoteId);
    const map = new PathMap(join(dir, JOB_FILES.root), containerDirs(spec));
    try {
      // job directories are the owner's alone: inputs and outputs of other users' jobs stay private
      for (const sub of ['logs', JOB_FILES.root]) await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
      for (const containerDir of map.dirs) await mkdir(map.host(containerDir), { recursive: true });
      await placeInputs(inPlace, map);
      for (const containerDir of dirsToMake(spec)) await mkdir(map.host(containerDir), { recursive: true });
      const extra = mode.sandbox ? { sandbox: mode.sandbox, inPlace } : {};
      const steps = spec.executors.map((executor, i) => planExecutor(executor, i, dir, map, runtime, extra));
      const record: LocalJobRecord = {
        version: 1,
        id: remoteId,
        idempotencyKey: options.idempotencyKey,
        createdAt: new Date().toISOString(),
        spec: recordedSpec(spec),
        runtime: runtime ?? null,
        logFiles: steps.map((s) => ({ stdout: s.stdout, stderr: s.stderr })),
        ownerPid: process.pid,
      };
      if (mode.warning) record.warnings = [mode.warning];
      await writeFile(join(dir, JOB_FILES.record), `${JSON.stringify(record, null, 2)}\n`);
      await mkdir(join(this.workDir, 'keys'), { recursive: true, mode: 0o700 });
      await writeFile(keyFile, remoteId);
      const staging: Parameters<typeof stageInputs>[1] = { map, locate: whereLocally };
      if (this.#options.http) staging.http = this.#options.http;
      if (options.onTransfer) staging.onTransfer = options.onTransfer;
      if (options.signal) staging.signal = options.signal;
      const used = new Set(inPlace.map((i) => i.index));
      await stageInputs((spec.inputs ?? []).filter((_, i) => !used.has(i)), staging);
      throwIfAborted(options.signal, 'submitting to the local site');
      await writeFile(join(dir, JOB_FILES.script), runScript(steps), { mode: 0o755 });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      await rm(keyFile, { force: true });
      throw error;
    }
    this.#launcher.enqueue(remoteId);
    return { remoteId };
  }

  /**
   * Each job's status: in process for the jobs this instance runs or queues
   * (it hears every change of theirs), read from the job's directory for the
   * others (no process is asked).
   */
  async poll(remoteIds: readonly string[], options: SiteCallOptions = {}): Promise<Map<string, SiteJobStatus>> {
    throwIfAborted(options.signal, 'polling the local site');
    const statuses = await Promise.all(
      remoteIds.map((id) => {
        const known = this.#known.get(id);
        return typeof known === 'object' ? known : this.#status(id);
      }),
    );
    return new Map(statuses.map((s) => [s.remoteId, s]));
  }

  /** The job a submit with this key made in this work directory, or undefined. */
  async lookup(idempotencyKey: string, options: SiteCallOptions = {}): Promise<string | undefined> {
    throwIfAborted(options.signal, 'looking up a local job');
    await this.#prepared();
    const remoteId = await readFile(this.#keyFile(idempotencyKey), 'utf8').catch(() => undefined);
    return remoteId !== undefined && (await readRecord(this.#dir(remoteId))) ? remoteId : undefined;
  }

  /** The status of a job of this work directory; throws {@link UnknownJobError} for any other id. */
  async attach(remoteId: string, options: SiteCallOptions = {}): Promise<SiteJobStatus> {
    throwIfAborted(options.signal, 'attaching to a local job');
    const status = await this.#status(remoteId);
    if (status.siteState === 'unknown-job') throw new UnknownJobError({ siteId: this.id, remoteId });
    return status;
  }

  /** Stops the job's process group: SIGTERM, then SIGKILL after `killGraceMs`. */
  async cancel(remoteId: string, options: SiteCallOptions = {}): Promise<void> {
    throwIfAborted(options.signal, 'canceling a local job');
    const status = await this.attach(remoteId);
    if (isTerminalState(status.state)) return;
    const dir = this.#dir(remoteId);
    await writeFile(join(dir, JOB_FILES.cancel), new Date().toISOString());
    const pid = await readPid(dir);
    if (pid !== undefined) {
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (isAlive(pid)) killGroup(pid, 'SIGKILL');
        this.#notify(remoteId);
      }, this.#options.killGraceMs ?? 5000);
      timer.unref();
      this.#timers.add(timer);
    }
    this.#notify(remoteId);
  }

  /**
   * What the executors wrote to stdout and stderr since `cursor`, read from
   * their files in the job directory from the cursor's offsets (see
   * `Site.readLogs`). Throws {@link UnknownJobError} for a job of no record.
   */
  async readLogs(remoteId: string, cursor: string | undefined, options: ReadLogsOptions = {}): Promise<LogRead> {
    throwIfAborted(options.signal, 'reading the logs of a local job');
    await this.#prepared();
    const record = JOB_ID.test(remoteId) ? await readRecord(this.#dir(remoteId)) : undefined;
    if (!record) throw new UnknownJobError({ siteId: this.id, remoteId });
    return readLocalLogs(record, this.#dir(remoteId), cursor, options);
  }

  /**
   * Returns the logs and, for a `complete` job, delivers its outputs (an
   * output that is missing or cannot be written makes it `system_error`).
   * The site keeps the spec itself; `spec` is not needed.
   */
  async collect(remoteId: string, _spec?: JobSpec, options: SiteCallOptions = {}): Promise<JobOutcome> {
    const status = await this.attach(remoteId, options);
    if (!isTerminalState(status.state)) {
      throw new ValidationError('collect request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${status.state})` }]);
    }
    const dir = this.#dir(remoteId);
    const record = (await readRecord(dir)) as LocalJobRecord;
    const outcome: JobOutcome = { state: status.state, executors: await readExecutorLogs(dir, record), outputs: [], systemLogs: [] };
    outcome.systemLogs.push(...(record.warnings ?? []));
    if (status.siteState === 'vanished') outcome.systemLogs.push('the job script ended before it finished (was it killed?)');
    if (status.state === 'complete') {
      const map = new PathMap(join(dir, JOB_FILES.root), containerDirs(record.spec));
      const delivery = await deliverOutputs(record.spec.outputs ?? [], {
        map,
        locate: (url) => locate(url, (p) => resolve(p), (u) => fileURLToPath(u)),
        ...(options.onTransfer ? { onTransfer: options.onTransfer } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      outcome.outputs = delivery.outputs;
      if (delivery.problems.length > 0) {
        outcome.state = 'system_error';
        outcome.systemLogs.push(...delivery.problems);
      }
    }
    // Outputs are delivered: the job directory goes as the cleanup policy says (a collect cut short keeps it).
    const cleanup = this.#options.cleanup ?? 'onSuccess';
    if (!options.signal?.aborted && (cleanup === 'always' || (cleanup === 'onSuccess' && outcome.state === 'complete'))) {
      // The outputs are delivered: a directory the job left unremovable (read-only files) is reported, not a failure.
      await removeJob(this.workDir, dir).catch((error: unknown) => outcome.systemLogs.push(`the job directory was not removed: ${error instanceof Error ? error.message : String(error)}`));
    }
    return outcome;
  }

  /**
   * Deletes an ended job's directory (its inputs, outputs left in the job
   * directory, logs and record); `attach` no longer finds it. Delivered
   * outputs are not touched. Refuses a job that has not ended.
   *
   * @example
   * ```ts
   * declare const local: LocalSite;
   * const result = await job.wait();
   * await local.forget(result.remoteId!);
   * ```
   */
  async forget(remoteId: string): Promise<void> {
    const status = await this.attach(remoteId);
    if (!isTerminalState(status.state)) {
      throw new ValidationError('forget request', [{ path: 'remoteId', message: `job ${remoteId} has not ended (it is ${status.state}); cancel it first` }]);
    }
    await removeJob(this.workDir, this.#dir(remoteId));
  }

  /** Calls `onChange` with a job's id when its status may have changed (start, exit, cancel). */
  subscribe(onChange: (remoteId: string) => void): () => void {
    return this.#listeners.add(onChange);
  }

  /** Forgets listeners and timers. Running jobs go on; attach to them later. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#listeners.clear();
  }

  #keyFile(idempotencyKey: string): string {
    return keyFileOf(this.workDir, idempotencyKey);
  }

  #prepared(): Promise<void> {
    this.#ready ??= prepareWorkDir(this.workDir).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  #dir(remoteId: string): string {
    return join(this.workDir, 'jobs', remoteId);
  }

  async #status(remoteId: string): Promise<SiteJobStatus> {
    if (!JOB_ID.test(remoteId)) return { remoteId, state: 'lost', siteState: 'unknown-job' };
    // Every read of a record checks the work directory first (once: the check is cached), not submit alone.
    await this.#prepared();
    const before = this.#known.get(remoteId);
    const status = await readStatus(this.#dir(remoteId), remoteId);
    // A job left waiting by an earlier instance (the caller restarted) is adopted.
    if (status.siteState === 'waiting' && !this.#launcher.isPending(remoteId)) this.#launcher.enqueue(remoteId);
    // kept only when no change was announced while reading
    if (!this.#launcher.owns(remoteId)) this.#known.delete(remoteId);
    else if (this.#known.get(remoteId) === before) this.#known.set(remoteId, status);
    return status;
  }

  #notify(remoteId: string): void {
    if (this.#launcher.owns(remoteId)) this.#known.set(remoteId, Symbol('changed'));
    else this.#known.delete(remoteId);
    this.#listeners.notify(remoteId);
  }
}
