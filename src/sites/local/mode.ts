/**
 * How the local site runs the next job: in a container, in a bubblewrap
 * sandbox, as plain processes, or not at all; each found by trying, and
 * kept for a while. Node-only.
 * @module
 */
import { emitWarning } from 'node:process';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../../errors.js';
import { resolveShared, sharedPathOf, type SharedPath } from './in-place.js';
import type { LocalSiteOptions } from './options.js';
import { imagePolicy, type SandboxSettings } from '../../executor/plan.js';
import { detectContainerRuntimes, isRuntimeAvailable } from './runtime.js';
import { probeBubblewrap, type SandboxProbe } from './sandbox-probe.js';
import type { ContainerRuntime } from '../../executor/script.js';
import type { ImagePolicy } from '../../executor/validate.js';

/** How a job will run. */
export interface RunMode {
  policy: ImagePolicy;
  /** The container runtime that runs the images. */
  runtime?: ContainerRuntime;
  /** The sandbox every executor runs in. */
  sandbox?: SandboxSettings;
  /** Said in the job's system logs (the sandbox fell back to plain processes). */
  warning?: string;
}

/** How long a found runtime or sandbox answer is reused. */
const TTL_MS = 5 * 60_000;

/** Chooses the run mode of a local site's jobs; one per site. */
export class RunModes {
  #runtime: Promise<ContainerRuntime | undefined> | undefined;
  #sandbox: { at: number; probe: Promise<SandboxProbe> } | undefined;
  #shared: Promise<SharedPath[]> | undefined;
  /** The configured runtime's detection, once it finished (`policyNow` cannot wait for it). */
  #runtimeFound: { runtime: ContainerRuntime | undefined } | undefined;
  #warned = false;

  constructor(
    private readonly options: LocalSiteOptions,
    private readonly workDir: string,
  ) {
    for (const bind of options.binds ?? []) {
      const shared = sharedPathOf(bind, fileURLToPath);
      if (shared?.writable && shared.path.replace(/\/+$/, '') === '') {
        throw new ValidationError('LocalSite options', [{ path: 'binds', message: 'a writable bind of / would make the whole host writable to tasks' }]);
      }
      if (!shared) throw new ValidationError('LocalSite options', [{ path: 'binds', message: `${typeof bind === 'string' ? bind : bind.path} is not an absolute path or file:// URL` }]);
    }
  }

  /** The mode of the next job; throws a {@link ValidationError} when the sandbox is required and does not work. */
  async choose(): Promise<RunMode> {
    const configured = this.options.containerRuntime;
    const working = configured ? await this.#detectRuntime(configured) : undefined;
    if (working || this.options.sandbox !== 'bubblewrap') return imagePolicy(configured, working, this.options.allowNoContainer === true);
    const probe = await this.sandboxProbe();
    if (probe.usable) {
      const shared = (await this.shared()).filter((s) => s.path !== '/').map((s) => ({ host: s.path, container: s.path, writable: s.writable, optional: true }));
      return { policy: { mode: 'sandbox' }, sandbox: { shared, hide: [this.workDir], network: this.options.sandboxNetwork !== false } };
    }
    const why = `the bubblewrap sandbox is not usable here: ${probe.reason}`;
    if (this.options.sandboxFallback !== 'warn') {
      throw new ValidationError('local site', [{ path: 'sandbox', message: `${why}; or set sandboxFallback: 'warn' to run plain processes` }]);
    }
    const warning = `${why}; the job ran as plain processes (sandboxFallback: 'warn')`;
    if (!this.#warned) {
      this.#warned = true;
      emitWarning(warning, 'SandboxWarning');
    }
    return { policy: { mode: 'ignore' }, warning };
  }

  /**
   * The image policy `choose` would apply, without waiting: what is known
   * now. A configured runtime not yet checked is assumed to work, and a
   * configured sandbox to be usable (the check starts in the background;
   * `choose` at submit time is the authority).
   */
  policyNow(): ImagePolicy {
    const configured = this.options.containerRuntime;
    if (configured) void this.#detectRuntime(configured);
    if (configured && !this.#runtimeFound) return { mode: 'container' };
    const working = this.#runtimeFound?.runtime;
    if (working || this.options.sandbox !== 'bubblewrap') return imagePolicy(configured, working, this.options.allowNoContainer === true).policy;
    return { mode: 'sandbox' };
  }

  /** What the last bubblewrap probe found (probed again after 5 minutes). */
  sandboxProbe(): Promise<SandboxProbe> {
    if (!this.#sandbox || Date.now() - this.#sandbox.at > TTL_MS) this.#sandbox = { at: Date.now(), probe: probeBubblewrap() };
    return this.#sandbox.probe;
  }

  /** The site's shared paths (storages read-only, binds as configured) that exist, links resolved. */
  shared(): Promise<SharedPath[]> {
    const given = [...(this.options.storages ?? []), ...(this.options.binds ?? [])];
    this.#shared ??= resolveShared(given.flatMap((entry) => sharedPathOf(entry, fileURLToPath) ?? []));
    return this.#shared;
  }

  #detectRuntime(configured: ContainerRuntime | 'auto'): Promise<ContainerRuntime | undefined> {
    this.#runtime ??= (
      configured === 'auto'
        ? detectContainerRuntimes().then((found) => found[0])
        : isRuntimeAvailable(configured).then((ok) => (ok ? configured : undefined))
    ).then((runtime) => {
      this.#runtimeFound = { runtime };
      return runtime;
    });
    return this.#runtime;
  }
}
