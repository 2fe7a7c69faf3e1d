/**
 * An emulated long link of the bench's own: two network namespaces (client,
 * server) joined by a path delayed `delayMs` and limited to `rate` each way.
 * With `sch_netem` in the kernel it is a veth pair with `tc netem` on both
 * ends; without it (this bench machine's kernel has none) it is two TUN
 * devices joined by delay-line.py, a userspace netem. TCP is the kernels' own
 * either way; only the bench's traffic crosses the link. Needs root.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LongLink {
  /** How the link is emulated, for the report. */
  kind: string;
  /** The namespace clients run in. */
  clientNetns: string;
  /** The namespace the server runs in. */
  serverNetns: string;
  /** The server's address, as clients reach it. */
  serverAddress: string;
  close(): void;
}

function run(args: string[]): void {
  const result = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr || result.error?.message}`);
}

/** Sets the link up: `delayMs` each way (a round trip of twice that), `rateBits` per second each way. */
export async function openLongLink(delayMs = 20, rateBits = 1e9): Promise<LongLink> {
  const id = process.pid % 10_000;
  const [client, server] = [`pnbc${id}`, `pnbs${id}`];
  const [a, b] = [`pnba${id}`, `pnbb${id}`];
  const subnet = `10.213.${id % 250}`;
  let line: ChildProcess | undefined;
  const close = (): void => {
    line?.stdin?.end();
    spawnSync('ip', ['netns', 'del', client]);
    spawnSync('ip', ['netns', 'del', server]);
  };
  try {
    run(['ip', 'netns', 'add', client]);
    run(['ip', 'netns', 'add', server]);
    let kind: string;
    if (spawnSync('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]).status === 0 && netem(a, delayMs, rateBits)) {
      kind = `tc netem, ${delayMs} ms + ${rateBits / 1e9} Gbit/s each way on a veth pair`;
    } else {
      spawnSync('ip', ['link', 'del', a]);
      line = spawn('python3', [join(import.meta.dirname, 'delay-line.py'), a, b, String(delayMs), String(rateBits)], { stdio: ['pipe', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        line!.once('error', reject);
        line!.once('exit', (code) => reject(new Error(`delay-line.py exited with ${code}`)));
        createInterface({ input: line!.stdout! }).once('line', () => resolve());
      });
      kind = `no sch_netem in this kernel: TUN pair + delay-line.py (userspace netem), ${delayMs} ms + ${rateBits / 1e9} Gbit/s each way`;
    }
    for (const [dev, ns, host] of [[a, client, 1], [b, server, 2]] as const) {
      run(['ip', 'link', 'set', dev, 'netns', ns]);
      run(['ip', '-n', ns, 'addr', 'add', `${subnet}.${host}/30`, 'dev', dev]);
      run(['ip', '-n', ns, 'link', 'set', dev, 'mtu', line ? '65000' : '1500', 'up']);
      run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      if (!line) run(['ip', 'netns', 'exec', ns, 'tc', 'qdisc', 'replace', 'dev', dev, 'root', ...netemArgs(delayMs, rateBits)]);
    }
    return { kind, clientNetns: client, serverNetns: server, serverAddress: `${subnet}.2`, close };
  } catch (error) {
    close();
    throw error;
  }
}

/** netem holds a whole bandwidth-delay product (1 Gbit/s × 20 ms ≈ 1,700 packets), so its queue must be long. */
function netemArgs(delayMs: number, rateBits: number): string[] {
  return ['netem', 'delay', `${delayMs}ms`, 'rate', `${rateBits}bit`, 'limit', '100000'];
}

function netem(dev: string, delayMs: number, rateBits: number): boolean {
  return spawnSync('tc', ['qdisc', 'add', 'dev', dev, 'root', ...netemArgs(delayMs, rateBits)]).status === 0;
}

/** Whether aria2c is installed (scripts/peers/install-aria2.sh). */
export function hasAria2(): boolean {
  return spawnSync('aria2c', ['--version']).status === 0;
}

/** Starts the bench's file server inside the server namespace; resolves with its URL and a stop function. */
export function serveIn(link: LongLink, root: string, serverTs: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn('ip', ['netns', 'exec', link.serverNetns, process.execPath, '--import', 'tsx', serverTs, root, link.serverAddress], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    createInterface({ input: child.stdout! }).once('line', (url) => resolve({ url, stop: () => child.stdin!.end() }));
  });
}
