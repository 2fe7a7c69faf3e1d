// Job directories are kept (cleanup: 'never'): these tests read them after the jobs end; local-site-hygiene.test.ts tests the cleanup policies.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  Job,
  JobEngine,
  LocalSite,
  submitJob,
  TransferError,
  UnknownJobError,
  ValidationError,
  type JobEvent,
  type JobSiteEvent,
  type JobSpec,
} from '../../src/internal.js';
import { acceptanceSpec, describeAcceptance, expectMonotonic, failingSpec } from './jobs-acceptance.js';

const POLL_OPTIONS = { minIntervalMs: 50, maxIntervalMs: 200 };
const POLL = { engine: new JobEngine({ poll: POLL_OPTIONS }) };
let dir: string;
let site: LocalSite;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-site-test-'));
  site = new LocalSite({ allowNoContainer: true, workDir: join(dir, 'site'), killGraceMs: 500, cleanup: 'never' });
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

/** Processes of a process group that are alive (not zombies), from /proc. */
async function livingMembersOfGroup(pgid: number): Promise<number[]> {
  const living: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') living.push(Number(entry));
  }
  return living;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describeAcceptance('LocalSite', {
  site: () => site,
  reopen: () => new LocalSite({ allowNoContainer: true, workDir: join(dir, 'site'), killGraceMs: 500, cleanup: 'never' }),
  workDir: () => mkdtemp(join(dir, 'acceptance-')),
  poll: POLL_OPTIONS,
});

describe('LocalSite', () => {
  it('reports the staging of both inputs, the delivery of both outputs, and the logs of the executors', async () => {
    const work = await mkdtemp(join(dir, 'accept-'));
    const job = submitJob(site, await acceptanceSpec(work), POLL);
    const events: JobEvent[] = [];
    for await (const event of job.watch()) events.push(event);
    const result = await job.wait();
    expect(result.outputs.map((o) => o.url)).toEqual([join(work, 'out-sorted.txt'), join(work, 'out-shout.txt')]);
    const staged = events.filter((e) => e.type === 'transfer' && e.direction === 'up' && e.done).map((e) => (e.type === 'transfer' ? e.file : ''));
    expect(staged).toEqual(['/data/in/words.txt', '/data/in/greeting.txt']);
    expect(events.filter((e) => e.type === 'transfer' && e.direction === 'down' && e.done)).toHaveLength(2);
    const failed = await submitJob(site, failingSpec(), POLL).wait();
    expect(failed.logs.executors.map((e) => [e.stdout, e.stderr])).toEqual([
      ['first\n', ''],
      ['', 'second fails\n'],
    ]);
  });

  it('stops at the first failure, unless the executor says ignore_error', async () => {
    const stop = await submitJob(
      site,
      { executors: [{ image: 'a', command: ['false'] }, { image: 'a', command: ['true'] }] },
      POLL,
    ).wait();
    expect(stop.exitCodes).toEqual([1]);
    const goOn = await submitJob(
      site,
      { executors: [{ image: 'a', command: ['false'], ignore_error: true }, { image: 'a', command: ['true'] }] },
      POLL,
    ).wait();
    expect(goOn).toMatchObject({ state: 'complete', exitCodes: [1, 0] });
  });

  it('honours stdin, stdout, stderr, env and workdir per executor, with container paths mapped', async () => {
    const work = await mkdtemp(join(dir, 'redirect-'));
    const spec: JobSpec = {
      inputs: [{ path: '/in/name.txt', content: 'Ada\n' }],
      outputs: [
        { path: '/work/greeting.txt', url: join(work, 'greeting.txt') },
        { path: '/work/err.txt', url: join(work, 'err.txt') },
        { path: '/work/where.txt', url: join(work, 'where.txt') },
      ],
      executors: [
        {
          image: 'a',
          command: ['sh', '-c', 'read name; echo "$GREETING, $name"; echo "to stderr" >&2; pwd > where.txt'],
          stdin: '/in/name.txt',
          stdout: '/work/greeting.txt',
          stderr: '/work/err.txt',
          workdir: '/work',
          env: { GREETING: 'Hello' },
        },
      ],
    };
    const result = await submitJob(site, spec, POLL).wait();
    expect(result.state).toBe('complete');
    expect(await readFile(join(work, 'greeting.txt'), 'utf8')).toBe('Hello, Ada\n');
    expect(await readFile(join(work, 'err.txt'), 'utf8')).toBe('to stderr\n');
    expect((await readFile(join(work, 'where.txt'), 'utf8')).trim()).toMatch(/\/jobs\/[0-9a-f-]+\/root\/work$/);
  });

  it('stages an input from an http URL', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/data.txt') res.writeHead(200, { 'content-length': '6' }).end('remote');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const work = await mkdtemp(join(dir, 'http-'));
      const spec: JobSpec = {
        inputs: [{ path: '/data/x.txt', url: `http://127.0.0.1:${port}/data.txt` }],
        outputs: [{ path: '/data/x.txt', url: join(work, 'x.txt') }],
        executors: [{ image: 'a', command: ['true'] }],
      };
      const result = await submitJob(site, spec, POLL).wait();
      expect(result.state).toBe('complete');
      expect(await readFile(join(work, 'x.txt'), 'utf8')).toBe('remote');
      const missing = await submitJob(site, { ...spec, inputs: [{ path: '/data/x.txt', url: `http://127.0.0.1:${port}/nope` }] }, POLL).wait();
      expect(missing.state).toBe('system_error');
      expect(missing.error).toBeInstanceOf(TransferError);
      expect(missing.error?.message).toContain('/data/x.txt');
      expect(missing.error?.message).toContain('404');
    } finally {
      server.close();
    }
  });

  it('never writes a secret of an input URL into errors or job records', async () => {
    const auth: Array<string | undefined> = [];
    const server: Server = createServer((req, res) => {
      auth.push(req.headers.authorization);
      if (req.url?.startsWith('/ok')) res.writeHead(200).end('fine');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const url = `http://user:hunter2@127.0.0.1:${port}/x?access_token=SECRET-TOKEN`;
      const failed = await submitJob(site, { inputs: [{ path: '/data/x', url }], executors: [{ image: 'a', command: ['true'] }] }, POLL).wait();
      expect(failed.state).toBe('system_error');
      const shown = JSON.stringify({ message: failed.error?.message, json: (failed.error as TransferError).toJSON(), logs: failed.logs });
      expect(shown).not.toContain('SECRET-TOKEN');
      expect(shown).not.toContain('hunter2');
      const ok = submitJob(site, { inputs: [{ path: '/data/x', url: url.replace('/x?', '/ok?') }], executors: [{ image: 'a', command: ['true'] }] }, POLL);
      expect((await ok.wait()).state).toBe('complete');
      const record = await readFile(join(site.workDir, 'jobs', ok.remoteId!, 'job.json'), 'utf8');
      expect(record).toContain(`127.0.0.1:${port}/ok`);
      expect(record).not.toContain('SECRET-TOKEN');
      expect(record).not.toContain('hunter2');
      expect(auth.at(-1)).toBe(`Basic ${Buffer.from('user:hunter2').toString('base64')}`);
    } finally {
      server.close();
    }
  });

  it('an aborted submission stops staging and ends the job canceled, leaving nothing behind', async () => {
    const server: Server = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const controller = new AbortController();
      const job = submitJob(site, { inputs: [{ path: '/data/x', url: `http://127.0.0.1:${port}/slow` }], executors: [{ image: 'a', command: ['true'] }] }, { ...POLL, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const result = await job.wait();
      expect(result.state).toBe('canceled');
      expect(result.error?.name).toBe('AbortError');
      expect(result.remoteId).toBeUndefined();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('cancels a sleeping job by killing its process group', async () => {
    const work = await mkdtemp(join(dir, 'cancel-'));
    const job = submitJob(site, { executors: [{ image: 'a', command: ['sh', '-c', `sleep 30; echo late > ${join(work, 'late')}`] }] }, POLL);
    await new Promise<void>((resolve) => job.on('state', (e) => e.state === 'running' && resolve()));
    await job.cancel();
    const result = await job.wait();
    expect(result.state).toBe('canceled');
    expectMonotonic(result, 'queued', 'canceled');
    expect(result.history.map((h) => h.state)).toContain('canceling');
    const pid = Number(await readFile(join(site.workDir, 'jobs', job.remoteId!, 'pid'), 'utf8'));
    expect(await livingMembersOfGroup(pid)).toEqual([]);
  });

  it('refuses an image without allowNoContainer, saying where and why', async () => {
    const strict = new LocalSite({ workDir: join(dir, 'strict') });
    const job = submitJob(strict, failingSpec(), POLL);
    const result = await job.wait();
    expect(result.state).toBe('system_error');
    expect(result.error).toBeInstanceOf(ValidationError);
    expect((result.error as ValidationError).issues[0]).toMatchObject({ path: '$.executors[0].image', message: expect.stringMatching(/allowNoContainer/) });
  });

  it('refuses a named container runtime that is not installed or does not answer', async () => {
    const named = new LocalSite({ workDir: join(dir, 'named'), containerRuntime: 'singularity' });
    await expect(named.submit(failingSpec(), { idempotencyKey: 'k' })).rejects.toThrow(/singularity is not installed or does not answer/);
  });

  it('lets a new LocalSite over the same work directory attach to a running job', async () => {
    const work = await mkdtemp(join(dir, 'attach-'));
    // Kept (cleanup 'never'): the first handle's engine may collect the job too, and the default
    // cleanup would remove the directory the second site reads.
    const first = new LocalSite({ allowNoContainer: true, workDir: join(dir, 'restart'), cleanup: 'never' });
    const spec: JobSpec = {
      outputs: [{ path: '/data/done.txt', url: join(work, 'done.txt') }],
      executors: [{ image: 'a', command: ['sh', '-c', 'sleep 1; echo done > /data/done.txt'] }],
    };
    const job = submitJob(first, spec, POLL);
    const controller = new AbortController();
    await expect(
      (async () => {
        for await (const e of job.watch({ signal: controller.signal })) if (e.type === 'state' && e.state === 'running') controller.abort();
      })(),
    ).rejects.toThrow(/aborted/);
    await first.close();

    const second = new LocalSite({ allowNoContainer: true, workDir: join(dir, 'restart'), cleanup: 'never' });
    const again = await Job.attach(second, job.remoteId!, POLL);
    expect(again.state).toBe('running');
    const result = await again.wait();
    expect(result.state).toBe('complete');
    expect(result.outputs[0]?.sha256).toBe(sha256('done\n'));
    expect(await readFile(join(work, 'done.txt'), 'utf8')).toBe('done\n');
    await expect(Job.attach(second, 'no-such-job')).rejects.toBeInstanceOf(UnknownJobError);
    await expect(Job.attach(second, '../../etc')).rejects.toBeInstanceOf(UnknownJobError);
  });

  it('runs at most maxConcurrentJobs at once; the others wait, queued, for a slot', async () => {
    const one = new LocalSite({ allowNoContainer: true, workDir: join(dir, 'one-slot'), maxConcurrentJobs: 1, killGraceMs: 200 });
    const sleeper = submitJob(one, { executors: [{ image: 'a', command: ['sleep', '30'] }] }, POLL);
    await new Promise<void>((resolve) => sleeper.on('state', (e) => e.state === 'running' && resolve()));
    const next = submitJob(one, { executors: [{ image: 'a', command: ['true'] }] }, POLL);
    await new Promise<void>((resolve) => next.on('site', (e) => e.action === 'submitted' && resolve()));
    const waiting = await one.poll([next.remoteId!]);
    expect(waiting.get(next.remoteId!)).toMatchObject({ state: 'queued', siteState: 'waiting' });
    await sleeper.cancel();
    expect((await next.wait()).state).toBe('complete');
    expect((await sleeper.wait()).state).toBe('canceled');
    await one.close();
  });

  it('cancels a job still waiting for a slot without ever starting it', async () => {
    const one = new LocalSite({ allowNoContainer: true, workDir: join(dir, 'one-slot-cancel'), maxConcurrentJobs: 1, killGraceMs: 200 });
    const sleeper = submitJob(one, { executors: [{ image: 'a', command: ['sleep', '30'] }] }, POLL);
    await new Promise<void>((resolve) => sleeper.on('state', (e) => e.state === 'running' && resolve()));
    const work = await mkdtemp(join(dir, 'never-'));
    const waiting = submitJob(one, { executors: [{ image: 'a', command: ['sh', '-c', `echo ran > ${join(work, 'ran')}`] }] }, POLL);
    await new Promise<void>((resolve) => waiting.on('site', (e) => e.action === 'submitted' && resolve()));
    await waiting.cancel();
    expect((await waiting.wait()).state).toBe('canceled');
    await sleeper.cancel();
    await sleeper.wait();
    await expect(readFile(join(work, 'ran'))).rejects.toThrow(/ENOENT/);
    await one.close();
  });

  it('resolves relative input and output paths against the working directory at submission', async () => {
    const work = await mkdtemp(join(dir, 'relative-'));
    await writeFile(join(work, 'in.txt'), 'relative\n');
    const before = process.cwd();
    process.chdir(work);
    let job;
    try {
      job = submitJob(site, { inputs: [{ path: '/data/in.txt', url: 'in.txt' }], outputs: [{ path: '/data/in.txt', url: 'sub/out.txt' }], executors: [{ image: 'a', command: ['sleep', '0.2'] }] }, POLL);
      await new Promise<void>((resolve) => job!.on('site', (e: JobSiteEvent) => e.action === 'submitted' && resolve()));
    } finally {
      process.chdir(before);
    }
    expect((await job.wait()).state).toBe('complete');
    expect(await readFile(join(work, 'sub', 'out.txt'), 'utf8')).toBe('relative\n');
  });

  it('forgets an ended job on request, and refuses to forget a running one', async () => {
    const done = await submitJob(site, { executors: [{ image: 'a', command: ['true'] }] }, POLL).wait();
    await site.forget(done.remoteId!);
    await expect(site.attach(done.remoteId!)).rejects.toBeInstanceOf(UnknownJobError);
    const running = submitJob(site, { executors: [{ image: 'a', command: ['sleep', '30'] }] }, POLL);
    await new Promise<void>((resolve) => running.on('state', (e) => e.state === 'running' && resolve()));
    await expect(site.forget(running.remoteId!)).rejects.toThrow(/has not ended \(it is running\); cancel it first/);
    await running.cancel();
    await running.wait();
    await site.forget(running.remoteId!);
  });

  it('makes one job per idempotency key', async () => {
    const spec: JobSpec = { executors: [{ image: 'a', command: ['true'] }] };
    const a = await site.submit(spec, { idempotencyKey: 'same-key' });
    const b = await site.submit(spec, { idempotencyKey: 'same-key' });
    const c = await site.submit(spec, { idempotencyKey: 'other-key' });
    expect(b.remoteId).toBe(a.remoteId);
    expect(c.remoteId).not.toBe(a.remoteId);
    expect(await site.lookup('same-key')).toBe(a.remoteId);
    expect(await site.lookup('never-used-key')).toBeUndefined();
    await Job.attach(site, c.remoteId, POLL).then((job) => job.wait());
    await site.forget(c.remoteId);
    expect(await site.lookup('other-key')).toBeUndefined();
  });

  it('ends in system_error, with the reason in the logs, when an output was not produced', async () => {
    const result = await submitJob(site, { outputs: [{ path: '/data/never.txt', url: join(dir, 'never.txt') }], executors: [{ image: 'a', command: ['true'] }] }, POLL).wait();
    expect(result.state).toBe('system_error');
    expect(result.logs.system).toEqual(['output /data/never.txt was not produced by the executors']);
  });

  it('fails the submission when a local input is missing, and leaves no job behind', async () => {
    const job = submitJob(site, { inputs: [{ path: '/data/x', url: join(dir, 'missing.txt') }], executors: [{ image: 'a', command: ['true'] }] }, POLL);
    const result = await job.wait();
    expect(result.state).toBe('system_error');
    expect(result.error).toBeInstanceOf(TransferError);
    expect(result.remoteId).toBeUndefined();
  });

  it('delivers the files matching an output pattern below url, without path_prefix', async () => {
    const work = await mkdtemp(join(dir, 'glob-'));
    const result = await submitJob(
      site,
      {
        outputs: [{ path: '/data/run-*/*.csv', path_prefix: '/data', url: join(work, 'csv') }],
        executors: [{ image: 'a', command: ['sh', '-c', 'mkdir -p /data/run-1 /data/run-2 && echo a > /data/run-1/a.csv && echo b > /data/run-2/b.csv && echo x > /data/run-2/skip.txt'] }],
      },
      POLL,
    ).wait();
    expect(result.state).toBe('complete');
    expect(result.outputs.map((o) => [o.path, o.url])).toEqual([
      ['/data/run-1/a.csv', join(work, 'csv', 'run-1', 'a.csv')],
      ['/data/run-2/b.csv', join(work, 'csv', 'run-2', 'b.csv')],
    ]);
    expect(await readFile(join(work, 'csv', 'run-2', 'b.csv'), 'utf8')).toBe('b\n');
  });

  it('copies a directory input and delivers a directory output file by file', async () => {
    const work = await mkdtemp(join(dir, 'tree-'));
    await writeFile(join(work, 'a.txt'), 'A');
    const result = await submitJob(
      site,
      {
        inputs: [{ path: '/data/in', url: work, type: 'DIRECTORY' }],
        outputs: [{ path: '/data/res', url: join(work, 'res'), type: 'DIRECTORY' }],
        executors: [{ image: 'a', command: ['sh', '-c', 'mkdir -p /data/res/sub && cp /data/in/a.txt /data/res/ && echo B > /data/res/sub/b.txt'] }],
      },
      POLL,
    ).wait();
    expect(result.state).toBe('complete');
    expect(result.outputs.map((o) => [o.path, o.sizeBytes])).toEqual([
      ['/data/res/a.txt', 1],
      ['/data/res/sub/b.txt', 2],
    ]);
    expect(await readFile(join(work, 'res', 'sub', 'b.txt'), 'utf8')).toBe('B\n');
  });
});
