/**
 * Moves 1 GiB up and down over loopback through the SDK and through curl,
 * against the same static server (its own process) in the same run, and
 * prints throughput, the ratio SDK/curl and the SDK's peak RSS growth.
 * Goals (issue 5): ratio >= 0.9, RSS growth < 64 MiB.
 *
 * Run: `npx tsx bench/transfer/main.ts` (TRANSFER_BENCH_MIB=256 for a quicker run).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HttpClient } from '../../src/http/client.js';
import { fileSink, fileSource, nodeHttpFetch } from '../../src/node/index.js';
import { transfer, uploadSink, urlSource } from '../../src/transfer/index.js';
import { makeFile } from './make-file.js';

const MIB = 1024 * 1024;
const SIZE = Number(process.env.TRANSFER_BENCH_MIB ?? 1024) * MIB;
const ROUNDS = Number(process.env.TRANSFER_BENCH_ROUNDS ?? 3);

const dir = await mkdtemp(join(tmpdir(), 'pn-bench-transfer-'));
const served = join(dir, 'served');
const local = join(dir, 'local');
await Promise.all([mkdir(served), mkdir(local)]);
await makeFile(join(served, 'big.bin'), SIZE);
await makeFile(join(local, 'big.bin'), SIZE);

const server = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server.ts'), served], { stdio: ['pipe', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => createInterface({ input: server.stdout! }).once('line', resolve));

try {
  // The SDK as a Node user runs it: node:http through nodeHttpFetch (TRANSFER_FETCH=fetch for Node's fetch).
  const http = new HttpClient({ baseUrl: url, ...(process.env.TRANSFER_FETCH !== 'fetch' && { fetch: nodeHttpFetch }) });
  const rows: Array<{ what: string; sdk: number; curl: number; rss: number }> = [];
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);

  /** Runs SDK and curl alternately, ROUNDS times each, and keeps the best of each (the machine is shared). */
  const race = async (sdk: () => Promise<void>, peer: () => Promise<void>): Promise<{ sdk: number; curl: number; rss: number }> => {
    let fastestSdk = Infinity;
    let fastestCurl = Infinity;
    let rss = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const base = process.memoryUsage().rss;
      peak = base;
      let started = performance.now();
      await sdk();
      fastestSdk = Math.min(fastestSdk, performance.now() - started);
      rss = Math.max(rss, peak - base);
      started = performance.now();
      await peer();
      fastestCurl = Math.min(fastestCurl, performance.now() - started);
    }
    const rate = (ms: number): number => SIZE / MIB / (ms / 1000);
    return { sdk: rate(fastestSdk), curl: rate(fastestCurl), rss };
  };

  rows.push({
    what: 'download',
    ...(await race(
      async () => void (await transfer({ from: urlSource(http, { path: 'big.bin' }), to: fileSink(join(local, 'down-sdk.bin')), limiter: false })),
      () => curl(['-sSf', '-o', join(local, 'down-curl.bin'), `${url}big.bin`]),
    )),
  });
  // The SDK hashes what it writes; this peer does the same (curl into tee into sha256sum).
  rows.push({
    what: 'down+sha',
    ...(await race(
      async () => void (await transfer({ from: urlSource(http, { path: 'big.bin' }), to: fileSink(join(local, 'down-sdk.bin')), limiter: false })),
      () => shell(`curl -sSf '${url}big.bin' | tee '${join(local, 'down-curl.bin')}' | sha256sum > /dev/null`),
    )),
  });
  rows.push({
    what: 'upload',
    ...(await race(
      async () => void (await transfer({ from: await fileSource(join(local, 'big.bin')), to: uploadSink(http, { path: 'up-sdk.bin' }), limiter: false })),
      () => curl(['-sSf', '-o', '/dev/null', '-T', join(local, 'big.bin'), `${url}up-curl.bin`]),
    )),
  });
  clearInterval(sampler);

  for (const name of ['down-sdk.bin', 'down-curl.bin']) {
    if ((await stat(join(local, name))).size !== SIZE) throw new Error(`${name} has the wrong size`);
  }
  console.log(`transfer bench: ${SIZE / MIB} MiB over loopback, best of ${ROUNDS}, node ${process.version}, SDK over ${process.env.TRANSFER_FETCH === 'fetch' ? 'fetch' : 'nodeHttpFetch'} (SDK hashes sha256 as it goes; curl does not, except in the down+sha row: curl | tee | sha256sum)`);
  console.log('direction   SDK MiB/s   curl MiB/s   SDK/curl   SDK peak RSS growth');
  for (const row of rows) {
    console.log(
      `${row.what.padEnd(10)} ${row.sdk.toFixed(0).padStart(10)} ${row.curl.toFixed(0).padStart(12)} ${(row.sdk / row.curl).toFixed(2).padStart(10)}   ${(row.rss / MIB).toFixed(1)} MiB`,
    );
  }
  console.log(`process peak RSS (maxRSS): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; RSS before the transfers ${(baseline / MIB).toFixed(0)} MiB; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  server.stdin!.end();
  await rm(dir, { recursive: true, force: true });
}

function shell(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `set -e; ${script}`], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
  });
}

function curl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`curl exited with ${code}`))));
  });
}
