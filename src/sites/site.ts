/**
 * The `Site` interface every kind of compute site implements, and the shapes
 * that cross it. Sites know nothing of each other; the network layer chooses.
 * @module
 */
import type { JobSpec } from '../contracts/job-spec.js';
import type { JobState } from '../jobs/state.js';
import type { ValidationIssue } from '../errors.js';
import type { TransferProgress } from '../transfer/progress.js';

/** The kinds of site the SDK speaks to. */
export type SiteKind = 'tes' | 'pulsar-rest' | 'pulsar-amqp' | 'local';

/** What a probe learned about a site. */
export interface SiteProbe {
  /** True when the site answered as expected. */
  ok: boolean;
  /** Round-trip time of the probe, in milliseconds. */
  latencyMs: number;
  /** The server's own version, when it says. */
  version?: string;
  /** Storage URL prefixes the site can read directly (TES service-info `storage`). */
  storages?: string[];
  /** Backend parameters the site accepts (TES `tesResources_backend_parameters`). */
  backendParameters?: string[];
  /** Container runtimes the site can run images with (`docker`, `podman`, `apptainer`, `singularity`); empty when none. */
  containerRuntimes?: string[];
  /** Why the probe failed, when it did. */
  error?: string;
  /**
   * How the probe failed, when it did: `unreachable` when no answer came (the
   * connection was refused, the name does not resolve, TLS failed, no answer
   * in time), `refusing` when the server answered with an error.
   */
  failure?: ProbeFailure;
}

/** How a probe failed (see {@link SiteProbe.failure}). */
export type ProbeFailure = 'unreachable' | 'refusing';

/** Options of {@link Site.submit}. */
export interface SubmitOptions {
  /** A key unique to this logical job: the site uses it so that a retried submit never creates two jobs. */
  idempotencyKey: string;
  /**
   * True when the key was never sent before (a new job, or a new attempt of
   * one): a site that looks a key up before creating may skip that. Drivers
   * set it only for keys they made themselves. @default false
   */
  fresh?: boolean;
  /** Aborts staging and the submit request (rejects with AbortError). */
  signal?: AbortSignal;
  /** Progress of input staging. */
  onTransfer?: (progress: TransferProgress) => void;
}

/** A job the site has accepted. */
export interface SiteJobRef {
  /** The site's own id for the job. */
  remoteId: string;
}

/** The state of one job as a site reports it. */
export interface SiteJobStatus {
  /** The site's own id for the job. */
  remoteId: string;
  /** The state, in the unified model. */
  state: JobState;
  /** The site's own word for the state (a TES state, a Pulsar status). */
  siteState: string;
  /** Exit codes of the executors that ran, in order, when known. */
  exitCodes?: number[];
}

/** One output as collected to its destination. */
export interface CollectedOutput {
  /** The output's path in the job (the TES `path`). */
  path: string;
  /** Where it was delivered (the TES `url`, a local path or `file://` URL). */
  url: string;
  /** Bytes delivered; for a TES output at a remote URL, the size the server reports (0 when it reports none). */
  sizeBytes: number;
  /** Lowercase hex sha256 of the delivered bytes; absent for a TES output at a remote URL (the SDK never reads those bytes). */
  sha256?: string;
}

/** Logs of one executor. */
export interface ExecutorLog {
  /** The executor's exit code. */
  exitCode: number;
  /** Its standard output, when the site keeps it (possibly truncated by the site). */
  stdout?: string;
  /** Its standard error, when the site keeps it (possibly truncated by the site). */
  stderr?: string;
}

/** What a finished job left behind. */
export interface JobOutcome {
  /** The terminal state. */
  state: JobState;
  /** One log per executor that ran, in order. */
  executors: ExecutorLog[];
  /** Outputs delivered to their destinations. */
  outputs: CollectedOutput[];
  /** Messages from the site that are not executor output. */
  systemLogs: string[];
}

/** A piece of an executor's output read while the job runs (see {@link Site.readLogs}). */
export interface LogChunk {
  /** Index of the executor. */
  executor: number;
  /** Which of the executor's output streams. */
  stream: 'stdout' | 'stderr';
  /** Byte offset in the stream where `text` starts. */
  offset: number;
  /**
   * Bytes of the stream that `text` decodes. The UTF-8 length of `text` when
   * the output is valid UTF-8 (an invalid sequence becomes U+FFFD).
   */
  bytes: number;
  /** The new output, decoded as UTF-8, whole characters only. */
  text: string;
}

/** What one {@link Site.readLogs} call read. */
export interface LogRead {
  /** New output, in order within each stream; empty when there is none. */
  chunks: LogChunk[];
  /** Where the next call starts: pass it back as is. */
  cursor: string;
}

/** Options of {@link Site.readLogs}. */
export interface ReadLogsOptions extends SiteCallOptions {
  /**
   * Most bytes one call returns of each stream. When more than this arrived
   * since the last call, the older bytes are skipped and only the newest
   * `maxBytes` are read: the chunk's `offset` then jumps past the skipped part.
   * @default 65536
   */
  maxBytes?: number;
  /**
   * The job has ended, so its streams no longer grow: decode an incomplete
   * UTF-8 sequence at the end of a stream (as U+FFFD) instead of waiting for
   * its last bytes.
   * @default false
   */
  final?: boolean;
}

/** Options shared by the other Site calls. */
export interface SiteCallOptions {
  /** Aborts the call (rejects with AbortError). */
  signal?: AbortSignal;
  /** Progress of the outputs `collect` delivers itself (a TES server delivers its own: no reports). */
  onTransfer?: (progress: TransferProgress) => void;
}

/**
 * A compute site: a TES server, a Pulsar server (REST or AMQP), or the
 * embedded local site.
 */
export interface Site {
  /** Unique name of the site in its network. */
  readonly id: string;
  /** Which protocol the site speaks. */
  readonly kind: SiteKind;
  /** Checks that the site answers and reads its capabilities. */
  probe(options?: SiteCallOptions): Promise<SiteProbe>;
  /** Stages inputs and starts the job. */
  submit(spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef>;
  /**
   * Optional: the problems `submit` would refuse the spec for, found without
   * sending anything or touching files (its image and container policy, the
   * storage it can reach for local files, ...); an empty list when it knows
   * of none. Only what the site knows for sure: a doubt is left to `submit`.
   * A network calls it for every site before it ranks them, so a job never
   * goes where it cannot run, and the decision record says why.
   *
   * @example
   * ```ts
   * site.check?.({ executors: [{ image: 'alpine', command: ['true'] }] });
   * // [{ path: '$.executors[0].image', message: 'the site runs without containers unless configured: ...' }]
   * ```
   */
  check?(spec: JobSpec): ValidationIssue[];
  /**
   * Reports the state of several jobs at once (batched where the protocol
   * allows: a TES site lists its tagged tasks page by page). A job missing
   * from the answer has no news this time; a site that knows a job is gone
   * reports it `lost`.
   */
  poll(remoteIds: readonly string[], options?: SiteCallOptions): Promise<Map<string, SiteJobStatus>>;
  /** Asks the site to stop the job. */
  cancel(remoteId: string, options?: SiteCallOptions): Promise<void>;
  /**
   * Optional: the site's id of the job a submit with this idempotency key
   * made, or undefined when it made none. Lets a network cancel a job whose
   * submit failed in a way that may have reached the site. Throws when the
   * site cannot be asked.
   */
  lookup?(idempotencyKey: string, options?: SiteCallOptions): Promise<string | undefined>;
  /**
   * Optional: the executors' output that is new since `cursor` (`undefined`
   * for the start), so a job's logs can be followed while it runs. Reads only
   * what is new (byte offsets kept in the cursor, which is opaque to callers),
   * never splits a UTF-8 character across chunks (an incomplete one waits for
   * the next call), and returns at most `maxBytes` of each stream per call.
   *
   * @example
   * ```ts
   * let cursor: string | undefined;
   * const read = await site.readLogs!(remoteId, cursor, { maxBytes: 16_384 });
   * for (const chunk of read.chunks) process.stdout.write(chunk.text);
   * cursor = read.cursor;
   * ```
   */
  readLogs?(remoteId: string, cursor: string | undefined, options?: ReadLogsOptions): Promise<LogRead>;
  /**
   * After a terminal state: delivers the outputs to their destinations and
   * returns the outcome. `spec` is the job's spec when the caller has it; a
   * site that keeps the spec itself (TES, the local site) may do without it,
   * others throw a `ValidationError` when it is missing.
   */
  collect(remoteId: string, spec?: JobSpec, options?: SiteCallOptions): Promise<JobOutcome>;
  /** Re-attaches to a job submitted earlier (for example before a restart of the caller); its current status. */
  attach(remoteId: string, options?: SiteCallOptions): Promise<SiteJobStatus>;
  /**
   * Optional push channel for sites that learn of changes without asking (the
   * local site, Pulsar over AMQP): calls `onChange` with a job's id when its
   * status may have changed, and its poller polls at once. Polling stays the
   * source of truth; this only makes it prompt. Returns how to unsubscribe.
   */
  subscribe?(onChange: (remoteId: string) => void): () => void;
  /** Releases connections, servers and timers the site holds. */
  close?(): Promise<void>;
}
