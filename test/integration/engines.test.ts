/**
 * Real engines, unmodified, through the gateway (issue 17 acceptance 1,
 * issue 23 acceptance 1): Snakemake (TES executor plugin, fs storage), Toil
 * (toil-cwl-runner, TES batch system) and Sprocket (WDL, TES backend) each
 * run a 3-step workflow on a sandboxed LocalSite and on a real Pulsar site
 * whose command lines run in the sandbox, and their final outputs are read.
 * Each run prints one line (engine, site, exit code, seconds) to CI's log.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_TOKEN, enginePaths, runEngine, startEngineGateways, WORKFLOWS, type EngineGateway, type EngineGateways, type EngineRun } from '../peers/engines.js';

let gw: EngineGateways;
let engines: ReturnType<typeof enginePaths>;

beforeAll(async () => {
  engines = enginePaths();
  gw = await startEngineGateways();
});
afterAll(async () => {
  await gw?.close();
});

const RUN_TIMEOUT_MS = 280_000;

/** Prints the run to CI's log, and its output when it failed. */
function report(engine: string, on: EngineGateway, run: EngineRun): void {
  console.log(`[engines] ${engine} through the gateway on the ${on.site === 'local' ? 'sandboxed local' : 'sandboxed real Pulsar'} site: exit ${run.code} in ${run.seconds.toFixed(1)} s`);
  if (run.code !== 0) console.log(run.output.slice(-6000));
}

/** The gateway's tasks, oldest first. */
async function tasksOf(on: EngineGateway): Promise<Array<{ state: string; tags: Record<string, string> }>> {
  const answer = await fetch(`${on.url}/tasks?view=BASIC`, { headers: { authorization: `Bearer ${ENGINE_TOKEN}` } });
  return ((await answer.json()) as { tasks: Array<{ state: string; tags: Record<string, string> }> }).tasks;
}

/** The tasks made since `before` were: every one COMPLETE on the gateway's site; returns how many. */
async function expectTasksComplete(on: EngineGateway, before: number): Promise<number> {
  await on.gateway.idle();
  const made = (await tasksOf(on)).slice(before);
  expect(made.map((t) => [t.state, t.tags['pulsar-network.site']])).toEqual(Array(made.length).fill(['COMPLETE', on.site === 'local' ? 'laptop' : 'eu-pulsar']));
  return made.length;
}

describe.each(['local', 'pulsar'] as const)('engines through the gateway on the %s site', (which) => {
  const on = (): EngineGateway => gw[which];

  it('Snakemake 9.27 (TES executor plugin 0.1.3, fs storage) runs 3 rules', { timeout: 300_000 }, async () => {
    const work = join(gw.scratch, `snakemake-${which}`);
    const storage = join(gw.shared, `snakemake-${which}`);
    await mkdir(work, { recursive: true });
    await copyFile(join(WORKFLOWS, 'Snakefile'), join(work, 'Snakefile'));
    // The plugin reads $GITHUB_WORKSPACE/funnel.log when a task fails (left-over debug code): give it one.
    await writeFile(join(work, 'funnel.log'), '');
    const before = (await tasksOf(on())).length;
    const run = await runEngine(
      join(engines.snakemake, 'snakemake'),
      ['--executor', 'tes', '--tes-url', on().origin, '--jobs', '2', '--seconds-between-status-checks', '1', '--default-storage-provider', 'fs', '--default-storage-prefix', storage],
      { cwd: work, env: { ...process.env, PATH: `${engines.snakemake}:${process.env.PATH}`, SNAKEMAKE_TES_TOKEN: ENGINE_TOKEN, GITHUB_WORKSPACE: work }, timeoutMs: RUN_TIMEOUT_MS },
    );
    report('Snakemake', on(), run);
    expect(run.code).toBe(0);
    expect(await readFile(join(storage, 'upper.txt'), 'utf8')).toBe('ALPHA\nBETA\nGAMMA\n');
    expect(await readFile(join(storage, 'count.txt'), 'utf8')).toBe('3\n');
    expect(await expectTasksComplete(on(), before)).toBe(3);
  });

  it('Toil 7.0.0 (toil-cwl-runner, TES batch system) runs a 3-step CWL workflow, its file job store in place', { timeout: 300_000 }, async () => {
    const work = join(gw.scratch, `toil-${which}`);
    await mkdir(join(work, 'out'), { recursive: true });
    const before = (await tasksOf(on())).length;
    const run = await runEngine(
      join(engines.toil, 'toil-cwl-runner'),
      [
        '--batchSystem', 'tes', '--tesEndpoint', on().origin, '--jobStore', `file:${join(gw.shared, `toil-${which}-jobstore`)}`,
        '--outdir', join(work, 'out'), '--no-container', join(WORKFLOWS, 'words.cwl'), join(WORKFLOWS, 'words-inputs.yml'),
      ],
      { cwd: work, env: { ...process.env, PATH: `${engines.toil}:${process.env.PATH}`, TOIL_TES_BEARER_TOKEN: ENGINE_TOKEN }, timeoutMs: RUN_TIMEOUT_MS },
    );
    report('Toil (CWL)', on(), run);
    expect(run.code).toBe(0);
    expect(await readFile(join(work, 'out', 'count.txt'), 'utf8')).toBe('3\n');
    // py-tes 0.4 asked service-info at the TES 0.3 path, and got it
    expect(on().accessLog.some((line) => / GET \/v1\/tasks\/service-info 200 engine /.test(line))).toBe(true);
    // Toil chains the steps into as few worker tasks as it can
    expect(await expectTasksComplete(on(), before)).toBeGreaterThanOrEqual(1);
  });

  it('Sprocket 0.33 (WDL, TES backend) runs a workflow with a scatter, a file passed between tasks', { timeout: 300_000 }, async () => {
    const work = join(gw.scratch, `sprocket-${which}`);
    const storage = join(gw.shared, `sprocket-${which}`);
    // Sprocket 0.33 copies files into <inputs>/file/ without making the folder (SOURCE.md)
    for (const sub of ['inputs/file', 'inputs/directory', 'outputs']) await mkdir(join(storage, sub), { recursive: true });
    await mkdir(work, { recursive: true });
    const config = [
      '[run]',
      'backend = "tes"',
      '[run.backends.tes]',
      'type = "tes"',
      `service = "${on().url}/"`,
      'insecure = true',
      `inputs = "file://${storage}/inputs/"`,
      `outputs = "file://${storage}/outputs/"`,
      'interval = 1',
      '[run.backends.tes.auth]',
      'type = "bearer"',
      `token = "${ENGINE_TOKEN}"`,
      '',
    ].join('\n');
    await writeFile(join(work, 'sprocket.toml'), config, { mode: 0o600 });
    const before = (await tasksOf(on())).length;
    const run = await runEngine(join(engines.sprocket, 'sprocket'), ['run', '-s', '-c', 'sprocket.toml', '-o', 'out', join(WORKFLOWS, 'words.wdl')], { cwd: work, env: process.env, timeoutMs: RUN_TIMEOUT_MS });
    report('Sprocket (WDL)', on(), run);
    expect(run.code).toBe(0);
    const outputs = JSON.parse(run.output.slice(run.output.indexOf('{'), run.output.lastIndexOf('}') + 1)) as Record<string, string>;
    const read = (url: string | undefined): Promise<string> => readFile(new URL(url ?? 'file:///missing'), 'utf8');
    expect(await read(outputs['words.listed'])).toBe('alpha\nbeta\ngamma\n');
    expect(await read(outputs['words.result'])).toBe('3\nALPHA\nBETA\nGAMMA\n');
    // make, three scattered upper, count
    expect(await expectTasksComplete(on(), before)).toBe(5);
  });
});
