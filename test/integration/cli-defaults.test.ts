/**
 * Issue 20, acceptance 5: the command line's defaults and bad input. `--version`;
 * exit code 2 for every bad input (flags, missing files, configuration values, with
 * the value and a did-you-mean for enums); the configuration found in
 * ./pulsar-network.yaml, $XDG_CONFIG_HOME or ~/.config; `--store memory|sqlite:PATH`;
 * progress lines on stderr while a job fails over; `local gc`.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/commands.js';
import { runCliProcess } from '../peers/gateway/cli-process.js';

let dir: string;
let empty: string;

const network = (workDir: string, extra: string[] = []): string =>
  ['seed: cli-defaults', 'failover: { pollIntervalMs: 100 }', ...extra, 'sites:', '  - id: laptop', '    kind: local', `    options: { allowNoContainer: true, workDir: ${workDir} }`, 'gateway: { store: tasks.db }', ''].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-defaults-'));
  empty = join(dir, 'empty');
  await mkdir(empty);
  await writeFile(join(dir, 'network.yaml'), network(join(dir, 'site')));
  await writeFile(join(dir, 'task.json'), JSON.stringify({ name: 'hi', executors: [{ image: 'alpine', command: ['sh', '-c', 'echo hi'] }] }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in this process (HOME and XDG_* as given, nothing else of this process's env). */
async function cli(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, env: { HOME: empty, ...env } };
  const code = await runCli(argv, io);
  return { code, out, err };
}

describe('pulsar-network --version', () => {
  it('prints the package version and exits 0 (-V too)', async () => {
    const { version } = JSON.parse(await readFile(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const run = await runCliProcess(['--version']);
    expect([run.code, run.stdout]).toEqual([0, `${version}\n`]);
    expect(await cli({}, '-V')).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });
});

describe('bad input exits 2', () => {
  it('an unknown flag, an unknown command, a missing argument', async () => {
    const flag = await cli({}, 'sites', '--config', join(dir, 'network.yaml'), '--nope');
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("unknown option '--nope'");
    const command = await cli({}, 'sitez');
    expect(command.code).toBe(2);
    expect(command.err).toContain("(Did you mean sites?)");
    const missing = await cli({}, 'explain', '--config', join(dir, 'network.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("missing required argument 'task'");
  });

  it('a --config file that does not exist, and no configuration anywhere', async () => {
    const gone = await cli({}, 'sites', '--config', join(dir, 'nope.yaml'));
    expect(gone.code).toBe(2);
    expect(gone.err).toContain(`cannot read ${join(dir, 'nope.yaml')} (ENOENT)`);
    const run = await runCliProcess(['sites'], { cwd: empty, env: { HOME: empty, XDG_CONFIG_HOME: join(empty, 'xdg') } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`no configuration: give --config FILE, or write one of ${join(empty, 'pulsar-network.yaml')}, ${join(empty, 'xdg', 'pulsar-network', 'config.yaml')}, ${join(empty, '.config', 'pulsar-network', 'config.yaml')}`);
  });

  it('a bad value of the configuration: an enum shows the value and the nearest choice', async () => {
    const file = join(dir, 'locl.yaml');
    await writeFile(file, network(join(dir, 'site')).replace('kind: local', 'kind: locl'));
    const run = await cli({}, 'sites', '--config', file);
    expect(run.code).toBe(2);
    expect(run.err).toContain('$.sites[0].kind: must be one of tes, pulsar-rest, pulsar-amqp, local — got "locl"; did you mean "local"?');
    await writeFile(file, network(join(dir, 'site')).replace('allowNoContainer: true', 'allowNoContainer: true, cleanup: onsuccess'));
    const cleanup = await cli({}, 'sites', '--config', file);
    expect(cleanup.code).toBe(2);
    expect(cleanup.err).toContain('$.sites[id=laptop].options.cleanup: must be one of always, onSuccess, never — got "onsuccess"; did you mean "onSuccess"?');
  });

  it('a bad --store, --port or --older-than', async () => {
    const config = join(dir, 'network.yaml');
    for (const [argv, message] of [
      [['submit', join(dir, 'task.json'), '--config', config, '--store', 'sqlite:'], '--store: must be memory or sqlite:PATH — got "sqlite:"'],
      [['gateway', '--config', config, '--port', '70000'], '--port: 70000 is not a port number'],
      [['local', 'gc', '--older-than', 'soon'], '--older-than: must be a duration such as 30m, 12h or 7d — got "soon"'],
    ] as const) {
      const run = await cli({}, ...argv);
      expect([run.code, run.err]).toEqual([2, expect.stringContaining(message)]);
    }
  });
});

describe('the default configuration file', () => {
  it('is ./pulsar-network.yaml first', async () => {
    const here = join(dir, 'here');
    await mkdir(here);
    await writeFile(join(here, 'pulsar-network.yaml'), network(join(dir, 'site-here')));
    const run = await runCliProcess(['sites', '--json'], { cwd: here, env: { HOME: empty } });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)[0].site.id).toBe('laptop');
  });

  it('then $XDG_CONFIG_HOME/pulsar-network/config.yaml, then ~/.config/pulsar-network/config.yaml', async () => {
    const xdg = join(dir, 'xdg');
    await mkdir(join(xdg, 'pulsar-network'), { recursive: true });
    await writeFile(join(xdg, 'pulsar-network', 'config.yaml'), network(join(dir, 'site-xdg')).replace('id: laptop', 'id: from-xdg'));
    const home = join(dir, 'home');
    await mkdir(join(home, '.config', 'pulsar-network'), { recursive: true });
    await writeFile(join(home, '.config', 'pulsar-network', 'config.yaml'), network(join(dir, 'site-home')).replace('id: laptop', 'id: from-home'));
    const viaXdg = await cli({ HOME: home, XDG_CONFIG_HOME: xdg }, 'sites', '--json');
    expect(JSON.parse(viaXdg.out)[0].site.id).toBe('from-xdg');
    expect(viaXdg.err).toContain(`using the configuration ${join(xdg, 'pulsar-network', 'config.yaml')}`);
    const viaHome = await cli({ HOME: home }, 'sites', '--json');
    expect(JSON.parse(viaHome.out)[0].site.id).toBe('from-home');
  });
});

describe('--store', () => {
  it('memory keeps nothing on disk; sqlite:PATH writes the store there and logs reads it back', async () => {
    const config = join(dir, 'network.yaml');
    const inMemory = await cli({}, 'submit', join(dir, 'task.json'), '--config', config, '--store', 'memory');
    expect(inMemory.code, inMemory.err).toBe(0);
    expect(inMemory.out).toMatch(/: COMPLETE on laptop\n$/);
    expect(existsSync(join(dir, 'tasks.db'))).toBe(false);
    const file = join(dir, 'stores', 'cli.db');
    const stored = await cli({}, 'submit', join(dir, 'task.json'), '--config', config, '--store', `sqlite:${file}`);
    expect(stored.code, stored.err).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(existsSync(join(dir, 'tasks.db'))).toBe(false);
    const id = /^task (\S+)\n/.exec(stored.out)?.[1] as string;
    const logs = await cli({}, 'logs', id, '--store', `sqlite:${file}`, '--json');
    expect(JSON.parse(logs.out)).toMatchObject({ id, state: 'COMPLETE', log: { logs: [{ exit_code: 0, stdout: 'hi\n' }] } });
  });
});

describe('progress during a failover', () => {
  it('prints the site tried, the failover and its cause, and the next site on stderr', async () => {
    const file = join(dir, 'failover.yaml');
    await writeFile(
      file,
      [
        'failover: { pollIntervalMs: 100 }',
        'strategy: { pinned: [flaky, laptop] }',
        'sites:',
        '  - id: flaky',
        '    kind: local',
        `    options: { containerRuntime: podman, workDir: ${join(dir, 'flaky')} }`,
        '  - id: laptop',
        '    kind: local',
        `    options: { allowNoContainer: true, workDir: ${join(dir, 'site')} }`,
        '',
      ].join('\n'),
    );
    const run = await cli({}, 'submit', join(dir, 'task.json'), '--config', file, '--store', 'memory');
    expect(run.code, run.err).toBe(0);
    const lines = run.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^pulsar-network: site +trying flaky: chosen by pinned\(flaky,laptop\)/);
    expect(lines[1]).toMatch(/^pulsar-network: site +failover flaky: refused: \$\.executors\[0\]\.image: the container runtime podman is not installed/);
    expect(lines[2]).toMatch(/^pulsar-network: site +trying laptop: after leaving flaky/);
    expect(lines[3]).toMatch(/^pulsar-network: site +submitted laptop as \S+$/);
    expect(run.out).toMatch(/COMPLETE on laptop\n$/);
  });
});

describe('local gc', () => {
  it('removes the directories of old ended jobs from the default work directory', async () => {
    const cache = join(dir, 'cache');
    const workDir = join(cache, 'pulsar-network', 'local');
    const config = join(dir, 'gc.yaml');
    await writeFile(config, network(workDir).replace('allowNoContainer: true', 'allowNoContainer: true, cleanup: never'));
    expect((await cli({}, 'submit', join(dir, 'task.json'), '--config', config, '--store', 'memory')).code).toBe(0);
    expect((await cli({}, 'submit', join(dir, 'task.json'), '--config', config, '--store', 'memory')).code).toBe(0);
    const { readdir } = await import('node:fs/promises');
    const [old, recent] = await readdir(join(workDir, 'jobs'));
    const weekAgo = new Date(Date.now() - 8 * 86_400_000);
    await utimes(join(workDir, 'jobs', old as string), weekAgo, weekAgo);
    const kept = await cli({ XDG_CACHE_HOME: cache }, 'local', 'gc', '--older-than', '30d');
    expect(kept.out).toBe(`removed 0 job directories from ${workDir}\n`);
    const gc = await cli({ XDG_CACHE_HOME: cache }, 'local', 'gc');
    expect([gc.code, gc.out]).toEqual([0, `removed 1 job directory from ${workDir}\n`]);
    expect(await readdir(join(workDir, 'jobs'))).toEqual([recent]);
    const json = await cli({}, 'local', 'gc', '--older-than', '0s', '--work-dir', workDir, '--json');
    expect(JSON.parse(json.out)).toEqual({ workDir, removed: [recent], running: [] });
  });
});
