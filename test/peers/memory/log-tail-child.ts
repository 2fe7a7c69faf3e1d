/**
 * Runs one job on a Pulsar REST or TES site in a process of its own and
 * reports how much its resident memory grew while the job's logs were read
 * (VmHWM after the job against VmRSS before it; the high-water mark is
 * reset first). Prints one JSON line.
 *
 *   node --import tsx log-tail-child.ts pulsar URL TOKEN | tes URL
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PulsarRestSite, submitJob, TesSite, type Site } from '../../../src/node.js';

const [kind, url, token] = process.argv.slice(2);
const site: Site =
  kind === 'pulsar'
    ? new PulsarRestSite({ client: { url: url as string, ...(token ? { token } : {}) }, allowNoContainer: true })
    : new TesSite({ client: { baseUrl: url as string } });
const spec = { executors: [{ image: 'alpine', command: ['sh', '-c', 'echo a small stdout'] }] };

const status = (): string => readFileSync('/proc/self/status', 'utf8');
const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status())?.[1] ?? NaN);

// one job first (its site gives it a large log), so code, connections, caches and the
// garbage collector's working size are as they are once a large log has been read
await submitJob(site, spec).wait();
const before = kib('VmRSS');
writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
const result = await submitJob(site, spec).wait();
const peak = kib('VmHWM');
const stdout = result.logs.executors[0]?.stdout ?? '';
process.stdout.write(`${JSON.stringify({ state: result.state, stdoutBytes: Buffer.byteLength(stdout), stdoutEnd: stdout.slice(-24), beforeMiB: before / 1024, growthMiB: (peak - before) / 1024 })}\n`);
await site.close?.();
process.exit(0);
