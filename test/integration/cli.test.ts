/**
 * Issue 9, acceptance 5: the `pulsar-network` command line against a
 * configuration with the LocalSite: `sites`, `explain`, `submit --watch` to
 * the end (lines, JSON lines, and a terminal captured with tmux), `logs`,
 * `cancel`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/commands.js';
import { cliArgs, runCliProcess } from '../peers/gateway/cli-process.js';
import { tmuxPath } from '../peers/gateway/tmux.js';

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-test-'));
  config = join(dir, 'network.yaml');
  await writeFile(
    config,
    [
      'seed: cli-test',
      'failover: { pollIntervalMs: 100 }',
      'sites:',
      '  - id: laptop',
      '    kind: local',
      "    storages: ['file:///']",
      '    resources: { maxCores: 4, maxMemoryGb: 8 }',
      `    options: { allowNoContainer: true, workDir: ${join(dir, 'site')} }`,
      'gateway:',
      '  store: tasks.db',
      '',
    ].join('\n'),
  );
  // a 3 MiB input, so staging reports progress
  await writeFile(join(dir, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  await writeFile(join(dir, 'task.json'), JSON.stringify(spec('watched', 'sleep 1; wc -c < /data/big.bin > /out/size.txt; echo hello')));
  await writeFile(join(dir, 'fails.json'), JSON.stringify({ name: 'fails', executors: [{ image: 'alpine', command: ['sh', '-c', 'sleep 1; echo oops >&2; exit 4'] }] }));
  await writeFile(join(dir, 'long.json'), JSON.stringify({ name: 'long', executors: [{ image: 'alpine', command: ['sleep', '60'] }] }));
  await writeFile(join(dir, 'huge.json'), JSON.stringify({ name: 'huge', resources: { cpu_cores: 64 }, executors: [{ image: 'alpine', command: ['true'] }] }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spec(name: string, script: string): Record<string, unknown> {
  return {
    name,
    inputs: [{ path: '/data/big.bin', url: `file://${join(dir, 'big.bin')}` }],
    outputs: [{ path: '/out/size.txt', url: `file://${join(dir, `${name}-size.txt`)}` }],
    executors: [{ image: 'alpine', command: ['sh', '-c', script] }],
  };
}

/** Runs the CLI in this process and returns its exit code and output. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, env: {} };
  const code = await runCli(argv, io);
  return { code, out, err };
}

describe('pulsar-network', () => {
  it('sites prints health, capabilities, load and circuit state', async () => {
    const { code, out } = await cli('sites', '--config', config);
    expect(code).toBe(0);
    const [header, row] = out.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['SITE', 'KIND', 'HEALTH', 'CIRCUIT', 'IN-FLIGHT', 'QUEUED', 'LATENCY', 'VERSION', 'RUNTIMES', 'MAX CORES/GB', 'STORAGES']);
    expect(row?.split(/\s{2,}/)).toEqual(['laptop', 'local', 'healthy', 'closed', '0', '0', expect.stringMatching(/^\d+ ms$/), expect.stringMatching(/^node v\d+/), expect.any(String), '4/8', 'file:///']);
    const json = JSON.parse((await cli('sites', '--config', config, '--json')).out);
    expect(json[0]).toMatchObject({ site: { id: 'laptop', kind: 'local' }, live: { health: 'healthy', breaker: 'closed' }, probe: { ok: true } });
  });

  it('sites says unreachable (not degraded) for a server that refuses connections, and explain does not choose it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const deadConfig = join(dir, 'dead.yaml');
    await writeFile(
      deadConfig,
      [
        'seed: cli-dead',
        'strategy: { pinned: [dead, laptop] }',
        'sites:',
        '  - id: dead',
        '    kind: tes',
        `    url: http://127.0.0.1:${port}/ga4gh/tes/v1`,
        '  - id: laptop',
        '    kind: local',
        `    options: { allowNoContainer: true, workDir: ${join(dir, 'site')} }`,
        '',
      ].join('\n'),
    );
    const { code, out } = await cli('sites', '--config', deadConfig);
    expect(code).toBe(0);
    const rows = out.trimEnd().split('\n').slice(1).map((line) => line.split(/\s{2,}/));
    expect(rows.map((r) => [r[0], r[2]])).toEqual([
      ['dead', `unreachable (GET http://127.0.0.1:${port}/ga4gh/tes/v1/service-info failed: cannot connect to 127.0.0.1:${port}: connection refused, nothing listens there (ECONNREFUSED))`],
      ['laptop', 'healthy'],
    ]);
    const explained = await cli('explain', join(dir, 'fails.json'), '--config', deadConfig);
    expect(explained.out.split('\n')[0]).toBe('chosen: laptop   strategy: pinned(dead,laptop)   seed: cli-dead');
    expect(explained.out).toMatch(/\n2\s+dead\s+.*ranked after the healthy sites: unreachable: .*\(ECONNREFUSED\)/);
  });

  it('explain prints the choice and why, without submitting', async () => {
    const { code, out } = await cli('explain', join(dir, 'task.json'), '--config', config);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe('chosen: laptop   strategy: earliestCompletion   seed: cli-test');
    expect(lines[2]).toMatch(/^RANK\s+SITE\s+SCORE\s+TERMS\s+REASON$/);
    expect(lines[3]).toMatch(/^1\s+laptop\s+-?\d+\.\d{3}\s+latencyMs=\S+ transferMs=0 waitMs=0\s+starts at once\b/);
    const record = JSON.parse((await cli('explain', join(dir, 'task.json'), '--config', config, '--json')).out);
    expect(record).toMatchObject({ submitted: false, chosen: 'laptop', attempts: [] });
    // a task no site can take: the exclusion and its reason
    const huge = await cli('explain', join(dir, 'huge.json'), '--config', config);
    expect(huge.out).toMatch(/^chosen: none \(no eligible site\)/);
    expect(huge.out).toMatch(/EXCLUDED\s+BY\s+REASON\nlaptop\s+\S+\s+.*64/);
  });

  it('submit --watch shows the states to the end; logs reads them back', async () => {
    const { code, out } = await cli('submit', join(dir, 'task.json'), '--config', config, '--watch');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    const id = /^task (\S+)$/.exec(lines[0] ?? '')?.[1] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const states = lines.filter((l) => l.startsWith('state')).map((l) => l.replace(/ \(.*\)$/, ''));
    expect(states).toEqual(['state  queued', 'state  queued -> running', 'state  running -> complete']);
    expect(lines).toContain(`staged  /data/big.bin (3.0 MB)`);
    expect(lines.at(-2)).toBe('done   complete (exit codes 0)');
    expect(lines.at(-1)).toBe(`task ${id}: COMPLETE on laptop`);
    expect(await readFile(join(dir, 'watched-size.txt'), 'utf8')).toBe(`${3 * 1024 * 1024}\n`);

    const logs = await cli('logs', id, '--config', config);
    expect(logs.out.split('\n')).toEqual([
      `task ${id}: COMPLETE on laptop`,
      '--- executor 0 (exit code 0) stdout',
      'hello',
      '--- executor 0 stderr',
      `output: /out/size.txt -> file://${join(dir, 'watched-size.txt')} (8 bytes)`,
      '',
    ]);
  });

  it('submit --json prints one JSON line per event, then the task; a failed task exits 1', async () => {
    const { code, out } = await cli('submit', join(dir, 'fails.json'), '--config', config, '--watch', '--json');
    expect(code).toBe(1);
    const events = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'submitted' });
    expect(events.filter((e) => e.type === 'state').map((e) => e.state)).toEqual(['queued', 'running', 'executor_error']);
    const task = events.at(-1);
    expect(task).toMatchObject({ id: events[0].id, state: 'EXECUTOR_ERROR', logs: [{ logs: [{ exit_code: 4, stderr: 'oops\n' }] }] });
    const logs = JSON.parse((await cli('logs', events[0].id, '--config', config, '--json')).out);
    expect(logs).toMatchObject({ id: events[0].id, state: 'EXECUTOR_ERROR', log: { logs: [{ exit_code: 4 }] } });
  });

  it('cancel (another process) stops a task a submit is waiting for', async () => {
    const submit = runCliProcess(['submit', join(dir, 'long.json'), '--config', config, '--json'], { timeoutMs: 60_000 });
    const store = join(dir, 'tasks.db');
    // the submitted task appears in the store; cancel it from here, as another process would
    let id: string | undefined;
    await expect
      .poll(async () => {
        const found = await findTask(store, 'long');
        id = found?.id;
        return found?.state;
      }, { timeout: 30_000, interval: 200 })
      .toBe('RUNNING');
    const cancel = await cli('cancel', id as string, '--config', config, '--json');
    expect(cancel.code).toBe(0);
    expect(JSON.parse(cancel.out)).toEqual({ id, before: 'RUNNING', state: 'CANCELED' });
    const ended = await submit;
    expect(ended.code, `submit's stderr: ${ended.stderr}`).toBe(1);
    expect(JSON.parse(ended.stdout.trimEnd().split('\n').at(-1) as string)).toMatchObject({ id, state: 'CANCELED', tags: { 'pulsar-network.site': 'laptop' } });
  });

  it('submit --report writes the timeline (SVG) or a page with it and the decision record (HTML); another extension exits 2 before submitting', async () => {
    const svgFile = join(dir, 'report.svg');
    const { code, out } = await cli('submit', join(dir, 'fails.json'), '--config', config, '--report', svgFile);
    expect(code).toBe(1);
    expect(out).toContain(`report ${svgFile}\n`);
    const svg = await readFile(svgFile, 'utf8');
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const root = new DOMParser({ onError: (level, message) => { throw new Error(`${level}: ${message}`); } }).parseFromString(svg, 'image/svg+xml').documentElement;
    const groups = (cls: string): Element[] => Array.from(root?.getElementsByTagName('g') ?? []).filter((g) => g.getAttribute('class') === cls);
    // one attempt (the task failed on the laptop: a failed command is no reason to move), its phases drawn
    expect(groups('attempt').map((g) => [g.getAttribute('data-site'), g.getAttribute('data-ending')])).toEqual([['laptop', 'executor_error']]);
    const phases = Array.from(groups('attempt')[0]?.getElementsByTagName('rect') ?? []).map((r) => r.getAttribute('class')).filter(Boolean);
    expect(phases).toEqual(['segment phase-staging', 'segment phase-queued', 'segment phase-running']);
    expect(groups('failover')).toEqual([]);
    expect(svg).toContain('>fails<');

    const htmlFile = join(dir, 'report.html');
    expect((await cli('submit', join(dir, 'task.json'), '--config', config, '--report', htmlFile)).code).toBe(0);
    const html = await readFile(htmlFile, 'utf8');
    expect(html).toMatch(/^<!doctype html>\n/);
    expect(html).toMatch(/<title>task [0-9a-f-]{36}: COMPLETE on laptop<\/title>/);
    expect(html).toContain('<g class="attempt" data-job=');
    expect(html).toMatch(/class="pulsar-network-decision-ranking".*<td[^>]*>1<\/td><td[^>]*>laptop<\/td>/);

    await writeFile(join(dir, 'never.json'), JSON.stringify({ name: 'never', executors: [{ image: 'alpine', command: ['true'] }] }));
    const wrong = await cli('submit', join(dir, 'never.json'), '--config', config, '--report', join(dir, 'report.png'));
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--report: ');
    expect(wrong.err).toContain('report.png: the report is an .svg picture or an .html page');
    expect(await findTask(join(dir, 'tasks.db'), 'never')).toBeUndefined();
  });

  it('bad input: a malformed task file and an unknown id exit 2 with what is wrong', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ executors: [{ image: 'alpine' }] }));
    const bad = await cli('explain', join(dir, 'bad.json'), '--config', config);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('$.executors[0].command: must be a non-empty array of strings (argv)');
    const unknown = await cli('logs', 'nope', '--config', config);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no task nope in');
  });

  it('submit --watch on a terminal (tmux) draws progress bars and ends with the states', async () => {
    const tmux = tmuxPath();
    const session = `cli-test-${process.pid}`;
    const done = join(dir, 'tmux-done');
    const command = [process.execPath, ...cliArgs(['submit', join(dir, 'task.json'), '--config', config, '--watch'])].map((a) => `'${a}'`).join(' ');
    execFileSync(tmux, ['new-session', '-d', '-s', session, '-x', '160', '-y', '50', `cd '${process.cwd()}' && ${command}; echo "exit=$?" > '${done}'; sleep 30`]);
    try {
      await expect.poll(() => readFile(done, 'utf8').catch(() => ''), { timeout: 60_000, interval: 200 }).toBe('exit=0\n');
      const screen = execFileSync(tmux, ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
      const lines = screen.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
      expect(lines).toContain('up   [####################] 100%  3.0 MB/3.0 MB  /data/big.bin');
      expect(lines.filter((l) => l.startsWith('state')).map((l) => l.replace(/ \(.*\)$/, ''))).toEqual(['state  queued', 'state  queued -> running', 'state  running -> complete']);
      expect(lines.some((l) => l.startsWith('state: '))).toBe(false); // the live block was cleared
      expect(lines.at(-2)).toBe('done   complete (exit codes 0)');
      expect(lines.at(-1)).toMatch(/^task \S+: COMPLETE on laptop$/);
    } finally {
      execFileSync(tmux, ['kill-session', '-t', session]);
    }
  });
});

async function findTask(store: string, name: string): Promise<{ id: string; state: string } | undefined> {
  const { SqliteTaskStore } = await import('../../src/gateway/sqlite-store.js');
  const s = new SqliteTaskStore(store);
  try {
    const task = s.list({ owner: 'cli', limit: 1000 }).find((t) => t.spec.name === name);
    return task && { id: task.id, state: task.state };
  } finally {
    s.close();
  }
}
