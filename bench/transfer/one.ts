/**
 * One SDK transfer of a file already served, for profiling (`node --cpu-prof --import tsx bench/transfer/one.ts`):
 * TRANSFER_ONE=down|up, TRANSFER_FETCH=node-http|fetch, TRANSFER_BENCH_MIB (default 512).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HttpClient } from '../../src/index.js';
import { transfer, uploadSink, urlSource } from '../../src/transfer-entry.js';
import { fileSink, fileSource, nodeHttpFetch } from '../../src/node.js';
import { makeFile } from './make-file.js';

const MIB = 1024 * 1024;
const SIZE = Number(process.env.TRANSFER_BENCH_MIB ?? 512) * MIB;
const dir = await mkdtemp(join(tmpdir(), 'pn-bench-one-'));
await mkdir(join(dir, 'served'));
await makeFile(join(dir, 'served', 'big.bin'), SIZE);
const server = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server.ts'), join(dir, 'served')], { stdio: ['pipe', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => createInterface({ input: server.stdout! }).once('line', resolve));
try {
  const http = new HttpClient({ baseUrl: url, ...(process.env.TRANSFER_FETCH !== 'fetch' && { fetch: nodeHttpFetch }) });
  const started = performance.now();
  const cpu = process.cpuUsage();
  if (process.env.TRANSFER_ONE === 'up') {
    await transfer({ from: await fileSource(join(dir, 'served', 'big.bin')), to: uploadSink(http, { path: 'up.bin' }), limiter: false });
  } else {
    await transfer({ from: urlSource(http, { path: 'big.bin' }), to: fileSink(join(dir, 'down.bin')), limiter: false });
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  console.log(`${process.env.TRANSFER_ONE ?? 'down'} ${process.env.TRANSFER_FETCH ?? 'node-http'}: ${(SIZE / MIB / (ms / 1000)).toFixed(0)} MiB/s, CPU user ${(used.user / 1000).toFixed(0)} ms + system ${(used.system / 1000).toFixed(0)} ms`);
} finally {
  server.stdin!.end();
  await rm(dir, { recursive: true, force: true });
}
