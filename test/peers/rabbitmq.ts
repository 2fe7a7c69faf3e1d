/**
 * Starts a real RabbitMQ broker (Debian's `rabbitmq-server`, installed by
 * scripts/peers/install-rabbitmq.sh) for integration tests: its own node name,
 * data and log directories (owned by the `rabbitmq` user when started as root,
 * as Debian's wrapper drops to it), its own epmd, all on free loopback ports;
 * stopped cleanly, epmd included. See ../shared/RECIPES.md.
 *
 * ```ts
 * const broker = await startRabbitMq();
 * try {
 *   // amqp://guest:guest@127.0.0.1:<port>
 *   console.log(broker.url);
 * } finally {
 *   await broker.stop();
 * }
 * ```
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killGroup, killOnExit } from './process-group.js';
import { freePort } from './pulsar.js';

const run = promisify(execFile);

/**
 * How the broker is started. As root, through Debian's wrappers (`/usr/sbin/rabbitmq-server`,
 * or `$RABBITMQ_SERVER`), which drop to the `rabbitmq` user: its directories must then belong
 * to that user. As anyone else, the scripts the wrappers call (`$RABBITMQ_BIN`, default
 * `/usr/lib/rabbitmq/bin`) run as the current user, with the Erlang cookie in the broker's own
 * directory.
 */
export function rabbitMqPaths(): { server: string; ctl: string; epmd: string; dropsToRabbitmqUser: boolean } {
  const epmd = process.env.EPMD ?? 'epmd';
  if (process.getuid?.() === 0) {
    const server = process.env.RABBITMQ_SERVER ?? '/usr/sbin/rabbitmq-server';
    return { server, ctl: join(server, '..', 'rabbitmqctl'), epmd, dropsToRabbitmqUser: true };
  }
  const bin = process.env.RABBITMQ_BIN ?? '/usr/lib/rabbitmq/bin';
  return { server: join(bin, 'rabbitmq-server'), ctl: join(bin, 'rabbitmqctl'), epmd, dropsToRabbitmqUser: false };
}

/** A running test broker. */
export interface RabbitMqBroker {
  /** `amqp://guest:guest@127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stops the broker, keeping its data (durable queues and persistent messages) for {@link RabbitMqBroker.start}. */
  halt(): Promise<void>;
  /** Starts a halted broker again on the same ports with the same data. */
  start(): Promise<void>;
  /** `halt()`, then `start()` after `downMs`. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the broker and its epmd and removes its directories. Safe to call twice. */
  stop(): Promise<void>;
  /** The broker's log so far. */
  log(): Promise<string>;
}

/** Starts a broker and waits until it accepts AMQP connections (about 6 s). */
export async function startRabbitMq(options: { startTimeoutMs?: number } = {}): Promise<RabbitMqBroker> {
  const paths = rabbitMqPaths();
  if (!existsSync(paths.server)) throw new Error(`RabbitMQ is not installed at ${paths.server}: run scripts/peers/install-rabbitmq.sh`);
  const dir = await mkdtemp(join(tmpdir(), 'pulsar-network-rabbitmq-'));
  const mnesia = join(dir, 'mnesia');
  const logs = join(dir, 'log');
  await mkdir(mnesia, { recursive: true });
  await mkdir(logs, { recursive: true });
  if (paths.dropsToRabbitmqUser) {
    const { uid, gid } = await rabbitmqUser();
    for (const d of [dir, mnesia, logs]) await chown(d, uid, gid);
  }
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const node = `pn${randomBytes(4).toString('hex')}@localhost`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RABBITMQ_MNESIA_BASE: mnesia,
    RABBITMQ_LOG_BASE: logs,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    // Without the wrapper's `su`, the Erlang cookie (server and rabbitmqctl alike) lives here.
    ...(paths.dropsToRabbitmqUser ? {} : { HOME: dir }),
  };
  const outFile = join(dir, 'server.out');
  let child: ChildProcess | undefined;
  let stopped = false;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;

  const start = async (): Promise<void> => {
    const out = openSync(outFile, 'a');
    try {
      child = spawn(paths.server, [], { cwd: dir, env, detached: true, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const proc = child;
    killOnExit(proc);
    const deadline = Date.now() + startTimeoutMs;
    while (!(await accepts(port))) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`RabbitMQ exited during start-up:\n${(await broker.log()).slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`RabbitMQ did not listen within ${startTimeoutMs} ms:\n${(await broker.log()).slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((done) => proc.once('exit', () => done()));
    await run(paths.ctl, ['stop'], { env, timeout: 30_000 }).catch(() => killGroup(proc, 'SIGTERM'));
    const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    killGroup(proc, 'SIGKILL');
  };

  const broker: RabbitMqBroker = {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    dir,
    halt,
    start,
    async restart({ downMs = 0 } = {}) {
      await halt();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt();
      // The broker's epmd outlives it; it serves only this broker's port, so end it.
      await run(paths.epmd, ['-port', String(epmdPort), '-kill'], { env, timeout: 10_000 }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
    async log() {
      const parts = [await readFile(outFile, 'utf8').catch(() => '')];
      parts.push(await readFile(join(logs, `${node}.log`), 'utf8').catch(() => ''));
      return parts.join('\n');
    },
  };

  try {
    await start();
  } catch (error) {
    await broker.stop();
    throw error;
  }
  return broker;
}

async function rabbitmqUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'rabbitmq']), run('id', ['-g', 'rabbitmq'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}


