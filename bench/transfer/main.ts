/**
 * The transfer bench. Every contender runs in a process of its own against the
 * same static server (its own process), interleaved, best of N, in one run:
 *
 * 1. Loopback, 1 GiB: download by the SDK (one stream, and split into its
 *    default ranges), `curl -o file`, and the verifying peer `curl | tee file |
 *    openssl dgst -sha256`; upload by the SDK, `curl -T file`, and
 *    `openssl dgst -sha256 file && curl -T file`.
 * 2. An emulated long link (a network namespace of its own, 20 ms + 1 Gbit/s
 *    each way by tc netem): the SDK with 1 and N ranges, curl, and `aria2c -x N`.
 *
 * Columns: MiB/s, ratio to curl, client CPU s/GiB (every thread and process of
 * the client), full (mark-compact) GCs per GiB (SDK), peak RSS growth (SDK) or
 * peak RSS of the largest process (peers). The load average is printed with the
 * figures: the machine is shared.
 *
 * Run: `npx tsx bench/transfer/main.ts` (as root for the long link).
 * TRANSFER_BENCH_MIB (1024), TRANSFER_BENCH_ROUNDS (3), TRANSFER_LONG_MIB (256),
 * TRANSFER_LONG_ROUNDS (2), TRANSFER_RANGES (4), TRANSFER_LONG=0 to skip the long link.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { hasAria2, openLongLink, serveIn } from './long-link.js';
import { makeFile } from './make-file.js';
import { race, type Run, sdk, shell } from './measure.js';

const MIB = 1024 * 1024;
const SIZE = Number(process.env.TRANSFER_BENCH_MIB ?? 1024) * MIB;
const ROUNDS = Number(process.env.TRANSFER_BENCH_ROUNDS ?? 3);
const LONG_SIZE = Number(process.env.TRANSFER_LONG_MIB ?? 256) * MIB;
const LONG_ROUNDS = Number(process.env.TRANSFER_LONG_ROUNDS ?? 2);
const N = Number(process.env.TRANSFER_RANGES ?? 4);
const serverTs = join(import.meta.dirname, 'server.ts');
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

const dir = await mkdtemp(join(tmpdir(), 'pn-bench-transfer-'));
const served = join(dir, 'served');
const local = join(dir, 'local');
await Promise.all([mkdir(served), mkdir(local)]);
const startedAt = new Date().toISOString().slice(0, 16);
console.log(`transfer bench ${startedAt} UTC, node ${process.version}; load average at start ${load()} (2 cores shared with other agents)`);

try {
  await makeFile(join(served, 'big.bin'), SIZE);
  await makeFile(join(local, 'big.bin'), SIZE);
  await loopback();
  if (process.env.TRANSFER_LONG !== '0') await longLink();
} finally {
  await rm(dir, { recursive: true, force: true });
}

async function loopback(): Promise<void> {
  const server = spawn(process.execPath, ['--import', 'tsx', serverTs, served], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => createInterface({ input: server.stdout! }).once('line', resolve));
  const down = (name: string): string => join(local, name);
  try {
    const downloads = await race(
      {
        'SDK, 1 stream': () => sdk(['down', url, down('sdk1.bin'), '1']),
        'SDK, default (auto)': () => sdk(['down', url, down('sdk.bin')]),
        'curl -o file': () => shell(`curl -sSf -o '${down('curl.bin')}' '${url}big.bin'`),
        'curl | tee | openssl sha256': () => shell(`curl -sSf '${url}big.bin' | tee '${down('tee.bin')}' | openssl dgst -sha256 > /dev/null`),
      },
      ROUNDS,
    );
    for (const name of ['sdk1.bin', 'sdk.bin', 'curl.bin', 'tee.bin']) {
      if ((await stat(down(name))).size !== SIZE) throw new Error(`${name} has the wrong size`);
    }
    const uploads = await race(
      {
        SDK: () => sdk(['up', url, join(local, 'big.bin')]),
        'curl -T file': () => shell(`curl -sSf -o /dev/null -T '${join(local, 'big.bin')}' '${url}up-curl.bin'`),
        'openssl sha256 && curl -T': () =>
          shell(`openssl dgst -sha256 '${join(local, 'big.bin')}' > /dev/null && curl -sSf -o /dev/null -T '${join(local, 'big.bin')}' '${url}up-curl.bin'`),
      },
      ROUNDS,
    );
    print(`loopback, ${SIZE / MIB} MiB, best of ${ROUNDS}: download (the SDK always verifies sha256)`, downloads, SIZE, 'curl -o file');
    print(`loopback, ${SIZE / MIB} MiB, best of ${ROUNDS}: upload (the SDK hashes sha256 as it sends)`, uploads, SIZE, 'curl -T file');
  } finally {
    server.stdin!.end();
  }
}

async function longLink(): Promise<void> {
  let link;
  try {
    link = await openLongLink();
  } catch (error) {
    console.log(`\nlong link: skipped (${(error as Error).message.split('\n')[0]}); it needs root, ip and tc`);
    return;
  }
  const root = join(dir, 'long');
  await mkdir(root);
  await makeFile(join(root, 'big.bin'), LONG_SIZE);
  const server = await serveIn(link, root, serverTs);
  const url = server.url;
  const out = (name: string): string => join(local, name);
  const ns = link.clientNetns;
  try {
    const contenders: Record<string, () => Promise<Run>> = {
      'SDK, 1 range': () => sdk(['down', url, out('l-sdk1.bin'), '1'], ns),
      [`SDK, ${N} ranges`]: () => sdk(['down', url, out('l-sdkn.bin'), String(N)], ns),
      'curl -o file': () => shell(`curl -sSf -o '${out('l-curl.bin')}' '${url}big.bin'`, ns),
    };
    if (hasAria2()) {
      contenders[`aria2c -x ${N} -s ${N}`] = () =>
        shell(`rm -f '${out('l-aria.bin')}'; aria2c -q -x ${N} -s ${N} -k 1M --file-allocation=none --allow-overwrite=true -d '${local}' -o l-aria.bin '${url}big.bin'`, ns);
    }
    const best = await race(contenders, LONG_ROUNDS);
    print(`long link (${link.kind}), ${LONG_SIZE / MIB} MiB, best of ${LONG_ROUNDS}`, best, LONG_SIZE, 'curl -o file');
    if (!hasAria2()) console.log('(aria2c not installed: scripts/peers/install-aria2.sh)');
  } finally {
    server.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    link.close();
  }
}

function print(title: string, rows: Record<string, Run>, size: number, base: string): void {
  const gib = size / (1024 * MIB);
  const rate = (run: Run): number => size / MIB / (run.ms / 1000);
  console.log(`\n${title}; load average ${load()}`);
  console.log(`${'contender'.padEnd(30)} ${'MiB/s'.padStart(7)} ${'ratio'.padStart(6)} ${'CPU s/GiB'.padStart(10)} ${'full GC/GiB'.padStart(12)}  peak RSS`);
  for (const [name, run] of Object.entries(rows)) {
    const gcs = run.majorGcs === undefined ? '-' : (run.majorGcs / gib).toFixed(1);
    const rss = `${(run.rss / MIB).toFixed(1)} MiB${run.majorGcs === undefined ? ' (max process)' : ' (growth)'}`;
    console.log(
      `${name.padEnd(30)} ${rate(run).toFixed(0).padStart(7)} ${(rate(run) / rate(rows[base]!)).toFixed(2).padStart(6)} ${(run.cpuMs / 1000 / gib).toFixed(2).padStart(10)} ${gcs.padStart(12)}  ${rss}`,
    );
  }
}
