/**
 * The options of a {@link LocalSite}. Portable (types only).
 * @module
 */
import type { HttpClientOptions } from '../../http/index.js';
import type { ContainerRuntime } from '../../executor/script.js';
import type { LocalCleanup } from './work-dir.js';
import type { LocalBind } from '../../executor/sandbox.js';

/** Options of a {@link LocalSite}. */
export interface LocalSiteOptions {
  /** The site's name in its network. @default 'local' */
  id?: string;
  /**
   * Where job directories and records live. A new `LocalSite` over the same
   * directory can attach to the jobs of an earlier one. It is made private
   * (0700) and must belong to this user: a directory of another user is
   * refused, one open to others is closed.
   * @default `$XDG_CACHE_HOME/pulsar-network/local`, or `~/.cache/pulsar-network/local`: per user, never shared
   */
  workDir?: string;
  /**
   * When a job's directory (staged inputs, outputs, logs, record) is
   * removed: `onSuccess` once a `complete` job's outputs are delivered;
   * `always` after any end is collected; `never` (remove them with
   * `forget`, or `pulsar-network local gc`).
   * @default 'onSuccess'
   */
  cleanup?: LocalCleanup;
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
  /**
   * HTTP options for inputs fetched from http(s) URLs (auth, timeouts,
   * retries). Behind a gateway, give it a `guardedFetch` so each address is
   * checked when it is connected to.
   */
  http?: Omit<HttpClientOptions, 'baseUrl'>;
  /** Time between SIGTERM and SIGKILL when a job is canceled, in milliseconds. @default 5000 */
  killGraceMs?: number;
  /**
   * Most jobs this site runs at once; later ones wait, `queued`, for a free
   * slot. The limit is per `LocalSite` instance.
   * @default os.availableParallelism()
   */
  maxConcurrentJobs?: number;
  /**
   * Says that running the jobs' commands as plain processes of this user,
   * on this host, is intended. A gateway serves a local site only when it is
   * sandboxed (without the `warn` fallback) or marked trusted: a client that
   * may submit then runs what it likes here, with this process's rights (and
   * the gateway warns when it starts).
   * @default false
   */
  trusted?: boolean;
  /**
   * Run each executor's command (its image ignored) in a bubblewrap sandbox:
   * its own mount namespace with the host read-only, a private `/tmp`, the
   * task's inputs, outputs, volumes and working directories bound at their
   * container paths (commands and scripts are not rewritten), `storages` and
   * `binds` bound in, no capabilities, the environment cleared to PATH,
   * HOME=/tmp, TMPDIR=/tmp and the executor's `env`. Used unless a working
   * `containerRuntime` runs the images. Whether bubblewrap works is checked
   * by running it (at most every 5 minutes), never assumed.
   */
  sandbox?: 'bubblewrap';
  /**
   * When `sandbox` is set but bubblewrap does not work here: `refuse` every
   * submit (and report the site unhealthy), or `warn` and run plain
   * processes (a warning in each job's system logs and one process warning).
   * @default 'refuse'
   */
  sandboxFallback?: 'refuse' | 'warn';
  /** Keep the host's network in the sandbox (`false`: only a private loopback). @default true */
  sandboxNetwork?: boolean;
  /**
   * Storage of this site, as `file://` URLs or paths (other URLs are
   * ignored): bound read-only in the sandbox, where inputs below it are
   * bound in place instead of copied (plain processes and containers get
   * copies). A network configuration passes the site's `storages`.
   */
  storages?: readonly string[];
  /**
   * More host paths shared with sandboxed tasks: bound in the sandbox
   * (read-only, or read-write with `writable: true`), inputs below them
   * bound in place; a directory input below a writable one may be written by
   * the task (as Toil writes its file job store).
   */
  binds?: ReadonlyArray<string | LocalBind>;
}

export type { LocalBind } from '../../executor/sandbox.js';


