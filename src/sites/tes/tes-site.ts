/**
 * `TesSite`: a GA4GH TES server as a {@link Site}. Portable.
 * @module
 */
import { NotFoundError, ValidationError, type ValidationIssue } from '../../errors.js';
import { UnknownJobError } from '../../jobs/errors.js';
import type { JobSpec } from '../../contracts/job-spec.js';
import { fromTesState } from '../../jobs/state-map.js';
import { isTerminalState } from '../../jobs/state.js';
import { createNotSent, TesClient, type TesClientOptions } from '../../tes/client.js';
import { newIdempotencyKey } from '../../tes/idempotency.js';
import type { FullTask, MinimalTask, TesOutputFileLog, TesServiceInfo } from '../../tes/types.js';
import { throwIfAborted } from '../../util/abort.js';
import type { CollectedOutput, JobOutcome, Site, SiteCallOptions, SiteJobRef, SiteJobStatus, SiteProbe, SubmitOptions } from '../site.js';
import { absolutePath, fileUrlOf, localRef, type LocalFiles } from '../../contracts/local-files.js';
import { failedProbe } from '../probe-failure.js';
import { storageCovers, tesStagingIssues, tesTaskFor } from './staging.js';

/** The tag key under which a {@link TesSite} marks its tasks with its watch group. */
export const WATCH_GROUP_TAG = 'pulsar_network_group';

/** Options of a {@link TesSite}. */
export interface TesSiteOptions {
  /** The server: a {@link TesClient}, or the options to make one (base URL, auth, timeouts, retries). */
  client: TesClient | TesClientOptions;
  /** The site's name in its network. @default 'tes' */
  id?: string;
  /**
   * The watch group: every task this site creates is tagged
   * `pulsar_network_group=<group>`, and a poll lists the group's tasks page by
   * page (one request per page for all watched jobs). Give a stable name to
   * share it across restarts; tasks of other groups are still found by
   * `attach`. @default a random UUID per instance
   */
  group?: string;
  /** Tasks per list page, 1 to 2047. @default 256 */
  pageSize?: number;
  /**
   * Local file access (`nodeLocalFiles()` from `pulsar-network/node`): to
   * inline small local inputs the server cannot read, to resolve relative
   * paths, and to size and hash outputs delivered to local files. Without it
   * (browsers) only absolute paths and `file://` URLs pass, and outputs carry
   * the server's sizes and no `sha256`.
   */
  files?: LocalFiles;
  /** Largest local input inlined as `content` when the server cannot read local files, in bytes. @default 131072 (the TES minimum) */
  inlineLimitBytes?: number;
  /**
   * URL prefixes the server reads and writes besides those its service-info
   * `storage` lists, which TES 1.1 says lists "some, but not necessarily
   * all" of them (Funnel's is a fixed example list): `['file:///']` for a
   * server that shares this machine's file system.
   */
  storages?: readonly string[];
  /** Whether the service-info `storage` counts too; `false`: only `storages` do. @default true */
  serviceInfoStorage?: boolean;
}

/**
 * A GA4GH TES server (1.1, or 1.0) as a site. Each job is one TES task,
 * created with the job's idempotency key as its TES idempotency tag and
 * tagged with this site's watch group; polling costs one `ListTasks`
 * request (view MINIMAL, filtered by the group tag) per page per cycle,
 * whatever the number of jobs (one `GetTask` MINIMAL when a single job is
 * watched).
 *
 * Local inputs (`file://` URLs or paths) are passed as `file://` URLs when
 * the storage the server reaches covers them (the site's `storages`, and its
 * service-info `storage`, which is only a hint: Funnel and servers on a
 * shared file system), inlined as `content` when small, and refused with a
 * {@link ValidationError} otherwise. Local output destinations must be
 * covered by that storage too.
 *
 * @example
 * ```ts
 * import { submitJob } from 'pulsar-network';
 * import { TesSite } from 'pulsar-network/sites';
 *
 * const site = new TesSite({ client: { baseUrl: 'https://tes.example.org/ga4gh/tes/v1' } });
 * const job = submitJob(site, {
 *   executors: [{ image: 'alpine:3', command: ['echo', 'hello'] }],
 * });
 * for await (const event of job.watch()) console.log(event.type);
 * console.log((await job.wait()).logs.executors[0]?.stdout); // 'hello\n'
 * ```
 */
export class TesSite implements Site {
  /** Always `tes`. */
  readonly kind = 'tes' as const;
  readonly id: string;
  /** The TES client the site speaks through. */
  readonly client: TesClient;
  /** This site's watch group (the value of its `pulsar_network_group` tag). */
  readonly group: string;
  readonly #pageSize: number;
  readonly #files: LocalFiles | undefined;
  readonly #inlineLimit: number;
  readonly #storages: readonly string[];
  readonly #serviceInfoStorage: boolean;
  /** The service-info `storage` once read (by a probe or a submit). */
  #infoStorage: readonly string[] | undefined;
  /** Watch group of each job known to have another group than ours; `null`: untagged, polled one by one. */
  readonly #groups = new Map<string, string | null>();
  #info: Promise<TesServiceInfo> | undefined;

  constructor(options: TesSiteOptions) {
    this.client = options.client instanceof TesClient ? options.client : new TesClient(options.client);
    this.id = options.id ?? 'tes';
    this.group = options.group ?? newIdempotencyKey();
    this.#pageSize = options.pageSize ?? 256;
    this.#files = options.files;
    this.#inlineLimit = options.inlineLimitBytes ?? 128 * 1024;
    this.#storages = [...(options.storages ?? [])];
    this.#serviceInfoStorage = options.serviceInfoStorage ?? true;
    const issues = [];
    if (this.#storages.some((prefix) => typeof prefix !== 'string' || prefix === '')) issues.push({ path: 'storages', message: 'must be non-empty URL prefixes' });
    if (this.group === '') issues.push({ path: 'group', message: 'must not be empty' });
    if (!Number.isInteger(this.#pageSize) || this.#pageSize < 1 || this.#pageSize > 2047) issues.push({ path: 'pageSize', message: 'must be a whole number from 1 to 2047' });
    if (!Number.isInteger(this.#inlineLimit) || this.#inlineLimit < 0) issues.push({ path: 'inlineLimitBytes', message: 'must be a whole number >= 0' });
    if (issues.length > 0) throw new ValidationError('TesSite options', issues);
  }

  /** Reads the service-info: version, storage prefixes, backend parameters. Never throws; `ok: false` says why. */
  async probe(options: SiteCallOptions = {}): Promise<SiteProbe> {
    const started = Date.now();
    try {
      const info = await this.client.serviceInfo(signalOf(options));
      this.#info = Promise.resolve(info);
      this.#infoStorage = info.storage ?? [];
      const probe: SiteProbe = { ok: true, latencyMs: Date.now() - started, storages: info.storage ?? [], backendParameters: info.tesResources_backend_parameters ?? [] };
      if (info.version !== undefined) probe.version = info.version;
      return probe;
    } catch (error) {
      return failedProbe(error, Date.now() - started);
    }
  }

  /**
   * What `submit` refuses the spec for, without sending anything: local
   * paths it cannot resolve and, once the storage the server reaches is
   * known (its `storages`, and its service-info `storage` after a probe),
   * local outputs it cannot write and local inputs it can neither read nor
   * receive inline.
   */
  check(spec: JobSpec): ValidationIssue[] {
    const known = this.#serviceInfoStorage ? (this.#infoStorage === undefined ? undefined : [...this.#storages, ...this.#infoStorage]) : this.#storages;
    return tesStagingIssues(spec, { siteId: this.id, storages: known, ...(this.#files ? { files: this.#files } : {}) });
  }

  /** Rewrites local inputs and outputs for the server (see the class), then creates the task once per idempotency key. */
  async submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    throwIfAborted(options.signal, `submitting to TES site ${this.id}`);
    const storages = await this.#storagesFor(spec, options.signal);
    const task = await tesTaskFor(spec, {
      siteId: this.id,
      storages,
      inlineLimitBytes: this.#inlineLimit,
      tags: { [WATCH_GROUP_TAG]: this.group },
      ...(this.#files ? { files: this.#files } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onTransfer ? { onTransfer: options.onTransfer } : {}),
    });
    const remoteId = await this.client.createTask(task, { idempotencyKey: options.idempotencyKey, ...(options.fresh ? { fresh: true } : {}), ...signalOf(options) });
    this.#groups.delete(remoteId);
    return { remoteId };
  }

  /**
   * Lists the watch group's tasks (view MINIMAL), one request per page, and
   * stops as soon as every asked-for job has been seen. A job missing from
   * the listing has no news. Jobs attached from another group are listed by
   * theirs; untagged ones, and a lone job of its group (a group may hold
   * many ended tasks), are asked for one by one with GetTask MINIMAL (a 404
   * is `lost`).
   */
  async poll(remoteIds: readonly string[], options: SiteCallOptions = {}): Promise<Map<string, SiteJobStatus>> {
    throwIfAborted(options.signal, `polling TES site ${this.id}`);
    const statuses = new Map<string, SiteJobStatus>();
    const byGroup = new Map<string | null, Set<string>>();
    for (const id of remoteIds) {
      const group = this.#groups.has(id) ? (this.#groups.get(id) as string | null) : this.group;
      let ids = byGroup.get(group);
      if (!ids) byGroup.set(group, (ids = new Set()));
      ids.add(id);
    }
    for (const [group, ids] of byGroup) {
      if (group === null || ids.size === 1) {
        for (const id of ids) statuses.set(id, await this.#getStatus(id, options.signal));
        continue;
      }
      const list = this.client.listTasks({ tags: { [WATCH_GROUP_TAG]: group }, view: 'MINIMAL', pageSize: this.#pageSize, ...signalOf(options) });
      for await (const page of list.pages()) {
        for (const task of page.tasks) if (ids.delete(task.id)) statuses.set(task.id, statusOf(task));
        if (ids.size === 0) break;
      }
    }
    return statuses;
  }

  /** Asks the server to cancel the task; {@link UnknownJobError} when it does not know it. */
  async cancel(remoteId: string, options: SiteCallOptions = {}): Promise<void> {
    try {
      await this.client.cancelTask(remoteId, signalOf(options));
    } catch (error) {
      throw this.#unknown(error, remoteId);
    }
  }

  /** The task a submit with this key created (found by its idempotency tag), or undefined. */
  lookup(idempotencyKey: string, options: SiteCallOptions = {}): Promise<string | undefined> {
    return this.client.findTask(idempotencyKey, signalOf(options));
  }

  /**
   * The task's current status, remembering its watch group so later polls
   * list it; {@link UnknownJobError} when the server does not know the id.
   */
  async attach(remoteId: string, options: SiteCallOptions = {}): Promise<SiteJobStatus> {
    let task;
    try {
      task = await this.client.getTask(remoteId, { view: 'BASIC', ...signalOf(options) });
    } catch (error) {
      throw this.#unknown(error, remoteId);
    }
    const group = task.tags?.[WATCH_GROUP_TAG];
    if (group !== this.group) this.#groups.set(remoteId, group ?? null);
    return statusOf(task);
  }

  /**
   * Reads the task in the FULL view: executor exit codes and stdout/stderr
   * (as much as the server keeps), system logs, and the delivered outputs
   * (sized and hashed from the local files, with local file access). A
   * `complete` task whose local outputs are missing is `system_error`; a task
   * the server no longer knows is `lost`. The server keeps the spec; `spec`,
   * when given, only makes outputs sent to plain local paths report the path
   * rather than its `file://` URL.
   */
  async collect(remoteId: string, spec?: JobSpec, options: SiteCallOptions = {}): Promise<JobOutcome> {
    let task: FullTask;
    try {
      task = await this.client.getTask(remoteId, { view: 'FULL', ...signalOf(options) });
    } catch (error) {
      if (error instanceof NotFoundError) return { state: 'lost', executors: [], outputs: [], systemLogs: [`TES site ${this.id} no longer knows task ${remoteId}`] };
      throw error;
    }
    const state = fromTesState(task.state);
    if (!isTerminalState(state)) {
      throw new ValidationError('collect request', [{ path: 'remoteId', message: `task ${remoteId} has not ended (it is ${task.state})` }]);
    }
    this.#groups.delete(remoteId); // an ended task is polled no more
    const last = task.logs?.at(-1);
    const outcome: JobOutcome = {
      state,
      executors: (last?.logs ?? []).map((log) => {
        const entry: JobOutcome['executors'][number] = { exitCode: log.exit_code };
        if (log.stdout !== undefined) entry.stdout = log.stdout;
        if (log.stderr !== undefined) entry.stderr = log.stderr;
        return entry;
      }),
      outputs: [],
      systemLogs: (task.logs ?? []).flatMap((attempt) => attempt.system_logs ?? []),
    };
    if (state === 'complete') {
      const problems: string[] = [];
      outcome.outputs = await this.#outputs(task, spec, problems, options.signal);
      if (problems.length > 0) {
        outcome.state = 'system_error';
        outcome.systemLogs.push(...problems);
      }
    }
    return outcome;
  }

  /** The outputs the server reports; for a server that reports none, the task's local outputs. */
  async #outputs(task: FullTask, spec: JobSpec | undefined, problems: string[], signal: AbortSignal | undefined): Promise<CollectedOutput[]> {
    const reported: TesOutputFileLog[] = task.logs?.at(-1)?.outputs ?? [];
    const files: TesOutputFileLog[] =
      reported.length > 0
        ? reported
        : (task.outputs ?? []).filter((o) => !/[*?[]/.test(o.path) && localRef(o.url)).map((o) => ({ path: o.path, url: o.url, size_bytes: '' }));
    const collected: CollectedOutput[] = [];
    // the local files the task asked for: a server's report never makes this host read others
    const destinations = (spec?.outputs ?? task.outputs ?? []).flatMap((o) => {
      const ref = localRef(o.url);
      const dir = ref && this.#files ? absolutePath(ref, this.#files) : undefined;
      return dir === undefined ? [] : [dir];
    });
    for (const file of files) {
      const ref = localRef(file.url);
      const path = ref && this.#files ? absolutePath(ref, this.#files) : undefined;
      if (path === undefined || !this.#files) {
        collected.push({ path: file.path, url: file.url, sizeBytes: Number(file.size_bytes) || 0 });
        continue;
      }
      if (!destinations.some((dir) => path === dir || path.startsWith(`${dir.replace(/\/+$/, '')}/`))) {
        problems.push(`output ${file.path}: the server reports it at ${path}, which is not where the task's outputs go; it is not read`);
        continue;
      }
      try {
        const digest = await this.#files.digest(path, signal);
        // Delivered where the spec said: a plain local path stays a path, as on the other sites.
        const given = spec?.outputs?.find((o) => o.path === file.path || file.path.startsWith(`${(o.path_prefix ?? o.path).replace(/\/+$/, '')}/`));
        const url = given && localRef(given.url)?.kind === 'path' ? path : file.url;
        if (file.size_bytes !== '' && Number(file.size_bytes) !== digest.sizeBytes) {
          problems.push(`output ${file.path}: the server reports ${file.size_bytes} bytes, ${path} holds ${digest.sizeBytes}`);
        }
        collected.push({ path: file.path, url, ...digest });
      } catch (error) {
        problems.push(`output ${file.path}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return collected;
  }

  async #getStatus(remoteId: string, signal: AbortSignal | undefined): Promise<SiteJobStatus> {
    try {
      return statusOf(await this.client.getTask(remoteId, { view: 'MINIMAL', ...(signal ? { signal } : {}) }));
    } catch (error) {
      if (error instanceof NotFoundError) return { remoteId, state: 'lost', siteState: 'not found' };
      throw error;
    }
  }

  /** The storage the server reaches: its own `storages`, plus the service-info's when a local file needs more. */
  async #storagesFor(spec: JobSpec, signal: AbortSignal | undefined): Promise<readonly string[]> {
    const uncovered = [...(spec.inputs ?? []), ...(spec.outputs ?? [])].some((item) => {
      const ref = typeof item.url === 'string' ? localRef(item.url) : undefined;
      const path = ref && absolutePath(ref, this.#files);
      return ref !== undefined && (path === undefined || !storageCovers(this.#storages, fileUrlOf(path)));
    });
    if (!uncovered || !this.#serviceInfoStorage) return this.#storages;
    // a server that cannot be reached is reported as the create it stops, not as this read
    const info = await this.#serviceInfo(signal).catch((error: unknown) => Promise.reject(createNotSent(error, this.client.http)));
    this.#infoStorage = info.storage ?? [];
    return [...this.#storages, ...this.#infoStorage];
  }

  #serviceInfo(signal: AbortSignal | undefined): Promise<TesServiceInfo> {
    if (!this.#info) {
      const info = this.client.serviceInfo(signal ? { signal } : {});
      this.#info = info;
      info.catch(() => {
        if (this.#info === info) this.#info = undefined;
      });
    }
    return this.#info;
  }

  #unknown(error: unknown, remoteId: string): unknown {
    return error instanceof NotFoundError ? new UnknownJobError({ siteId: this.id, remoteId }, { cause: error }) : error;
  }
}

function statusOf(task: Pick<MinimalTask, 'id' | 'state'>): SiteJobStatus {
  return { remoteId: task.id, state: fromTesState(task.state), siteState: task.state ?? 'UNKNOWN' };
}

function signalOf(options: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
