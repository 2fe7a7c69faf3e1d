/**
 * One SDK transfer in a process of its own, measured from inside:
 * `sdk.ts down <url> <file> [ranges]` or `sdk.ts up <url> <file>`. Prints one
 * JSON line: wall ms, CPU ms of the process (all threads) during the transfer,
 * full (major) GCs, and peak RSS growth over the RSS before it.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { HttpClient } from '../../src/index.js';
import { transfer, uploadSink, urlSource } from '../../src/transfer-entry.js';
import { fileSink, fileSource, nodeHttpFetch } from '../../src/node.js';

const [direction, url, file, ranges] = process.argv.slice(2);
if (!direction || !url || !file) throw new Error('usage: sdk.ts down|up <url> <file> [ranges]');
const http = new HttpClient({ baseUrl: url, ...(process.env.TRANSFER_FETCH !== 'fetch' && { fetch: nodeHttpFetch }) });
const from = direction === 'up' ? await fileSource(file) : urlSource(http, { path: 'big.bin' });
const to = direction === 'up' ? uploadSink(http, { path: 'up-sdk.bin' }) : fileSink(file);

let majorGcs = 0;
const gcs = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
  }
});
gcs.observe({ entryTypes: ['gc'] });
const baseline = process.memoryUsage.rss();
let peak = baseline;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 10);
const cpu = process.cpuUsage();
const started = performance.now();
await transfer({ from, to, limiter: false, ...(ranges ? { ranges: Number(ranges) } : {}) });
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
// Let the observer deliver the last entries.
await new Promise((resolve) => setTimeout(resolve, 50));
gcs.disconnect();
process.stdout.write(`${JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, majorGcs, rssGrowth: peak - baseline })}\n`);
