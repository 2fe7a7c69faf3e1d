// How much the LocalSite adds to running a command: N trivial jobs through
// submitJob + wait (staging an inline input, delivering one output, polling)
// next to the same commands spawned directly with child_process (the peer),
// measured in the same run. Also: poll requests a site's poller sends for 1000 jobs.
//
//   npx tsx bench/local-site.ts [jobs=20]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobEngine, LocalSite, SitePoller, submitJob, type Site, type SiteJobStatus } from '../src/internal.js';

const jobs = Number(process.argv[2] ?? 20);
const dir = await mkdtemp(join(tmpdir(), 'bench-local-site-'));

function spawnDirect(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'cat > /dev/null < /dev/null; echo ok > /dev/null'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

async function timed(what: string, run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  console.log(`${what.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms total ${(ms / jobs).toFixed(1).padStart(7)} ms/job`);
  return ms;
}

console.log(`${jobs} jobs, one after the other, then all at once (maxConcurrentJobs = CPUs)\n`);
const site = new LocalSite({ allowNoContainer: true, workDir: join(dir, 'site') });
const spec = (i: number) => ({
  inputs: [{ path: '/data/in.txt', content: `job ${i}\n` }],
  outputs: [{ path: '/data/out.txt', url: join(dir, `out-${i}.txt`) }],
  executors: [{ image: 'none', command: ['sh', '-c', 'cat /data/in.txt > /data/out.txt'] }],
});
const poll = { engine: new JobEngine({ poll: { minIntervalMs: 20, maxIntervalMs: 200 } }) };

const peerSeq = await timed('peer: spawn sh directly, sequential', async () => {
  for (let i = 0; i < jobs; i++) await spawnDirect();
});
const siteSeq = await timed('LocalSite: submitJob + wait, sequential', async () => {
  for (let i = 0; i < jobs; i++) await submitJob(site, spec(i), poll).wait();
});
const peerPar = await timed('peer: spawn sh directly, concurrent', async () => {
  await Promise.all(Array.from({ length: jobs }, () => spawnDirect()));
});
const sitePar = await timed('LocalSite: submitJob + wait, concurrent', async () => {
  await Promise.all(Array.from({ length: jobs }, (_, i) => submitJob(site, spec(i), poll).wait()));
});
console.log(`\noverhead per job: sequential ${((siteSeq - peerSeq) / jobs).toFixed(1)} ms, concurrent ${((sitePar - peerPar) / jobs).toFixed(1)} ms`);

// Requests per poll cycle for 1000 jobs on one site: the poller batches them.
let polls = 0;
const counting: Site = {
  id: 'count',
  kind: 'tes',
  probe: async () => ({ ok: true, latencyMs: 0 }),
  submit: async () => ({ remoteId: 'x' }),
  poll: async (ids) => {
    polls++;
    return new Map<string, SiteJobStatus>(ids.map((id) => [id, { remoteId: id, state: 'running', siteState: 'RUNNING' }]));
  },
  cancel: async () => undefined,
  collect: async () => ({ state: 'complete', executors: [], outputs: [], systemLogs: [] }),
  attach: async (id) => ({ remoteId: id, state: 'running', siteState: 'RUNNING' }),
};
const watcher = new SitePoller(counting, { minIntervalMs: 10, maxIntervalMs: 10, jitter: 0 });
const stops = Array.from({ length: 1000 }, (_, i) => watcher.watch(`job-${i}`, { status: () => undefined }));
await new Promise((r) => setTimeout(r, 200));
for (const stop of stops) stop();
console.log(`poller: 1000 jobs, ${watcher.polls} cycles, ${polls} site.poll calls (${(polls / watcher.polls).toFixed(2)} per cycle)`);

await site.close();
await rm(dir, { recursive: true, force: true });
