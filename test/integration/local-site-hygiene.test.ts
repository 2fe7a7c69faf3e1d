// Local site hygiene (issue 20, acceptance 4): a private work directory per user by
// default, another user's directory refused and an open one closed, job directories
// removed as the cleanup policy says, old ones collected, and two users' sites running
// jobs side by side on this machine (two real uids, through setpriv).
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, LocalSite, submitJob, ValidationError, type JobSpec, type LocalCleanup } from '../../src/node.js';
import { collectGarbage } from '../../src/sites/local/work-dir.js';

const execFileAsync = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const POLL = { engine: new JobEngine({ poll: { minIntervalMs: 50, maxIntervalMs: 200 } }) };
const SECOND_UIDS = [54_321, 54_322];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-hygiene-'));
  await chmod(dir, 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ok: JobSpec = { executors: [{ image: 'alpine', command: ['sh', '-c', 'echo fine'] }] };
const failing: JobSpec = { executors: [{ image: 'alpine', command: ['sh', '-c', 'exit 3'] }] };

async function jobDirs(workDir: string): Promise<string[]> {
  return (await readdir(join(workDir, 'jobs')).catch(() => [] as string[])).sort();
}

describe('the default work directory', () => {
  it('is the user’s cache directory, made private (0700)', async () => {
    const saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(dir, 'xdg-cache');
    try {
      const site = new LocalSite({ allowNoContainer: true });
      expect(site.workDir).toBe(join(dir, 'xdg-cache', 'pulsar-network', 'local'));
      expect((await site.probe()).ok).toBe(true);
      expect((await stat(site.workDir)).mode & 0o777).toBe(0o700);
      await site.close();
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it('refuses a directory of another user, and closes one open to others', async () => {
    const theirs = join(dir, 'theirs');
    await mkdir(theirs, { mode: 0o700 });
    await chown(theirs, SECOND_UIDS[0] as number, SECOND_UIDS[0] as number);
    const site = new LocalSite({ allowNoContainer: true, workDir: theirs });
    const probe = await site.probe();
    expect(probe.ok).toBe(false);
    expect(probe.error).toContain(`belongs to uid ${SECOND_UIDS[0]}, not to this user (uid 0)`);
    const error = await site.submit(ok, { idempotencyKey: 'k-theirs' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(await readdir(theirs)).toEqual([]);

    const open = join(dir, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    const mine = new LocalSite({ allowNoContainer: true, workDir: open });
    expect((await mine.probe()).ok).toBe(true);
    expect((await stat(open)).mode & 0o777).toBe(0o700);
  });
});

describe('cleanup policies', () => {
  const cases: Array<[LocalCleanup | undefined, { complete: boolean; failed: boolean }]> = [
    [undefined, { complete: false, failed: true }],
    ['onSuccess', { complete: false, failed: true }],
    ['always', { complete: false, failed: false }],
    ['never', { complete: true, failed: true }],
  ];
  for (const [cleanup, kept] of cases) {
    it(`${cleanup ?? 'the default (onSuccess)'}: keeps the directory of a complete job ${kept.complete}, of a failed one ${kept.failed}`, async () => {
      const workDir = join(dir, `cleanup-${cleanup ?? 'default'}`);
      const site = new LocalSite({ allowNoContainer: true, workDir, ...(cleanup ? { cleanup } : {}) });
      const good = await submitJob(site, ok, POLL).wait();
      const bad = await submitJob(site, failing, POLL).wait();
      expect([good.state, bad.state]).toEqual(['complete', 'executor_error']);
      expect(good.logs.executors[0]?.stdout).toBe('fine\n');
      const left = await jobDirs(workDir);
      expect(left.includes(good.remoteId as string)).toBe(kept.complete);
      expect(left.includes(bad.remoteId as string)).toBe(kept.failed);
      await site.close();
    });
  }

  it('delivers the outputs before the directory goes', async () => {
    const workDir = join(dir, 'cleanup-outputs');
    const site = new LocalSite({ allowNoContainer: true, workDir });
    const out = join(dir, 'delivered.txt');
    const result = await submitJob(site, { outputs: [{ path: '/out/a.txt', url: out }], executors: [{ image: 'alpine', command: ['sh', '-c', 'echo kept > /out/a.txt'] }] }, POLL).wait();
    expect(result.state).toBe('complete');
    expect(result.outputs[0]?.sizeBytes).toBe(5);
    expect(await jobDirs(workDir)).toEqual([]);
    await site.close();
  });
});

describe('collectGarbage', () => {
  it('removes ended job directories older than the limit and keeps running and recent ones', async () => {
    const workDir = join(dir, 'gc');
    const site = new LocalSite({ allowNoContainer: true, workDir, cleanup: 'never' });
    const old = await submitJob(site, ok, POLL).wait();
    const recent = await submitJob(site, failing, POLL).wait();
    const running = submitJob(site, { executors: [{ image: 'alpine', command: ['sleep', '30'] }] }, POLL);
    await new Promise<void>((done) => running.on('state', (e) => e.state === 'running' && done()));
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const id of [old.remoteId, running.remoteId]) await utimes(join(workDir, 'jobs', id as string), hourAgo, hourAgo);
    const report = await collectGarbage(workDir, 30 * 60_000);
    expect(report.removed).toEqual([old.remoteId]);
    expect(report.running).toEqual([running.remoteId]);
    expect(await jobDirs(workDir)).toEqual([recent.remoteId, running.remoteId].sort());
    expect(await site.lookup('never-made')).toBeUndefined();
    await running.cancel();
    await running.wait();
    await site.close();
  });
});

/** A readable copy of the built package (`dist`, package.json) with its runtime dependencies, for other uids. */
async function packageCopy(to: string): Promise<string> {
  const built = join(ROOT, 'dist', 'node.js');
  expect(existsSync(built), `${built} is missing: run npm run build first`).toBe(true);
  await cp(join(ROOT, 'dist'), join(to, 'dist'), { recursive: true });
  await cp(join(ROOT, 'package.json'), join(to, 'package.json'));
  const manifest = (name: string): { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> } =>
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  const wanted = [...Object.keys(root.dependencies ?? {}), ...Object.keys(root.peerDependencies ?? {})];
  const copied = new Set<string>();
  while (wanted.length > 0) {
    const name = wanted.pop() as string;
    if (copied.has(name) || !existsSync(join(ROOT, 'node_modules', name))) continue;
    copied.add(name);
    await cp(join(ROOT, 'node_modules', name), join(to, 'node_modules', name), { recursive: true, dereference: true });
    wanted.push(...Object.keys(manifest(name).dependencies ?? {}));
  }
  await execFileAsync('chmod', ['-R', 'a+rX', to]);
  return to;
}


/** Runs a script as another uid (setpriv) with its own HOME; resolves with its stdout. */
function runAs(uid: number, home: string, script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      'setpriv',
      [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'env', '-u', 'XDG_CACHE_HOME', `HOME=${home}`, process.execPath, script],
      { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('two users on one machine', () => {
  it('run jobs side by side, each in a private directory of their own', async () => {
    // Needs root to act as two other users; a machine where this cannot run fails here, it is not skipped.
    expect(process.getuid?.(), 'this test runs as root to act as two other uids (setpriv)').toBe(0);
    await promisify(execFile)('setpriv', ['--version']);
    // The other users cannot be assumed to read the checkout (CI clones into a 0700 temp dir):
    // they run the built package from a copy in this test's own world-readable directory.
    const pkg = await packageCopy(join(dir, 'pkg'));
    const script = join(dir, 'as-user.mjs');
    await writeFile(
      script,
      [
        `import { LocalSite, submitJob } from ${JSON.stringify(join(pkg, 'dist', 'node.js'))};`,
        `const site = new LocalSite({ allowNoContainer: true, cleanup: 'never' });`,
        `const spec = { executors: [{ image: 'alpine', command: ['sh', '-c', 'date +%s%N; id -u; sleep 1.5; date +%s%N'] }] };`,
        `const result = await submitJob(site, spec).wait();`,
        `console.log(JSON.stringify({ workDir: site.workDir, state: result.state, stdout: result.logs.executors[0]?.stdout }));`,
      ].join('\n'),
    );
    await chmod(script, 0o644);
    const homes = await Promise.all(
      SECOND_UIDS.map(async (uid) => {
        const home = join(dir, `home-${uid}`);
        await mkdir(home, { mode: 0o700 });
        await chown(home, uid, uid);
        return home;
      }),
    );
    const runs = await Promise.all(SECOND_UIDS.map((uid, i) => runAs(uid, homes[i] as string, script)));
    const spans: Array<[number, number]> = [];
    for (const [i, run] of runs.entries()) {
      const uid = SECOND_UIDS[i] as number;
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as { workDir: string; state: string; stdout: string };
      expect(report.state).toBe('complete');
      expect(report.workDir).toBe(join(homes[i] as string, '.cache', 'pulsar-network', 'local'));
      const [started, who, ended] = report.stdout.trim().split('\n');
      expect(Number(who)).toBe(uid);
      spans.push([Number(started) / 1e6, Number(ended) / 1e6]);
      const info = await stat(report.workDir);
      expect([info.uid, info.mode & 0o777]).toEqual([uid, 0o700]);
      const jobs = await readdir(join(report.workDir, 'jobs'));
      expect(jobs).toHaveLength(1);
      expect((await stat(join(report.workDir, 'jobs', jobs[0] as string))).uid).toBe(uid);
    }
    // side by side: the two jobs' runs overlap in time
    const [a, b] = spans as [[number, number], [number, number]];
    expect(Math.max(a[0], b[0])).toBeLessThan(Math.min(a[1], b[1]));
  });
});
