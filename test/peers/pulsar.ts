/**
 * Starts a real Pulsar server (pulsar-app, installed by scripts/peers/install-pulsar.sh)
 * for integration tests and benchmarks: a private config under a temp dir, loopback
 * only, a free port, readiness through `/healthz`, and a clean stop of the whole
 * process group.
 *
 * ```ts
 * const pulsar = await startPulsar();
 * try {
 *   const client = new PulsarClient({ url: pulsar.url, token: pulsar.token });
 * } finally {
 *   await pulsar.stop();
 * }
 * ```
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'amqplib';
import { pulsarQueues } from '../../src/internal.js';
import { killGroup, killOnExit } from './process-group.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the Pulsar virtualenv is, found the same way scripts/peers/install-pulsar.sh chooses it. */
export interface PulsarPaths {
  venv: string;
  python: string;
  /** `pulsar-serve`: gunicorn + the Pulsar WSGI app (web mode). */
  serve: string;
  /** `pulsar-main`: Pulsar without a web server (message-queue mode). */
  main: string;
}

/**
 * The paths of the installed Pulsar: `$PULSAR_VENV` if set, `.peers/pulsar-venv` when
 * `CI=true`, else `${PULSAR_NETWORK_CACHE:-~/.cache/pulsar-network}/pulsar-venv`.
 */
export function pulsarPaths(): PulsarPaths {
  const venv =
    process.env.PULSAR_VENV ??
    (process.env.CI === 'true'
      ? join(REPO, '.peers', 'pulsar-venv')
      : join(process.env.PULSAR_NETWORK_CACHE ?? join(homedir(), '.cache', 'pulsar-network'), 'pulsar-venv'));
  return {
    venv,
    python: join(venv, 'bin', 'python'),
    serve: join(venv, 'bin', 'pulsar-serve'),
    main: join(venv, 'bin', 'pulsar-main'),
  };
}

/** A job manager of the test server. */
export interface PulsarManagerOptions {
  /** Manager name; routes are then under `/managers/{name}/`. Omit for `_default_`. */
  name?: string;
  /** @default 'queued_python' */
  type?: string;
  /** Jobs run at once (queued_python). @default 2 */
  concurrentJobs?: number;
  /** Further keys of the manager's app.yml section. */
  extra?: Record<string, unknown>;
}

/** Options of {@link startPulsar}. */
export interface StartPulsarOptions {
  /** The `private_token`; `null` starts a server without one. @default a random token */
  token?: string | null;
  /** The job manager. @default one `_default_` queued_python manager */
  manager?: PulsarManagerOptions;
  /**
   * `message_queue_url` (e.g. `amqp://guest:guest@127.0.0.1:5673//`). Set it to run Pulsar
   * webless (`pulsar-main`): no HTTP port, readiness comes from `ready`.
   */
  messageQueueUrl?: string;
  /**
   * Readiness check for webless mode; resolves once the server is usable and stops when
   * `signal` aborts. @default waits until the manager's setup, status and kill queues
   * have a consumer on the broker
   */
  ready?: (server: PulsarServer, signal: AbortSignal) => Promise<void>;
  /** Further app.yml keys (they win over the defaults written here). */
  app?: Record<string, unknown>;
  /** Extra environment of the server process. */
  env?: Record<string, string>;
  /** Longest wait for readiness, in milliseconds. @default 90000 */
  startTimeoutMs?: number;
  /** Keep the temp dir after stop() (for debugging). @default process.env.PULSAR_KEEP_DIRS === '1' */
  keepDirs?: boolean;
}

/** Options of {@link PulsarServer.halt}. */
export interface HaltOptions {
  /** @default 'SIGTERM' (Pulsar then lets its running jobs finish before it exits) */
  signal?: NodeJS.Signals;
  /** Time before SIGKILL follows the signal. @default 10000 */
  graceMs?: number;
  /**
   * Kill the server's jobs too, at once, as a host going down would. Pulsar starts each
   * job in a process group of its own (`os.setpgrp`), so without this they outlive the
   * server, as they do when a real Pulsar process dies. @default false
   */
  killJobs?: boolean;
}

/** A running test Pulsar. */
export interface PulsarServer {
  /** Base URL of the server, ending in `/` (no manager prefix). Empty in webless mode. */
  readonly url: string;
  /** Base URL of the configured manager: `url` or `url + managers/{name}/`. */
  readonly managerUrl: string;
  /** The manager name (`_default_` unless a name was given). */
  readonly managerName: string;
  /** The `private_token`, or `null`. */
  readonly token: string | null;
  readonly port: number;
  /** The temp dir holding everything below. */
  readonly dir: string;
  readonly configDir: string;
  readonly stagingDir: string;
  readonly persistenceDir: string;
  /** Server output (appended across restarts). */
  readonly logFile: string;
  /** The pulsar version `/healthz` reported (web mode). */
  readonly version: string | undefined;
  /** The server process id while running. */
  readonly pid: number | undefined;
  /** Stops the server process group, keeping port and directories for {@link PulsarServer.resume}. */
  halt(options?: HaltOptions): Promise<void>;
  /** Starts a halted server again on the same port with the same directories. */
  resume(): Promise<void>;
  /** `halt()` then `resume()`. */
  restart(options?: { signal?: NodeJS.Signals; downMs?: number }): Promise<void>;
  /**
   * Kills the server and every job it started at once (SIGKILL), then removes
   * its directories. Safe to call twice. Pulsar starts each job in a process
   * group of its own (`os.setpgrp`), so the jobs outlive a halt; stop() kills
   * them as a host going down (or a service manager killing the server's
   * control group) would.
   */
  stop(): Promise<void>;
  /** The server output so far. */
  log(): Promise<string>;
}

/**
 * Starts Pulsar with its own config on a free loopback port and waits until it answers
 * `/healthz` (web mode). Throws with the end of the server log when it does not come up.
 */
export async function startPulsar(options: StartPulsarOptions = {}): Promise<PulsarServer> {
  const paths = pulsarPaths();
  const webless = options.messageQueueUrl !== undefined;
  const executable = webless ? paths.main : paths.serve;
  if (!existsSync(executable)) {
    throw new Error(`Pulsar is not installed at ${paths.venv}: run scripts/peers/install-pulsar.sh`);
  }
  const token = options.token === undefined ? `test-${randomBytes(12).toString('hex')}` : options.token;
  const dir = await mkdtemp(join(tmpdir(), 'pulsar-network-pulsar-'));
  const configDir = join(dir, 'config');
  const stagingDir = join(dir, 'staging');
  const persistenceDir = join(dir, 'persisted');
  const logFile = join(dir, 'pulsar.log');
  await Promise.all([configDir, stagingDir, persistenceDir].map((d) => mkdir(d, { recursive: true })));
  const port = webless ? 0 : await freePort();
  const managerName = options.manager?.name ?? '_default_';

  await writeFile(join(configDir, 'app.yml'), `${JSON.stringify(appConfig(options, { token, stagingDir, persistenceDir }), null, 2)}\n`);
  await writeFile(join(configDir, 'server.ini'), serverIni(port, webless));

  const url = webless ? '' : `http://127.0.0.1:${port}/`;
  const managerUrl = webless || managerName === '_default_' ? url : `${url}managers/${encodeURIComponent(managerName)}/`;
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  let child: ChildProcess | undefined;
  let version: string | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const out = openSync(logFile, 'a');
    const args = webless ? ['-c', configDir] : [join(configDir, 'server.ini')];
    try {
      child = spawn(executable, args, {
        cwd: configDir,
        detached: true, // its own process group, so halt() reaches gunicorn's worker (jobs have their own groups)
        stdio: ['ignore', out, out],
        env: { ...process.env, PULSAR_CONFIG_DIR: configDir, ...options.env },
      });
    } finally {
      closeSync(out);
    }
    const proc = child;
    killOnExit(proc);
    if (webless) {
      const prefix = typeof options.app?.amqp_key_prefix === 'string' ? options.app.amqp_key_prefix : undefined;
      const ready = options.ready ?? waitForConsumers(options.messageQueueUrl as string, managerName, prefix);
      await untilReady((signal) => ready(server, signal), startTimeoutMs, proc, logFile);
    } else {
      // Every route, /healthz included, needs a manager: ask the configured one.
      version = await untilReady((signal) => waitForHealthz(managerUrl, token, signal), startTimeoutMs, proc, logFile);
    }
  };

  const halt = async ({ signal = 'SIGTERM', graceMs = 10_000, killJobs = false }: HaltOptions = {}) => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((done) => proc.once('exit', () => done()));
    killGroup(proc, signal);
    const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    // The group may still hold processes after the leader exits.
    killGroup(proc, 'SIGKILL');
    // Once the server is gone it starts no more jobs: kill those it left, found by its session.
    if (killJobs && proc.pid !== undefined) for (const pid of sessionMembers(proc.pid)) killJob(pid);
  };

  const server: PulsarServer = {
    url,
    managerUrl,
    managerName,
    token,
    port,
    dir,
    configDir,
    stagingDir,
    persistenceDir,
    logFile,
    get version() {
      return version;
    },
    get pid() {
      return child?.pid;
    },
    halt,
    resume: launch,
    async restart({ signal, downMs = 0 } = {}) {
      await halt(signal ? { signal } : {});
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // All at once, as a host going down: a SIGTERM would let Pulsar drain its running jobs first.
      await halt({ signal: 'SIGKILL', killJobs: true });
      if (!(options.keepDirs ?? process.env.PULSAR_KEEP_DIRS === '1')) await rm(dir, { recursive: true, force: true });
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
  };

  try {
    await launch();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

function appConfig(
  options: StartPulsarOptions,
  dirs: { token: string | null; stagingDir: string; persistenceDir: string },
): Record<string, unknown> {
  const m = options.manager ?? {};
  const manager = { type: m.type ?? 'queued_python', num_concurrent_jobs: m.concurrentJobs ?? 2, ...m.extra };
  const config: Record<string, unknown> = {
    staging_directory: dirs.stagingDir,
    persistence_directory: dirs.persistenceDir,
    // Pulsar only needs a dependency dir to exist; keep it inside the temp dir.
    tool_dependency_dir: join(dirname(dirs.stagingDir), 'dependencies'),
    ...(m.name ? { managers: { [m.name]: manager } } : { manager }),
  };
  if (dirs.token !== null) config.private_token = dirs.token;
  if (options.messageQueueUrl !== undefined) config.message_queue_url = options.messageQueueUrl;
  return { ...config, ...options.app };
}

function serverIni(port: number, webless: boolean): string {
  const lines = ['[server:main]', 'host = 127.0.0.1', `port = ${port}`, '', '[app:main]', 'app_config = app.yml', ''];
  // pulsar-main logs nothing below WARNING unless the ini configures logging.
  if (webless) {
    lines.push(
      '[loggers]', 'keys = root', '', '[handlers]', 'keys = console', '', '[formatters]', 'keys = generic', '',
      '[logger_root]', 'level = INFO', 'handlers = console', '',
      '[handler_console]', 'class = StreamHandler', 'args = (sys.stderr,)', 'level = NOTSET', 'formatter = generic', '',
      '[formatter_generic]', 'format = %(asctime)s %(levelname)-5.5s [%(name)s][%(threadName)s] %(message)s', '',
    );
  }
  return lines.join('\n');
}

/** Asks the OS for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

async function waitForHealthz(url: string, token: string | null, signal: AbortSignal): Promise<string> {
  const target = new URL('healthz', url);
  if (token !== null) target.searchParams.set('private_token', token);
  while (!signal.aborted) {
    try {
      const response = await fetch(target, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        const body = JSON.parse(await response.text()) as { version?: unknown };
        return String(body.version);
      }
      await response.body?.cancel();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('gave up waiting for /healthz');
}

/** Webless readiness: the manager's setup, status and kill queues each have a consumer on the broker. */
function waitForConsumers(url: string, manager: string, prefix: string | undefined): (server: PulsarServer, signal: AbortSignal) => Promise<void> {
  const queues = pulsarQueues(manager, prefix);
  return async (_server, signal) => {
    while (!signal.aborted) {
      const connection = await connect(url).catch(() => undefined);
      if (connection) {
        try {
          let consumed = true;
          for (const queue of [queues.setup, queues.status, queues.kill]) {
            // checkQueue fails (and closes its channel) while Pulsar has not declared the queue yet.
            const channel = await connection.createChannel();
            channel.on('error', () => undefined);
            const found = await channel.checkQueue(queue).catch(() => undefined);
            if (!found || found.consumerCount < 1) consumed = false;
            await channel.close().catch(() => undefined);
            if (!consumed) break;
          }
          if (consumed) return;
        } finally {
          await connection.close().catch(() => undefined);
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
}

/** Runs a readiness check until it resolves, the time is up, or the process exits. */
async function untilReady<T>(check: (signal: AbortSignal) => Promise<T>, ms: number, proc: ChildProcess, logFile: string): Promise<T> {
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onExit: (() => void) | undefined;
  const failure = new Promise<never>((_, reject) => {
    const fail = async (why: string) => {
      stop.abort();
      const log = await readFile(logFile, 'utf8').catch(() => '');
      reject(new Error(`Pulsar ${why}; end of ${logFile}:\n${log.slice(-3000)}`));
    };
    timer = setTimeout(() => void fail(`did not become ready within ${ms} ms`), ms);
    onExit = () => void fail(`exited during start-up (code ${proc.exitCode}, signal ${proc.signalCode})`);
    proc.once('exit', onExit);
  });
  try {
    return await Promise.race([check(stop.signal), failure]);
  } finally {
    stop.abort();
    clearTimeout(timer);
    if (onExit) proc.off('exit', onExit);
  }
}

/**
 * Every process in session `sid`, from `ps`. The server is started in a session of its own
 * (`detached`), and its jobs stay in it although Pulsar gives each a process group of its own.
 */
function sessionMembers(sid: number): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,sid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return table
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([pid, session]) => session === sid && pid !== undefined && !Number.isNaN(pid))
    .map(([pid]) => pid as number);
}

/** Kills a job process and, when it leads one, its process group. */
function killJob(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // not a group leader, or already gone
    }
  }
}

