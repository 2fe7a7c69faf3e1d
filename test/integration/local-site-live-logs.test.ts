// Job directories are kept (cleanup: 'never'): these tests read them after the jobs end.
// Live logs of the real LocalSite: its readLogs over the executors' log
// files, and Jobs that stream them while they run.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JobEngine,
  LocalSite,
  Network,
  nodeSiteRegistry,
  submitJob,
  UnknownJobError,
  type Job,
  type JobLogEvent,
  type JobSpec,
  type JobState,
} from '../../src/node.js';

const POLL = { engine: new JobEngine({ poll: { minIntervalMs: 100, maxIntervalMs: 300 } }) };
let dir: string;
let site: LocalSite;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-live-logs-'));
  site = new LocalSite({ allowNoContainer: true, workDir: join(dir, 'site'), cleanup: 'never' });
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

function shell(...scripts: string[]): JobSpec {
  return { executors: scripts.map((script) => ({ image: 'alpine', command: ['sh', '-c', script] })) };
}

/**
 * Every log event, with the job's state when it came and whether the job's
 * run script had finished then (its `finished` marker in the job directory):
 * the final log events also come while the state is still `running` (they
 * precede the terminal state), so `live` is what tells a streamed event.
 */
function recordLogs(job: Job, workDir: string): Array<JobLogEvent & { during: JobState; live: boolean }> {
  const seen: Array<JobLogEvent & { during: JobState; live: boolean }> = [];
  job.on('log', (e) => {
    const finished = existsSync(join(workDir, 'jobs', job.remoteId as string, 'finished'));
    seen.push({ ...e, during: job.state, live: job.state === 'running' && !finished });
  });
  return seen;
}

function textOf(logs: JobLogEvent[], stream: 'stdout' | 'stderr', executor: number): string {
  return logs
    .filter((l) => l.stream === stream && l.executor === executor)
    .map((l) => l.text)
    .join('');
}

describe('LocalSite live logs', () => {
  it('streams stdout and stderr while the job runs; streamed + final text is exactly what it printed', async () => {
    const job = submitJob(site, shell('for i in 1 2 3; do echo line $i; echo err $i >&2; sleep 1; done', 'echo second; echo oops >&2'), POLL);
    const logs = recordLogs(job, site.workDir);
    const result = await job.wait();
    expect(result.state).toBe('complete');
    expect(logs.filter((l) => l.stream === 'stdout' && l.live).length).toBeGreaterThan(0);
    expect(textOf(logs, 'stdout', 0)).toBe('line 1\nline 2\nline 3\n');
    expect(textOf(logs, 'stderr', 0)).toBe('err 1\nerr 2\nerr 3\n');
    expect(textOf(logs, 'stdout', 1)).toBe('second\n');
    expect(textOf(logs, 'stderr', 1)).toBe('oops\n');
    expect(logs.filter((l) => l.stream === 'system')).toEqual([]);
    expect(result.logs.executors).toEqual([
      { exitCode: 0, stdout: 'line 1\nline 2\nline 3\n', stderr: 'err 1\nerr 2\nerr 3\n' },
      { exitCode: 0, stdout: 'second\n', stderr: 'oops\n' },
    ]);
  });

  it('gives a character whose bytes were written apart as one whole character', async () => {
    // é is \303\251: the job writes its first byte, then waits for the test before writing the second.
    const go = join(dir, 'go');
    const job = submitJob(site, shell(`printf 'ab\\303'; while [ ! -e '${go}' ]; do sleep 0.05; done; printf '\\251cd\\n'`), POLL);
    const logs = recordLogs(job, site.workDir);
    await new Promise<void>((resolve) => job.on('site', (e) => e.action === 'submitted' && resolve()));
    const remoteId = job.remoteId as string;
    let first = await site.readLogs(remoteId, undefined);
    while (first.chunks.length === 0) {
      await new Promise((r) => setTimeout(r, 20));
      first = await site.readLogs(remoteId, undefined);
    }
    expect(first.chunks).toEqual([{ executor: 0, stream: 'stdout', offset: 0, bytes: 2, text: 'ab' }]);
    await writeFile(go, '');
    await job.wait();
    const rest = await site.readLogs(remoteId, first.cursor);
    expect(rest.chunks).toEqual([{ executor: 0, stream: 'stdout', offset: 2, bytes: 5, text: 'écd\n' }]);
    const stdout = logs.filter((l) => l.stream === 'stdout');
    expect(stdout.map((l) => l.text).join('')).toBe('abécd\n');
    expect(stdout.some((l) => l.text.includes('\uFFFD'))).toBe(false);
  });

  it('caps each read: a flood of é is skipped down to whole characters, and a system line counts the skipped bytes', async () => {
    // 20000 é (40000 bytes) at once, then 3 more after a pause, read 501 bytes at most at a time.
    const job = submitJob(site, shell("sleep 1; yes é | head -n 20000 | tr -d '\\n'; sleep 1; printf 'ééé'"), {
      ...POLL,
      liveLogs: { maxBytes: 501 },
    });
    const logs = recordLogs(job, site.workDir);
    const result = await job.wait();
    expect(result.state).toBe('complete');
    const stdout = logs.filter((l) => l.stream === 'stdout');
    const skips = logs.filter((l) => l.stream === 'system').map((l) => /^stdout of executor 0: skipped (\d+) bytes /.exec(l.text)?.[1]);
    expect(skips.length).toBeGreaterThan(0);
    expect(skips.every((n) => n !== undefined)).toBe(true);
    for (const chunk of stdout) {
      expect(chunk.text).toMatch(/^é+$/);
      expect(new TextEncoder().encode(chunk.text).length).toBeLessThanOrEqual(501);
    }
    const streamed = stdout.reduce((n, l) => n + new TextEncoder().encode(l.text).length, 0);
    const skipped = skips.reduce((n, s) => n + Number(s), 0);
    expect(streamed + skipped).toBe(2 * 20_003);
    // wait() keeps the collected logs as before: the last 64 KiB, here all of it
    expect(result.logs.executors[0]?.stdout).toBe('é'.repeat(20_003));
  });

  it('readLogs reads from the cursor on, and knows no job of another work directory', async () => {
    const job = submitJob(site, shell('echo one; echo two >&2'), POLL);
    const result = await job.wait();
    const remoteId = result.remoteId as string;
    const first = await site.readLogs(remoteId, undefined);
    expect(first.chunks).toEqual([
      { executor: 0, stream: 'stdout', offset: 0, bytes: 4, text: 'one\n' },
      { executor: 0, stream: 'stderr', offset: 0, bytes: 4, text: 'two\n' },
    ]);
    expect((await site.readLogs(remoteId, first.cursor)).chunks).toEqual([]);
    await expect(site.readLogs('no-such-job', undefined)).rejects.toBeInstanceOf(UnknownJobError);
    await expect(site.readLogs('../etc', undefined)).rejects.toBeInstanceOf(UnknownJobError);
  });

  it('streams the logs of a job a network runs on a local site', async () => {
    const network = await Network.create(
      { sites: [{ id: 'laptop', kind: 'local', options: { allowNoContainer: true, workDir: join(dir, 'network-site') } }] },
      { registry: nodeSiteRegistry(), ...POLL },
    );
    try {
      const job = network.submit(shell('for i in 1 2 3; do echo line $i; sleep 1; done; echo done >&2'));
      const logs = recordLogs(job, join(dir, 'network-site'));
      const result = await job.wait();
      expect(result.state).toBe('complete');
      expect(logs.filter((l) => l.stream === 'stdout' && l.live).length).toBeGreaterThan(0);
      expect(textOf(logs, 'stdout', 0)).toBe('line 1\nline 2\nline 3\n');
      expect(textOf(logs, 'stderr', 0)).toBe('done\n');
      expect(result.logs.executors).toEqual([{ exitCode: 0, stdout: 'line 1\nline 2\nline 3\n', stderr: 'done\n' }]);
    } finally {
      await network.close();
    }
  });

  it('streams the logs of a job found again with network.attach (a restarted caller)', async () => {
    const config = { sites: [{ id: 'laptop', kind: 'local' as const, options: { allowNoContainer: true, cleanup: 'never', workDir: join(dir, 'attach-site') } }] };
    const first = await Network.create(config, { registry: nodeSiteRegistry(), ...POLL });
    const spec = shell('sleep 1; for i in 1 2 3; do echo line $i; sleep 1; done');
    const submitted = first.submit(spec);
    await new Promise<void>((resolve) => submitted.on('site', (e) => e.action === 'submitted' && resolve()));
    const remoteId = submitted.remoteId as string;
    await first.close();
    const second = await Network.create(config, { registry: nodeSiteRegistry(), ...POLL });
    try {
      const job = second.attach('laptop', remoteId, spec);
      const logs = recordLogs(job, join(dir, 'attach-site'));
      const result = await job.wait();
      expect(result.state).toBe('complete');
      expect(logs.filter((l) => l.stream === 'stdout' && l.live).length).toBeGreaterThan(0);
      expect(textOf(logs, 'stdout', 0)).toBe('line 1\nline 2\nline 3\n');
    } finally {
      await second.close();
    }
  });
});
