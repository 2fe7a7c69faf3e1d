/**
 * The job records of a `PulsarMqSite` with a `stateDirectory`: one small JSON
 * file per job, so that a site made after a restart of its caller carries on
 * with the jobs of the one before. Records are read back as untrusted input:
 * a record is taken only when its file is this user's own, written by no one
 * else, and everything in it checks out; a job's files grant must be exactly
 * what its spec grants. Node-only.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { ValidationIssue } from '../../errors.js';
import type { JobSpec } from '../../contracts/job-spec.js';
import { JOB_STATES, type JobState } from '../../jobs/state.js';
import type { JobOutcome } from '../site.js';
import { JOB_FILES_KEY, type JobFilesGrant } from './job-files-server.js';
import { jobFilesPlan } from './job-files-plan.js';
import { MANIFEST_NAME } from './launch.js';

const FORMAT = 'pulsar-network/amqp-job';
/** Larger record files are not read. */
const MAX_RECORD_BYTES = 8 * 1024 * 1024;
const RECORD_FILE = /^([A-Za-z0-9_-]{1,128})\.json$/;
const TEMP_FILE = /^\.[A-Za-z0-9_-]{1,128}\.json\.[0-9a-f]{12}\.tmp$/;

/** What the site keeps of one job. Holds the job's files key: files are mode 0600. Never a broker password. */
export interface MqJobRecord {
  format: typeof FORMAT;
  version: 1;
  /** The id of the site that submitted the job. */
  site: string;
  remoteId: string;
  idempotencyKey: string;
  spec: JobSpec;
  /** The working directory relative local paths of the spec were resolved against. */
  cwd: string;
  /** The job's registration on the job-files server. */
  files: {
    key: string;
    /** Container paths of the inputs served, each with its local file (none for inline content). */
    inputs: Array<{ path: string; file?: string }>;
    /** Names outputs are received under, with their destinations (the manifest's included). */
    outputs: Array<{ name: string; destination: string }>;
  };
  /** When the setup message left (epoch milliseconds). */
  setupAt: number;
  /** The uuid Pulsar acknowledges the setup with, and whether it has. */
  setupAck?: string;
  setupAcked?: boolean;
  /** Pulsar has reported a state other than `lost`. */
  known: boolean;
  state: JobState;
  siteState: string;
  exitCodes?: number[];
  /** The status dict that made the job terminal. */
  final?: Record<string, unknown>;
  /** The outcome `collect` returned (the outputs are then in place). */
  outcome?: JobOutcome;
}

/** What a record must agree with to be taken. */
export interface RecordExpectations {
  /** The site loading it. */
  siteId: string;
  /** Where the job's output manifest is received. */
  manifestPath: (remoteId: string) => string;
}

/** A record file that was not taken, and why. */
export interface SkippedRecord {
  /** The record file's path. */
  file: string;
  /** Why it was not taken, e.g. `writable by others than its owner` or the record's problems with their JSON paths. */
  reason: string;
}

/**
 * Every problem of `value` as the record of job `remoteId` (named by its
 * file); an empty list when it can be taken. The spec must be one the site
 * accepts, and the files grant exactly the files the spec names: a record
 * cannot make the site serve or receive any other file.
 *
 * @example
 * ```ts
 * const issues = recordIssues(JSON.parse(text), 'a1b2', { siteId: 'eu-amqp', manifestPath: (id) => `/state/${id}.manifest` });
 * ```
 */
export function recordIssues(value: unknown, remoteId: string, expect: RecordExpectations): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const fail = (path: string, message: string): ValidationIssue[] => {
    issues.push({ path, message });
    return issues;
  };
  if (!isObject(value)) return fail('$', 'must be an object');
  const r = value as Partial<Record<keyof MqJobRecord, unknown>>;
  if (r.format !== FORMAT || r.version !== 1) return fail('$.format', `is not a ${FORMAT} record of version 1`);
  if (r.site !== expect.siteId) return fail('$.site', `belongs to another site (${JSON.stringify(r.site)})`);
  if (r.remoteId !== remoteId) return fail('$.remoteId', 'does not match the file name');
  if (typeof r.idempotencyKey !== 'string' || r.idempotencyKey === '') fail('$.idempotencyKey', 'must be a non-empty string');
  if (typeof r.cwd !== 'string' || !isAbsolute(r.cwd)) fail('$.cwd', 'must be an absolute path');
  // A setup time in the future would stretch the grace given to a `lost` before the job's first news.
  if (!isFiniteNumber(r.setupAt) || r.setupAt > Date.now() + 60_000) fail('$.setupAt', 'must be a time (epoch milliseconds) not in the future');
  if (r.setupAck !== undefined && typeof r.setupAck !== 'string') fail('$.setupAck', 'must be a string');
  if (r.setupAcked !== undefined && typeof r.setupAcked !== 'boolean') fail('$.setupAcked', 'must be true or false');
  if (typeof r.known !== 'boolean') fail('$.known', 'must be true or false');
  if (typeof r.state !== 'string' || !(JOB_STATES as readonly string[]).includes(r.state)) fail('$.state', 'must be a job state');
  if (typeof r.siteState !== 'string') fail('$.siteState', 'must be a string');
  if (r.exitCodes !== undefined && !(Array.isArray(r.exitCodes) && r.exitCodes.every(Number.isInteger))) fail('$.exitCodes', 'must be a list of integers');
  if (r.final !== undefined && !isObject(r.final)) fail('$.final', 'must be an object');
  if (r.outcome !== undefined && !isOutcome(r.outcome)) fail('$.outcome', 'must be a job outcome');
  if (!isObject(r.spec)) fail('$.spec', 'must be a job spec');
  if (issues.length > 0) return issues;

  const plan = jobFilesPlan(r.spec as JobSpec, r.cwd as string);
  for (const issue of plan.issues) fail(`$.spec${issue.path.replace(/^\$/, '')}`, issue.message);
  const files = r.files;
  if (!isObject(files) || typeof files.key !== 'string' || !JOB_FILES_KEY.test(files.key) || !Array.isArray(files.inputs) || !Array.isArray(files.outputs)) {
    return fail('$.files', 'must be { key, inputs, outputs } with a job-files key');
  }
  if (issues.length > 0) return issues;
  const granted = recordedGrant({ inputs: plan.inputs, outputs: new Map([...plan.outputs, [MANIFEST_NAME, expect.manifestPath(remoteId)]]) });
  if (!sameList(files.inputs, granted.inputs)) fail('$.files.inputs', "are not the inputs the job's spec names");
  if (!sameList(files.outputs, granted.outputs)) fail('$.files.outputs', "are not the outputs the job's spec names");
  return issues;
}

/** A files grant as a record keeps it (inline contents are in the spec, not repeated). */
export function recordedGrant(grant: JobFilesGrant): Pick<MqJobRecord['files'], 'inputs' | 'outputs'> {
  return {
    inputs: [...grant.inputs].map(([path, source]) => (source.kind === 'file' ? { path, file: source.path } : { path })),
    outputs: [...grant.outputs].map(([name, destination]) => ({ name, destination })),
  };
}

/**
 * The record files of one directory: {@link load} reads them back,
 * {@link save} writes one (to a temporary name, then renamed; mode 0600),
 * {@link remove} deletes one. Writes of one job happen in order.
 *
 * @example
 * ```ts
 * const store = new JobRecordStore('/var/lib/me/amqp-jobs');
 * const { records, skipped } = await store.load({ siteId: 'eu-amqp', manifestPath: (id) => `/var/lib/me/amqp-jobs/${id}.manifest` });
 * ```
 */
export class JobRecordStore {
  readonly directory: string;
  readonly #writes = new Map<string, Promise<void>>();

  constructor(directory: string) {
    this.directory = directory;
  }

  /** Creates the directory (mode 0700) when missing and reads every record; a record that does not check out is skipped. */
  async load(expect: RecordExpectations): Promise<{ records: MqJobRecord[]; skipped: SkippedRecord[] }> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const records: MqJobRecord[] = [];
    const skipped: SkippedRecord[] = [];
    for (const name of (await readdir(this.directory)).sort()) {
      if (TEMP_FILE.test(name)) {
        // Left by a write cut short: the record it was replacing is whole.
        await rm(join(this.directory, name), { force: true });
        continue;
      }
      const id = RECORD_FILE.exec(name)?.[1];
      if (id === undefined) continue;
      const reason = await this.#read(name, id, expect, records).catch((error: unknown) => `unreadable (${error instanceof Error ? error.message : String(error)})`);
      if (reason !== undefined) skipped.push({ file: join(this.directory, name), reason });
    }
    return { records, skipped };
  }

  /** Writes the record `snapshot()` gives once the job's earlier writes are done (so the last state always lands last). */
  save(remoteId: string, snapshot: () => MqJobRecord): Promise<void> {
    return this.#chain(remoteId, async () => {
      const file = join(this.directory, `${remoteId}.json`);
      const temporary = join(this.directory, `.${remoteId}.json.${randomBytes(6).toString('hex')}.tmp`);
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(snapshot())}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    });
  }

  /** Deletes a job's record (after its pending writes). */
  remove(remoteId: string): Promise<void> {
    return this.#chain(remoteId, () => rm(join(this.directory, `${remoteId}.json`), { force: true }));
  }

  /** Resolves once every write started so far has ended. */
  async flush(): Promise<void> {
    await Promise.all([...this.#writes.values()]);
  }

  #chain(remoteId: string, step: () => Promise<void>): Promise<void> {
    const next = (this.#writes.get(remoteId) ?? Promise.resolve()).catch(() => undefined).then(step);
    this.#writes.set(remoteId, next);
    const settled = (): void => {
      if (this.#writes.get(remoteId) === next) this.#writes.delete(remoteId);
    };
    next.then(settled, settled);
    return next;
  }

  async #read(name: string, id: string, expect: RecordExpectations, records: MqJobRecord[]): Promise<string | undefined> {
    const file = join(this.directory, name);
    const info = await lstat(file);
    if (!info.isFile()) return 'not a regular file (a link or something else)';
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) return `owned by uid ${info.uid}, not by this process (uid ${uid})`;
    if ((info.mode & 0o022) !== 0) return 'writable by others than its owner';
    if (info.size > MAX_RECORD_BYTES) return `larger than ${MAX_RECORD_BYTES} bytes`;
    let value: unknown;
    try {
      value = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      return `not JSON (${error instanceof Error ? error.message : String(error)})`;
    }
    const issues = recordIssues(value, id, expect);
    if (issues.length > 0) return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    records.push(value as MqJobRecord);
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isOutcome(value: unknown): boolean {
  if (!isObject(value)) return false;
  const { state, executors, outputs, systemLogs } = value;
  return (
    typeof state === 'string' &&
    (JOB_STATES as readonly string[]).includes(state) &&
    Array.isArray(executors) &&
    executors.every((e) => isObject(e) && Number.isInteger(e.exitCode)) &&
    Array.isArray(outputs) &&
    outputs.every((o) => isObject(o) && typeof o.path === 'string' && typeof o.url === 'string' && isFiniteNumber(o.sizeBytes) && typeof o.sha256 === 'string') &&
    Array.isArray(systemLogs) &&
    systemLogs.every((s) => typeof s === 'string')
  );
}

/** The same entries, each with exactly the same fields, in the same order. */
function sameList(actual: unknown[], expected: ReadonlyArray<{ [key: string]: string | undefined }>): boolean {
  return (
    actual.length === expected.length &&
    actual.every((item, i) => {
      const want = expected[i] as { [key: string]: string | undefined };
      if (!isObject(item) || Object.keys(item).length !== Object.keys(want).length) return false;
      return Object.entries(want).every(([key, text]) => item[key] === text);
    })
  );
}
