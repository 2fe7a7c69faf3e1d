// Job directories are kept (cleanup: 'never'): these tests read them after the jobs end.
/**
 * The bubblewrap sandbox of the local site (issue 17 acceptance 2 and 4,
 * issue 23 acceptance 2), with the real bwrap that `npm run peers` installs.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, LocalSite, probeBubblewrap, submitJob, ValidationError, type JobSpec } from '../../src/internal.js';

const POLL = { engine: new JobEngine({ poll: { minIntervalMs: 50, maxIntervalMs: 200 } }) };
let dir: string;
/** A host directory outside /tmp (which the sandbox replaces): writes there would reach the host. */
let outside: string;
let site: LocalSite;

beforeAll(async () => {
  expect(await probeBubblewrap()).toEqual({ usable: true });
  dir = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
  outside = await mkdtemp('/var/tmp/sandbox-test-');
  site = new LocalSite({ sandbox: 'bubblewrap', workDir: join(dir, 'site'), killGraceMs: 500, cleanup: 'never', binds: [{ path: join(outside, 'shared'), writable: true }], storages: [pathToFileURL(join(outside, 'ro')).href] });
  await mkdir(join(outside, 'shared'), { recursive: true });
  await mkdir(join(outside, 'ro'), { recursive: true });
});
afterAll(async () => {
  await site?.close();
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const run = (spec: JobSpec, on: LocalSite = site) => submitJob(on, spec, POLL).wait();
const sh = (script: string, extra: Partial<JobSpec['executors'][number]> = {}): JobSpec['executors'][number] => ({ image: 'ignored', command: ['sh', '-c', script], ...extra });

describe('a sandboxed local site', () => {
  it('gives each task its own /tmp: two at once write /tmp/x without clashing, the host /tmp untouched', async () => {
    const name = `/tmp/x-${randomUUID()}`;
    const task = (who: string): JobSpec => ({
      outputs: [{ path: '/data/seen.txt', url: join(dir, `seen-${who}.txt`) }],
      executors: [sh(`echo ${who} > ${name}; sleep 1; cat ${name} > /data/seen.txt; ls -A /tmp > /data/tmp-list.txt`)],
    });
    const [a, b] = await Promise.all([run(task('a')), run(task('b'))]);
    expect([a.state, b.state]).toEqual(['complete', 'complete']);
    expect(await readFile(join(dir, 'seen-a.txt'), 'utf8')).toBe('a\n');
    expect(await readFile(join(dir, 'seen-b.txt'), 'utf8')).toBe('b\n');
    await expect(stat(name)).rejects.toThrow(/ENOENT/);
  });

  it('cannot write outside its own paths: not the host, not its read-only inputs, not the site work directory', async () => {
    await writeFile(join(outside, 'ro', 'ref.txt'), 'reference\n');
    const probe = [
      ['/etc/pn-escape', '/usr/pn-escape', `${outside}/pn-escape`, '/data/in/ref.txt', `${site.workDir}/pn-escape`, '/root/pn-escape']
        .map((p) => `(echo x >> ${p}) 2>/dev/null && echo "wrote ${p}"`)
        .join('; '),
      `ls ${site.workDir} 2>/dev/null | wc -l > /data/work-entries`,
      'echo ok > /data/own.txt',
    ].join('; ');
    const result = await run({
      inputs: [{ path: '/data/in/ref.txt', url: pathToFileURL(join(outside, 'ro', 'ref.txt')).href }],
      outputs: [
        { path: '/data/own.txt', url: join(dir, 'own.txt') },
        { path: '/data/work-entries', url: join(dir, 'work-entries') },
      ],
      executors: [sh(probe)],
    });
    expect(result.state).toBe('complete');
    expect(result.logs.executors[0]?.stdout).toBe('');
    expect(await readFile(join(dir, 'own.txt'), 'utf8')).toBe('ok\n');
    // the site's jobs are hidden from the task
    expect(await readFile(join(dir, 'work-entries'), 'utf8')).toBe('0\n');
    expect(await readFile(join(outside, 'ro', 'ref.txt'), 'utf8')).toBe('reference\n');
    await expect(stat(join(outside, 'pn-escape'))).rejects.toThrow(/ENOENT/);
    await expect(stat('/etc/pn-escape')).rejects.toThrow(/ENOENT/);
  });

  it('links a task leaves do not lead the site out: redirections opened inside, logs and outputs not read through them', async () => {
    await writeFile(join(outside, 'secret.txt'), 'host secret\n');
    await mkdir(join(outside, 'victim'), { recursive: true });
    const result = await run({
      outputs: [{ path: '/data/leak', url: join(dir, 'leaked.txt') }],
      executors: [
        sh(`ln -s ${outside}/secret.txt /data/leak; ln -s ${outside}/victim /data/dir`),
        { image: 'ignored', command: ['echo', 'pwned'], stdout: '/data/dir/written.txt', ignore_error: true },
        { image: 'ignored', command: ['true'], stdout: '/data/leak', stderr: '/data/dir/err.txt', ignore_error: true },
      ],
    });
    expect(result.state).toBe('system_error');
    expect(result.logs.system).toContain('output /data/leak is a link out of the job directory; it was not delivered');
    expect(JSON.stringify(result.logs)).not.toContain('host secret');
    await expect(stat(join(outside, 'victim', 'written.txt'))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(outside, 'victim', 'err.txt'))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(dir, 'leaked.txt'))).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('host secret\n');
  });

  it('uses a directory input under a writable shared path in place: the inode is the host one, and writes land there', async () => {
    const store = join(outside, 'shared', 'jobstore');
    await mkdir(store, { recursive: true });
    await writeFile(join(store, 'state'), 'v1\n');
    const hostInode = (await stat(store)).ino;
    const result = await run({
      inputs: [{ path: store, url: pathToFileURL(store).href, type: 'DIRECTORY' }],
      outputs: [{ path: '/data/inode', url: join(dir, 'inode') }],
      executors: [sh(`stat -c %i ${store} > /data/inode; cat ${store}/state; echo v2 > ${store}/state`)],
    });
    expect(result.state).toBe('complete');
    expect(result.logs.executors[0]?.stdout).toBe('v1\n');
    expect(Number(await readFile(join(dir, 'inode'), 'utf8'))).toBe(hostInode);
    expect(await readFile(join(store, 'state'), 'utf8')).toBe('v2\n');
    // nothing was copied into the job directory
    const jobRoot = join(site.workDir, 'jobs', result.remoteId as string, 'root');
    expect(await readdir(join(jobRoot, store))).toEqual([]);
  });

  it("runs in the executor's working directory, made fresh, and with the environment TES gives (nothing of the site's)", async () => {
    process.env.PN_SITE_SECRET = 'not-for-tasks';
    try {
      const result = await run({
        outputs: [{ path: '/mnt/task/work/out.txt', url: join(dir, 'wd-out.txt') }],
        executors: [sh('pwd; echo "${PN_SITE_SECRET:-unset} $GREETING $HOME $TMPDIR"; echo made > out.txt', { workdir: '/mnt/task/work', env: { GREETING: 'hi' } })],
      });
      expect(result.state).toBe('complete');
      expect(result.logs.executors[0]?.stdout).toBe('/mnt/task/work\nunset hi /tmp /tmp\n');
      expect(await readFile(join(dir, 'wd-out.txt'), 'utf8')).toBe('made\n');
    } finally {
      delete process.env.PN_SITE_SECRET;
    }
  });

  it('kills the whole sandbox on cancel, children included', async () => {
    const marker = `${Math.floor(Math.random() * 1000) + 3000}.5`;
    const job = submitJob(site, { executors: [sh(`sleep ${marker} & sleep ${marker}; wait`)] }, POLL);
    await new Promise<void>((resolve) => job.on('state', (e) => e.state === 'running' && resolve()));
    await waitFor(async () => (await processesWith(marker)).length === 2);
    await job.cancel();
    expect((await job.wait()).state).toBe('canceled');
    await waitFor(async () => (await processesWith(marker)).length === 0);
  });

  it('keeps the network out when sandboxNetwork is false', async () => {
    const server = createServer((_req, res) => res.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const connect = `python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:${port}/', timeout=5).read().decode())" 2>/dev/null || echo unreachable`;
    const closed = new LocalSite({ sandbox: 'bubblewrap', sandboxNetwork: false, workDir: join(dir, 'site-nonet') });
    try {
      expect((await run({ executors: [sh(connect)] })).logs.executors[0]?.stdout).toBe('reached\n');
      expect((await run({ executors: [sh(connect)] }, closed)).logs.executors[0]?.stdout).toBe('unreachable\n');
    } finally {
      server.close();
      await closed.close();
    }
  });
});

describe('when bubblewrap does not work', () => {
  /** A PATH whose bwrap fails as one without user namespaces does. */
  async function brokenBwrapPath(): Promise<string> {
    const bin = await mkdtemp(join(dir, 'bin-'));
    await writeFile(join(bin, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to create a new namespace" >&2\nexit 1\n');
    await chmod(join(bin, 'bwrap'), 0o755);
    return `${bin}:${process.env.PATH ?? ''}`;
  }

  it("refuses every job, saying why, and reports the site unhealthy (sandboxFallback 'refuse', the default)", async () => {
    const path = process.env.PATH;
    process.env.PATH = await brokenBwrapPath();
    try {
      const refusing = new LocalSite({ sandbox: 'bubblewrap', workDir: join(dir, 'site-refuse') });
      const error = await refusing.submit({ executors: [sh('true')] }, { idempotencyKey: 'k' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'sandbox', message: expect.stringMatching(/^the bubblewrap sandbox is not usable here: bwrap failed: bwrap: No permissions to create a new namespace; or set sandboxFallback: 'warn'/) }]);
      expect(await refusing.probe()).toMatchObject({ ok: false, error: expect.stringMatching(/not usable here/) });
      expect(await readdir(join(dir, 'site-refuse')).catch(() => [])).not.toContain('jobs');
    } finally {
      process.env.PATH = path;
    }
  });

  it("runs plain processes with a warning in the job's system logs (sandboxFallback 'warn')", async () => {
    const path = process.env.PATH;
    process.env.PATH = await brokenBwrapPath();
    try {
      const warning = new LocalSite({ sandbox: 'bubblewrap', sandboxFallback: 'warn', workDir: join(dir, 'site-warn') });
      const result = await run({ outputs: [{ path: '/data/o', url: join(dir, 'warned.txt') }], executors: [sh('echo plain > /data/o', { workdir: '/data/fresh' })] }, warning);
      expect(result.state).toBe('complete');
      expect(result.logs.system).toEqual([expect.stringMatching(/^the bubblewrap sandbox is not usable here: .*; the job ran as plain processes/)]);
      expect(await readFile(join(dir, 'warned.txt'), 'utf8')).toBe('plain\n');
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('working directories (issue 23)', () => {
  for (const sandboxed of [true, false]) {
    it(`an executor whose workdir is a fresh container path runs there (${sandboxed ? 'sandbox' : 'plain processes'})`, async () => {
      const on = sandboxed ? site : new LocalSite({ allowNoContainer: true, workDir: join(dir, 'site-plain') });
      // as Sprocket sends it: the outermost container directory is /mnt/task, the working directory below it
      const result = await run(
        {
          inputs: [{ path: '/mnt/task/inputs/note', content: 'x' }],
          outputs: [{ path: '/mnt/task/here.txt', url: join(dir, `here-${sandboxed}.txt`) }],
          executors: [sh('pwd > /mnt/task/here.txt', { workdir: '/mnt/task/work', stdout: '/mnt/task/stdout' })],
        },
        on,
      );
      expect(result.state).toBe('complete');
      expect(await readFile(join(dir, `here-${sandboxed}.txt`), 'utf8')).toMatch(sandboxed ? /^\/mnt\/task\/work\n$/ : /\/root\/mnt\/task\/work\n$/);
    });
  }
});

/** Live processes whose command line has `marker` as a word. */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(marker) && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') found.push(Number(entry));
  }
  return found;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
