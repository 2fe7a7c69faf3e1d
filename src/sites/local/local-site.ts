/**
 * `LocalSite`: the embedded site that runs jobs as local processes. Node-only.
 * @module
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../../errors.js';
import type { HttpClientOptions } from '../../http/index.js';
import { UnknownJobError } from '../../jobs/errors.js';
import type { JobSpec } from '../../jobs/spec.js';
import { isTerminalState } from '../../jobs/state.js';
import { redactUrl } from '../../redact.js';
import { throwIfAborted } from '../../util/abort.js';
import type { JobOutcome, Site, SiteCallOptions, SiteJobRef, SiteJobStatus, SiteProbe, SubmitOptions } from '../site.js';
import { deliverOutputs } from './outputs.js';
import { containerDirs, PathMap } from './paths.js';
import { isAlive, JOB_FILES, type LocalJobRecord, readExecutorLogs, readPid, readRecord, readStatus } from './record.js';
import { detectContainerRuntimes, isRuntimeAvailable } from './runtime.js';
import { containerArgv, type ContainerRuntime, runScript, SCRIPT_FILES, type ScriptExecutor } from './script.js';
import { stageInputs } from './staging.js';
import { checkSpec, type ImagePolicy, locate, type LocalLocation } from './validate.js';

/** Options of a {@link LocalSite}. */
export interface LocalSiteOptions {
  /** The site's name in its network. @default 'local' */
  id?: string;
  /**
   * Where job directories and records live. A new `LocalSite` over the same
   * directory can attach to the jobs of an earlier one.
   * @default `<os tmpdir>/pulsar-network-local`
   */
  workDir?: string;
  /**
   * Run executors without their image, as plain local processes (their
   * container paths mapped into the job directory). Without it, a job whose
   * executors name an image is refused unless `containerRuntime` works.
   * @default false
   */
  allowNoContainer?: boolean;
  /**
   * Run images with this runtime, when it is installed and answers (checked,
   * never assumed); `auto` takes the first that works of apptainer,
   * singularity, podman and docker.
   */
  containerRuntime?: ContainerRuntime | 'auto';
  /** HTTP options for inputs fetched from http(s) URLs (auth, timeouts, retries). */
  http?: Omit<HttpClientOptions, 'baseUrl'>;
  /** Time between SIGTERM and SIGKILL when a job is canceled, in milliseconds. @default 5000 */
  killGraceMs?: number;
  /**
   * Most jobs this site runs at once; later ones wait, `queued`, for a free
   * slot. The limit is per `LocalSite` instance.
   * @default os.availableParallelism()
   */
  maxConcurrentJobs?: number;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

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
  readonly kind = 'local' as const;
  readonly id: string;
  /** The directory holding job directories and records. */
  readonly workDir: string;
  readonly #options: LocalSiteOptions;
  #runtime: Promise<ContainerRuntime | undefined> | undefined;
  readonly #listeners = new Set<(remoteId: string) => void>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #limit: number;
  /** Jobs waiting for a slot, first come first served. */
  readonly #pending: string[] = [];
  /** Jobs this instance started that have not exited. */
  readonly #running = new Set<string>();
  #pumping = false;

  constructor(options: LocalSiteOptions = {}) {
    this.#options = options;
    this.id = options.id ?? 'local';
    this.workDir = resolve(options.workDir ?? join(tmpdir(), 'pulsar-network-local'));
    this.#limit = options.maxConcurrentJobs ?? availableParallelism();
    if (!Number.isInteger(this.#limit) || this.#limit < 1) {
      throw new ValidationError('LocalSite options', [{ path: 'maxConcurrentJobs', message: 'must be a positive integer' }]);
    }
  }

  /** Always answers; reports the container runtimes that work here. */
  async probe(options: SiteCallOptions = {}): Promise<SiteProbe> {
    throwIfAborted(options.signal, 'probing the local site');
    const started = Date.now();
    const containerRuntimes = await detectContainerRuntimes();
    await mkdir(this.workDir, { recursive: true });
    return { ok: true, latencyMs: Date.now() - started, version: `node ${process.version}`, containerRuntimes };
  }

  /** Validates the spec, stages the inputs and starts the run script. */
  async submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    throwIfAborted(options.signal, 'submitting to the local site');
    if (process.platform === 'win32') {
      throw new ValidationError('local site', [{ path: 'process.platform', message: 'the local site needs a POSIX system (it runs /bin/sh)' }]);
    }
    const { policy, runtime } = await this.#imagePolicy();
    const where = (url: string): LocalLocation | undefined => locate(url, (p) => resolve(p), (u) => fileURLToPath(u));
    const issues = checkSpec(spec, policy, { locate: where });
    if (issues.length > 0) throw new ValidationError('job spec for the local site', issues);

    const keyFile = join(this.workDir, 'keys', createHash('sha256').update(options.idempotencyKey).digest('hex'));
    const earlier = await readFile(keyFile, 'utf8').catch(() => undefined);
    if (earlier && (await readRecord(this.#dir(earlier)))) return { remoteId: earlier };

    const remoteId = randomUUID();
    const dir = this.#dir(remoteId);
    const map = new PathMap(join(dir, JOB_FILES.root), containerDirs(spec));
    try {
      for (const sub of ['logs', JOB_FILES.root]) await mkdir(join(dir, sub), { recursive: true });
      for (const containerDir of map.dirs) await mkdir(map.host(containerDir), { recursive: true });
      const steps = spec.executors.map((executor, i) => this.#step(executor, i, dir, map, runtime));
      const record: LocalJobRecord = {
        version: 1,
        id: remoteId,
        idempotencyKey: options.idempotencyKey,
        createdAt: new Date().toISOString(),
        spec: redactSpec(spec),
        runtime: runtime ?? null,
        logFiles: steps.map((s) => ({ stdout: s.stdout, stderr: s.stderr })),
        ownerPid: process.pid,
      };
      await writeFile(join(dir, JOB_FILES.record), `${JSON.stringify(record, null, 2)}\n`);
      await mkdir(join(this.workDir, 'keys'), { recursive: true });
      await writeFile(keyFile, remoteId);
      const staging: Parameters<typeof stageInputs>[1] = { map, locate: where };
      if (this.#options.http) staging.http = this.#options.http;
      if (options.onTransfer) staging.onTransfer = options.onTransfer;
      if (options.signal) staging.signal = options.signal;
      await stageInputs(spec.inputs ?? [], staging);
      throwIfAborted(options.signal, 'submitting to the local site');
      await writeFile(join(dir, JOB_FILES.script), runScript(steps), { mode: 0o755 });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      await rm(keyFile, { force: true });
      throw error;
    }
    this.#enqueue(remoteId);
    return { remoteId };
  }

  /** Reads each job's status from its directory (no process is asked). */
  async poll(remoteIds: readonly string[], options: SiteCallOptions = {}): Promise<Map<string, SiteJobStatus>> {
    throwIfAborted(options.signal, 'polling the local site');
    const statuses = await Promise.all(remoteIds.map((id) => this.#status(id)));
    return new Map(statuses.map((s) => [s.remoteId, s]));
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
    return outcome;
  }

  /** Calls `onChange` with a job's id when its status may have changed (start, exit, cancel). */
  subscribe(onChange: (remoteId: string) => void): () => void {
    this.#listeners.add(onChange);
    return () => this.#listeners.delete(onChange);
  }

  /** Forgets listeners and timers. Running jobs go on; attach to them later. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#listeners.clear();
  }

  #dir(remoteId: string): string {
    return join(this.workDir, 'jobs', remoteId);
  }

  async #status(remoteId: string): Promise<SiteJobStatus> {
    if (!ID.test(remoteId)) return { remoteId, state: 'lost', siteState: 'unknown-job' };
    const status = await readStatus(this.#dir(remoteId), remoteId);
    // A job left waiting by an earlier instance (the caller restarted) is adopted.
    if (status.siteState === 'waiting' && !this.#pending.includes(remoteId)) this.#enqueue(remoteId);
    return status;
  }

  #enqueue(remoteId: string): void {
    this.#pending.push(remoteId);
    this.#notify(remoteId);
    void this.#pump();
  }

  /** Starts waiting jobs while there are free slots. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#running.size < this.#limit && this.#pending.length > 0) {
        const remoteId = this.#pending.shift() as string;
        const dir = this.#dir(remoteId);
        if (!(await claim(join(dir, JOB_FILES.claim)))) continue; // started by another instance
        if (await exists(join(dir, JOB_FILES.cancel))) {
          this.#notify(remoteId);
          continue;
        }
        try {
          await this.#start(remoteId, dir);
        } catch (error) {
          await writeFile(join(dir, JOB_FILES.startFailed), error instanceof Error ? error.message : String(error)).catch(() => undefined);
          this.#notify(remoteId);
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #start(remoteId: string, dir: string): Promise<void> {
    const child = spawn('/bin/sh', [JOB_FILES.script], { cwd: dir, detached: true, stdio: 'ignore' });
    await once(child, 'spawn');
    this.#running.add(remoteId);
    child.on('exit', () => {
      this.#running.delete(remoteId);
      this.#notify(remoteId);
      void this.#pump();
    });
    child.unref();
    await writeFile(join(dir, JOB_FILES.pid), String(child.pid));
    this.#notify(remoteId);
  }

  #step(executor: JobSpec['executors'][number], i: number, dir: string, map: PathMap, runtime: ContainerRuntime | undefined): ScriptExecutor {
    const env = executor.env ?? {};
    const step: ScriptExecutor = {
      executor,
      argv: executor.command,
      env: {},
      stdout: executor.stdout ? map.host(executor.stdout) : join(dir, SCRIPT_FILES.stdout(i)),
      stderr: executor.stderr ? map.host(executor.stderr) : join(dir, SCRIPT_FILES.stderr(i)),
    };
    if (executor.stdin) step.stdin = map.host(executor.stdin);
    if (runtime) {
      const call: Parameters<typeof containerArgv>[0] = {
        runtime,
        image: executor.image,
        command: executor.command,
        mounts: map.dirs.map((d) => [map.host(d), d] as const),
        env,
      };
      if (executor.workdir) call.workdir = executor.workdir;
      step.argv = containerArgv(call);
    } else {
      step.argv = executor.command.map((word) => map.rewrite(word));
      step.cwd = executor.workdir ? map.host(executor.workdir) : map.root;
      step.env = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, map.rewrite(v)]));
    }
    return step;
  }

  async #imagePolicy(): Promise<{ policy: ImagePolicy; runtime?: ContainerRuntime }> {
    const configured = this.#options.containerRuntime;
    const allow = this.#options.allowNoContainer === true;
    const fallback = allow ? '' : '; or set allowNoContainer: true to run the command without its image';
    if (configured) {
      const runtime = await this.#detectRuntime(configured);
      if (runtime) return { policy: { mode: 'container' }, runtime };
      if (allow) return { policy: { mode: 'ignore' } };
      const why =
        configured === 'auto'
          ? 'no container runtime (apptainer, singularity, podman, docker) works on this machine'
          : `the container runtime ${configured} is not installed or does not answer`;
      return { policy: { mode: 'refuse', why: `${why}${fallback}` } };
    }
    if (allow) return { policy: { mode: 'ignore' } };
    return {
      policy: {
        mode: 'refuse',
        why: 'the local site runs without containers unless configured: set allowNoContainer: true to ignore the image, or containerRuntime to an installed runtime (apptainer, singularity, podman, docker)',
      },
    };
  }

  #detectRuntime(configured: ContainerRuntime | 'auto'): Promise<ContainerRuntime | undefined> {
    this.#runtime ??=
      configured === 'auto'
        ? detectContainerRuntimes().then((found) => found[0])
        : isRuntimeAvailable(configured).then((ok) => (ok ? configured : undefined));
    return this.#runtime;
  }

  #notify(remoteId: string): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(remoteId);
      } catch {
        // A listener's failure is its own.
      }
    }
  }
}

/** Creates `path` only if it does not exist: true for the one caller that made it. */
async function claim(path: string): Promise<boolean> {
  try {
    await writeFile(path, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function redactSpec(spec: JobSpec): JobSpec {
  const inputs = spec.inputs?.map((input) => (input.url && /^https?:/i.test(input.url) ? { ...input, url: redactUrl(input.url) } : input));
  return inputs ? { ...spec, inputs } : { ...spec };
}
