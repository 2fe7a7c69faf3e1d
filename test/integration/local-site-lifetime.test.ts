import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalSite } from '../../src/node.js';

// A script's process lives as long as it waits for a job, and no longer:
// the watcher's timer keeps it alive only while someone listens.
const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(repo, 'node_modules', '.bin', 'tsx');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-site-lifetime-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `import { JobEngine, LocalSite, submitJob } from ${JSON.stringify(join(repo, 'src', 'node.ts'))};\nconst site = new LocalSite({ allowNoContainer: true, workDir: ${JSON.stringify(join(dir, 'site'))} });\n${body}\n`);
  return (await run(tsx, [file], { cwd: repo })).stdout.trim();
}

it('keeps the process alive while it awaits wait()', async () => {
  const out = await script(
    'wait.mts',
    `const job = submitJob(site, { executors: [{ image: 'a', command: ['sh', '-c', 'sleep 1; echo slept'] }] }, { engine: new JobEngine({ poll: { minIntervalMs: 200 } }) });
const result = await job.wait();
console.log(result.state, result.logs.executors[0]?.stdout?.trim());`,
  );
  expect(out).toBe('complete slept');
});

it('lets the process end once nobody watches, leaving the job running for a later attach', async () => {
  const remoteId = await script(
    'detach.mts',
    `const job = submitJob(site, { executors: [{ image: 'a', command: ['sleep', '30'] }] }, { engine: new JobEngine({ poll: { minIntervalMs: 100 } }) });
const controller = new AbortController();
try {
  for await (const e of job.watch({ signal: controller.signal })) if (e.type === 'state' && e.state === 'running') controller.abort();
} catch {}
console.log(job.remoteId);`,
  );
  const site = new LocalSite({ allowNoContainer: true, workDir: join(dir, 'site'), killGraceMs: 200 });
  expect((await site.attach(remoteId)).state).toBe('running');
  await site.cancel(remoteId);
});
