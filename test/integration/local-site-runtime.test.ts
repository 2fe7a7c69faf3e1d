// Job directories are kept (cleanup: 'never'): these tests read them after the jobs end.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { detectContainerRuntimes, isRuntimeAvailable, JobEngine, LocalSite, submitJob } from '../../src/internal.js';
import { acceptanceSpec, describeAcceptance, EXPECTED } from './jobs-acceptance.js';

// No container runtime can run on the test machines, so a stand-in `podman`
// on PATH plays one: it answers `podman version`, and for `podman run` it
// records its arguments, then runs the command with the `-v host:container`
// mounts applied to its arguments, `-w` as working directory and `-e` as
// environment, passing stdin/stdout/stderr and the exit code through. This
// checks the local site's side of the contract: detection, the argv it
// builds, redirections and exit codes through a wrapper.
const FAKE_PODMAN = `#!/usr/bin/env node
const { spawnSync } = require('node:child_process');
const { appendFileSync } = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === 'version') { console.log('4.9.0-fake'); process.exit(0); }
if (args[0] !== 'run') process.exit(125);
appendFileSync(process.env.FAKE_PODMAN_LOG, JSON.stringify(args) + '\\n');
const mounts = []; const env = {}; let cwd; let i = 1;
for (; i < args.length; i++) {
  const a = args[i];
  if (a === '--rm' || a === '-i') continue;
  if (a === '-v') { const [h, c] = args[++i].split(':'); mounts.push([c, h]); continue; }
  if (a === '-w') { cwd = args[++i]; continue; }
  if (a === '-e') { const v = args[++i]; const k = v.slice(0, v.indexOf('=')); env[k] = v.slice(k.length + 1); continue; }
  break;
}
const host = (p) => { for (const [c, h] of mounts.sort((x, y) => y[0].length - x[0].length)) p = p.split(c + '/').join(h + '/'); return p; };
const [image, ...command] = args.slice(i);
if (!image) process.exit(125);
const r = spawnSync(command[0], command.slice(1).map(host), { stdio: 'inherit', cwd: cwd ? host(cwd + '/') : undefined, env: { ...process.env, ...env } });
process.exit(r.status ?? 1);
`;

let dir: string;
let savedPath: string | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-site-runtime-'));
  await writeFile(join(dir, 'podman'), FAKE_PODMAN);
  await chmod(join(dir, 'podman'), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${dir}:${savedPath}`;
  process.env.FAKE_PODMAN_LOG = join(dir, 'podman.log');
});
afterAll(async () => {
  process.env.PATH = savedPath;
  delete process.env.FAKE_PODMAN_LOG;
  await rm(dir, { recursive: true, force: true });
});

it('detects a runtime only when it answers', async () => {
  expect(await isRuntimeAvailable('podman')).toBe(true);
  expect(await detectContainerRuntimes()).toContain('podman');
  expect(await isRuntimeAvailable('singularity')).toBe(false);
});

it('runs the acceptance spec through the runtime with the image, mounts and redirections', async () => {
  const site = new LocalSite({ workDir: join(dir, 'site'), containerRuntime: 'podman' });
  expect((await site.probe()).containerRuntimes).toContain('podman');
  const work = await mkdtemp(join(dir, 'accept-'));
  const result = await submitJob(site, await acceptanceSpec(work), { engine: new JobEngine({ poll: { minIntervalMs: 50 } }) }).wait();
  expect(result.state).toBe('complete');
  expect(await readFile(join(work, 'out-sorted.txt'), 'utf8')).toBe(EXPECTED.sorted);
  expect(await readFile(join(work, 'out-shout.txt'), 'utf8')).toBe(EXPECTED.shout);
  const calls = (await readFile(join(dir, 'podman.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as string[]);
  expect(calls).toHaveLength(2);
  expect(calls[0]).toEqual(expect.arrayContaining(['run', '--rm', '-i', '-e', 'LC_ALL=C', 'alpine:3', 'sort', '/data/in/words.txt']));
  expect(calls[0]!.filter((a) => a.includes('/root/data/')).sort()).toEqual([expect.stringMatching(/\/root\/data\/in:\/data\/in$/), expect.stringMatching(/\/root\/data\/out:\/data\/out$/)]);
});

let viaRuntime: LocalSite;
describeAcceptance('LocalSite through a container runtime', {
  site: () => (viaRuntime ??= new LocalSite({ workDir: join(dir, 'site-auto'), containerRuntime: 'auto', cleanup: 'never' })),
  reopen: () => new LocalSite({ workDir: join(dir, 'site-auto'), containerRuntime: 'auto', cleanup: 'never' }),
  workDir: () => mkdtemp(join(dir, 'acceptance-')),
  poll: { minIntervalMs: 50 },
});
