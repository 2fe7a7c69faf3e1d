/**
 * Starts a real Funnel (the GA4GH TES server in Go, built from ../shared/peers/funnel by
 * scripts/peers/install-funnel.sh) for integration tests and bench/tes: boltdb and work
 * directories in a temp dir, local compute, executors run by the container driver
 * (scripts/peers/funnel/funnel-driver.sh: the host's tools in private namespaces, no
 * Docker), remote storage backends off, `LocalStorage.AllowedDirs` set.
 *
 * Funnel listens on every interface, so it runs in a network namespace of its own (only
 * loopback there) and a relay carries its HTTP port to a free port on 127.0.0.1: nothing of
 * it is reachable from outside this host. As root, or in a user namespace it makes for other users.
 *
 * ```ts
 * const funnel = await startFunnel({ allowedDirs: [scratch] });
 * try {
 *   const tes = new TesClient({ baseUrl: funnel.url });
 * } finally {
 *   await funnel.stop();
 * }
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { killGroup, killOnExit } from './process-group.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RELAY = join(dirname(fileURLToPath(import.meta.url)), 'funnel', 'relay.mjs');
/** Funnel's ports inside its own network namespace (nothing else listens there). */
const INNER_HTTP_PORT = 8000;
const INNER_RPC_PORT = 9090;

/** Where scripts/peers/install-funnel.sh builds Funnel (the same rule as the script). */
export function funnelCacheDir(): string {
  return process.env.CI === 'true'
    ? join(REPO, '.peers', 'funnel')
    : join(process.env.PULSAR_NETWORK_CACHE ?? join(homedir(), '.cache', 'pulsar-network'), 'funnel');
}

/** The installed Funnel: its build directory and what the install script wrote there. */
export interface FunnelInstall {
  dir: string;
  binary: string;
  driver: string;
  config: string;
  /** `<release>+<commit>`, as the binary reports it in service-info. */
  version: string;
}

/** `building`, `ok`, `failed`, or `none` when no build was ever started for the current source. */
function buildStatus(dir: string): string {
  try {
    return readFileSync(join(dir, 'status'), 'utf8').trim();
  } catch {
    return 'none';
  }
}

function buildAlive(dir: string): boolean {
  try {
    process.kill(Number(readFileSync(join(dir, 'build.pid'), 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

async function buildLogTail(dir: string): Promise<string> {
  return (await readFile(join(dir, 'build.log'), 'utf8').catch(() => '')).slice(-3000);
}

/**
 * The Funnel that `npm run peers` built or is building (in the background): waits for the
 * build to end, then returns it. Throws, with the end of the build log, when the build
 * failed, stopped, or never started.
 */
export async function waitForFunnelBuild(options: { timeoutMs?: number } = {}): Promise<FunnelInstall> {
  const current = join(funnelCacheDir(), 'current');
  if (!existsSync(current)) throw new Error(`Funnel is not installed (no ${current}): run scripts/peers/install-funnel.sh (npm run peers)`);
  const dir = readFileSync(current, 'utf8').trim();
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  for (;;) {
    const status = buildStatus(dir);
    if (status === 'ok') break;
    if (status === 'failed') throw new Error(`the Funnel build failed; end of ${join(dir, 'build.log')}:\n${await buildLogTail(dir)}`);
    if (status === 'none') throw new Error(`no Funnel build was started in ${dir}: run scripts/peers/install-funnel.sh (npm run peers)`);
    // `building`: the builder writes its pid once it holds the build lock, within moments.
    if (!buildAlive(dir) && Date.now() - started > 15_000) {
      throw new Error(`the Funnel build stopped before it finished: run scripts/peers/install-funnel.sh again; end of its log:\n${await buildLogTail(dir)}`);
    }
    if (Date.now() - started > timeoutMs) throw new Error(`the Funnel build did not finish within ${timeoutMs} ms; end of ${join(dir, 'build.log')}:\n${await buildLogTail(dir)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return {
    dir,
    binary: join(dir, 'funnel'),
    driver: join(dir, 'funnel-driver.sh'),
    config: join(dir, 'funnel.yml'),
    version: readFileSync(join(dir, 'version'), 'utf8').trim(),
  };
}

/** Options of {@link startFunnel}. */
export interface StartFunnelOptions {
  /** Directories `file://` inputs and outputs may use (beside the server's own `files` dir). */
  allowedDirs?: string[];
  /** Longest wait for the build (see {@link waitForFunnelBuild}). @default 30 minutes */
  buildTimeoutMs?: number;
  /** Longest wait for service-info to answer. @default 60000 */
  startTimeoutMs?: number;
  /** Keep the temp dir after stop() (for debugging). @default process.env.FUNNEL_KEEP_DIRS === '1' */
  keepDirs?: boolean;
}

/** A running test Funnel. */
export interface FunnelServer {
  /** The TES base URL: `http://127.0.0.1:PORT/ga4gh/tes/v1` (Funnel serves `/v1` too). */
  readonly url: string;
  /** `http://127.0.0.1:PORT` (what py-tes takes). */
  readonly origin: string;
  /** The version the binary reports (`<release>+<commit>`). */
  readonly version: string;
  /** The temp dir holding the database, work dirs, config and log. */
  readonly dir: string;
  /** A directory inside `dir` that is always among the allowed dirs. */
  readonly files: string;
  /** Every directory `LocalStorage.AllowedDirs` lists. */
  readonly allowedDirs: readonly string[];
  readonly logFile: string;
  /** Process ids of the executors running now (the driver's pid files: each leads its process group). */
  executorPids(): Promise<number[]>;
  /** Stops Funnel, its relays and every executor still running, and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
  /** The server log so far. */
  log(): Promise<string>;
}

/** Starts Funnel with its own config and namespace, and waits until its service-info answers. */
export async function startFunnel(options: StartFunnelOptions = {}): Promise<FunnelServer> {
  const install = await waitForFunnelBuild(options.buildTimeoutMs === undefined ? {} : { timeoutMs: options.buildTimeoutMs });
  const dir = await mkdtemp(join(tmpdir(), 'pulsar-network-funnel-'));
  const files = join(dir, 'files');
  const driverState = join(dir, 'driver');
  await Promise.all([files, join(driverState, 'root'), join(dir, 'work')].map((d) => mkdir(d, { recursive: true })));
  const allowedDirs = [files, ...(options.allowedDirs ?? [])];
  const configFile = join(dir, 'funnel.yml');
  await writeFile(configFile, instanceConfig(await readFile(install.config, 'utf8'), { dir, driver: install.driver, allowedDirs }));
  const logFile = join(dir, 'funnel.log');
  const socket = join(dir, 'http.sock');
  let stopped = false;
  const children: ChildProcess[] = [];

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const child of children) killGroup(child, 'SIGKILL');
    for (const child of children) child.kill('SIGKILL');
    // Executors run in sessions of their own (the driver's setsid): end each group.
    for (const pid of await executorPids(driverState)) killExecutor(pid);
    if (!(options.keepDirs ?? process.env.FUNNEL_KEEP_DIRS === '1')) await rm(dir, { recursive: true, force: true });
  };

  try {
    children.push(spawnFunnel(install, { dir, configFile, logFile, socket, driverState }));
    const relay = spawn(process.execPath, [RELAY, '--listen', 'tcp:127.0.0.1:0', '--connect', `unix:${socket}`, '--watch-stdin'], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(relay);
    killOnExit(relay);
    const port = await relayPort(relay);
    const origin = `http://127.0.0.1:${port}`;
    await untilServing(origin, options.startTimeoutMs ?? 60_000, children[0] as ChildProcess, logFile);
    return {
      url: `${origin}/ga4gh/tes/v1`,
      origin,
      version: install.version,
      dir,
      files,
      allowedDirs,
      logFile,
      executorPids: () => executorPids(driverState),
      stop,
      log: () => readFile(logFile, 'utf8').catch(() => ''),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The instance config: the installed base plus this instance's ports, paths and allowed dirs. */
function instanceConfig(base: string, at: { dir: string; driver: string; allowedDirs: string[] }): string {
  const config = (parse(base) ?? {}) as Record<string, Record<string, unknown>>;
  const section = (name: string): Record<string, unknown> => (config[name] ??= {});
  Object.assign(section('Server'), { HTTPPort: String(INNER_HTTP_PORT), RPCPort: String(INNER_RPC_PORT) });
  Object.assign(section('RPCClient'), { ServerAddress: `127.0.0.1:${INNER_RPC_PORT}` });
  Object.assign(section('BoltDB'), { Path: join(at.dir, 'funnel.db') });
  const worker = section('Worker');
  worker.WorkDir = join(at.dir, 'work');
  worker.Container = { ...(worker.Container as Record<string, unknown>), DriverCommand: at.driver };
  Object.assign(section('LocalStorage'), { AllowedDirs: at.allowedDirs });
  return stringify(config);
}

/**
 * `funnel server run` in a new network namespace (loopback only, brought up first) with the
 * inner relay beside it, in a process group of its own. As a non-root user the namespace
 * comes with a user namespace that maps the user to root.
 */
function spawnFunnel(install: FunnelInstall, at: { dir: string; configFile: string; logFile: string; socket: string; driverState: string }): ChildProcess {
  const script = [
    'ip link set lo up',
    `"$PN_NODE" "$PN_RELAY" --listen "unix:$PN_SOCKET" --connect tcp:127.0.0.1:${INNER_HTTP_PORT} >/dev/null &`,
    'exec "$PN_FUNNEL" server run --config "$PN_CONFIG"',
  ].join('\n');
  const userns = process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
  const out = openSync(at.logFile, 'a');
  try {
    const child = spawn('unshare', [...userns, '--net', 'sh', '-ec', script], {
      cwd: at.dir,
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        PN_NODE: process.execPath,
        PN_RELAY: RELAY,
        PN_SOCKET: at.socket,
        PN_FUNNEL: install.binary,
        PN_CONFIG: at.configFile,
        PN_FUNNEL_DRIVER_STATE: at.driverState,
      },
    });
    killOnExit(child);
    return child;
  } finally {
    closeSync(out);
  }
}

async function relayPort(relay: ChildProcess): Promise<number> {
  const lines = createInterface({ input: relay.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolveLine, reject) => {
    lines.once('line', resolveLine);
    relay.once('exit', (code) => reject(new Error(`the Funnel relay exited (code ${code})`)));
  });
  lines.close();
  const match = /:(\d+)$/.exec((JSON.parse(first) as { listen: string }).listen);
  if (!match) throw new Error(`the Funnel relay said ${first}`);
  return Number(match[1]);
}

/** Waits for `GET /v1/service-info` to answer 200; throws with the log's end if Funnel exits or time runs out. */
async function untilServing(origin: string, ms: number, funnel: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (funnel.exitCode !== null || funnel.signalCode !== null) {
      throw new Error(`Funnel exited during start-up (code ${funnel.exitCode}, signal ${funnel.signalCode}); end of ${logFile}:\n${(await readFile(logFile, 'utf8').catch(() => '')).slice(-3000)}`);
    }
    const ok = await fetch(`${origin}/v1/service-info`, { signal: AbortSignal.timeout(2_000) })
      .then(async (response) => (await response.arrayBuffer(), response.ok))
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Funnel did not answer within ${ms} ms; end of ${logFile}:\n${(await readFile(logFile, 'utf8').catch(() => '')).slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function executorPids(driverState: string): Promise<number[]> {
  const names = await readdir(driverState).catch(() => [] as string[]);
  const pids = await Promise.all(names.filter((n) => n.endsWith('.pid')).map((n) => readFile(join(driverState, n), 'utf8').catch(() => '')));
  return pids.map(Number).filter((pid) => Number.isInteger(pid) && pid > 0);
}

function killExecutor(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}
