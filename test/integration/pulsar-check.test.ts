// Pulsar's own end-to-end check (pulsar-check, protocols/pulsar.md §7), ported: a fake
// Galaxy tree is staged through PulsarClient + runStagedJob against a real Pulsar,
// and every collected file is compared.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarClient } from '../../src/pulsar-entry.js';
import { nodeHttpFetch, runStagedJob, type PulsarStagedJob, type PulsarStagedResult } from '../../src/node.js';
import { pulsarPaths, startPulsar, type PulsarServer } from '../peers/pulsar.js';

const TOOL = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/pulsar-check/tool.py');
const UNICODE_TEXT = 'єχαмρℓє συтρυт';

describe('pulsar-check scenario against a real Pulsar', () => {
  let pulsar: PulsarServer;
  let root: string;
  let result: PulsarStagedResult;
  const p = (...parts: string[]) => join(root, ...parts);

  beforeAll(async () => {
    pulsar = await startPulsar();
    root = await mkdtemp(join(tmpdir(), 'pulsar-check-client-'));
    const files: Record<string, string> = {
      'dataset_0.dat': 'Hello world input!!@!',
      'dataset_0_files/input_subdir/extra': 'INPUT_EXTRA_CONTENTS',
      'dataset_9.dat': 'second input',
      'unused.dat': 'never staged',
      'metadata/12312231231231.dat': 'INPUT METADATA CONTENTS...',
      't/subdir/helper.R': 'helper R file',
      'idx/bwa/human.fa': 'AGTC',
      'idx/bwa/human.fa.fai': 'AGTC',
      'idx/seq/human_full_seqs': 'AGTC',
      'm/metadata_test123': 'meta input',
    };
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(p(name)), { recursive: true });
      await writeFile(p(name), text);
    }
    await mkdir(p('m', 'working'), { recursive: true });
    await mkdir(p('w'), { recursive: true });
    await copyFile(TOOL, p('t', 'script.py'));
    // A config file naming a local input: staging must rewrite it.
    await writeFile(p('w', 'config.txt'), `hello world output\nsecond_input=${p('dataset_9.dat')}\n`);

    const args = [
      p('t', 'script.py'),
      p('w', 'config.txt'),
      p('dataset_0.dat'),
      p('dataset_1.dat'),
      p('dataset_2.dat'),
      UNICODE_TEXT,
      p('dataset_3.dat'),
      p('dataset_0_files', 'input_subdir', 'extra'),
      p('GALAXY_VERSION_1234'),
      p('idx', 'bwa', 'human.fa'),
      p('dataset_4.dat'),
      p('m', 'metadata_test123'),
      p('metadata', '12312231231231.dat'),
      p('dataset_5.dat'),
    ];
    const job: PulsarStagedJob = {
      jobId: '123456',
      toolId: 'client_test',
      toolVersion: '1.0',
      commandLine: `${pulsarPaths().python} ${args.map((a) => `"${a}"`).join(' ')} 2> ../metadata/tool_stderr > ../metadata/tool_stdout`,
      tool: { directory: p('t'), files: ['script.py', 'subdir/helper.R'] },
      inputs: [
        { path: p('dataset_0.dat') },
        { path: p('dataset_0.dat') },
        { path: p('dataset_0_files'), kind: 'extra_files' },
        { path: p('metadata', '12312231231231.dat'), kind: 'metadata' },
        { path: p('dataset_9.dat') },
        { path: p('unused.dat') },
      ],
      configFiles: [p('w', 'config.txt')],
      workingDirectory: p('w'),
      metadataDirectory: p('m'),
      unstructured: [{ path: p('idx', 'bwa', 'human.fa'), depth: 2 }],
      outputs: ['dataset_1.dat', 'dataset_2.dat', 'dataset_3.dat', 'dataset_4.dat', 'dataset_5.dat', 'dataset_77.dat', 'dataset_78.dat', 'dataset_79.dat', 'dataset_80.dat'].map((n) => p(n)),
      workDirOutputs: [
        { source: p('w', 'env_test'), destination: p('dataset_77.dat') },
        { source: 'cwd_test', destination: p('dataset_78.dat') },
        { source: 'tmp_dir_*', destination: p('dataset_79.dat') },
        { source: 'home_dir_test', destination: p('dataset_80.dat') },
      ],
      versionFile: p('GALAXY_VERSION_1234'),
      dynamicFileSources: [
        { type: 'galaxy', path: 'galaxy.json' },
        { type: 'galaxy', path: 'absent_galaxy.json' },
      ],
      env: [{ name: 'TEST_ENV', value: 'TEST_ENV_VALUE' }],
      cleanup: 'always',
    };
    // Staging runs on Node: use the back-pressured node:http fetch.
    const client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined, fetch: nodeHttpFetch });
    result = await runStagedJob(client, job, { interval: 250, timeout: 120_000 });
  });

  afterAll(async () => {
    await pulsar?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const contents = (...parts: string[]) => readFile(p(...parts), 'utf8');

  it('runs the job to completion with exit code 4 and captured stdout', () => {
    expect(result.status.status).toBe('complete');
    expect(result.status.complete).toBe(true);
    expect(result.status.returnCode).toBe(4);
    expect(result.status.stdout?.trim()).toBe('stdout output');
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('verifies the named outputs and the version file against the manifest the job wrote (its exit code kept)', () => {
    const verified = result.collected.filter((c) => c.verified).map((c) => c.name).sort();
    // Named outputs, the version file and the working-directory outputs named without a glob (tmp_dir_* is one).
    expect(verified).toEqual(
      ['COMMAND_VERSION', 'cwd_test', 'env_test', 'home_dir_test', ...['1', '2', '3', '4', '5'].map((n) => `dataset_${n}.dat`)].sort(),
    );
    // Everything collected carries the sha256 of its bytes on disk.
    for (const c of result.collected) expect(c.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uploads in Pulsar order, and only the inputs something names', () => {
    const order = ['tool', 'input', 'workdir', 'metadata', 'unstructured', 'config'];
    const ranks = result.uploads.map((u) => order.indexOf(u.type));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const inputs = result.uploads.filter((u) => u.type === 'input').map((u) => u.name).sort();
    expect(inputs).toEqual(['dataset_0.dat', 'dataset_0_files/input_subdir/extra', 'dataset_9.dat', 'metadata_12312231231231.dat']);
    expect(result.uploads.filter((u) => u.type === 'tool').map((u) => u.name).sort()).toEqual(['script.py', 'subdir/helper.R']);
    expect(result.uploads.filter((u) => u.type === 'unstructured')).toHaveLength(3);
  });

  it('collects the nine outputs with the contents the tool wrote', async () => {
    expect(await contents('dataset_1.dat')).toBe('hello world output');
    expect(await contents('dataset_2.dat')).toBe(UNICODE_TEXT);
    expect(await contents('dataset_3.dat')).toBe('moo_default');
    expect(await contents('dataset_4.dat')).toMatch(new RegExp(`${result.jobId}/unstructured/\\w+/bwa/human\\.fa$`));
    expect(await contents('dataset_5.dat')).toBe('True');
    expect(await contents('dataset_77.dat')).toBe('TEST_ENV_VALUE');
    expect(await contents('dataset_78.dat')).toBe('working');
    expect(await contents('dataset_79.dat')).toBe('tmp-True');
    expect(await contents('dataset_80.dat')).toBe('home-True');
  });

  it('collects extra files, galaxy.json-listed files, metadata outputs and the version file', async () => {
    expect(await contents('dataset_1_files', 'extra')).toBe('EXTRA_OUTPUT_CONTENTS');
    expect(JSON.parse(await contents('w', 'galaxy.json'))).toEqual([{ filename: 'gjson_refer' }, { filename: 'gjson_refer2' }]);
    expect(await contents('w', 'gjson_refer')).toBe('gjson_refer_contents');
    expect(await contents('w', 'gjson_refer2')).toBe('gjson_refer_contents2');
    expect(await contents('m', 'metadata_output')).toBe('meta output');
    expect(await contents('GALAXY_VERSION_1234')).toBe('1.0.1');
    expect(result.status.dynamicFileSources?.map((s) => s.path)).toEqual(['galaxy.json']);
  });

  it('rewrote local paths in the command line and cleaned the job up', async () => {
    expect(result.commandLine).not.toContain(root);
    expect(result.commandLine).toContain(`${result.config.directories.configs}/config.txt`);
    expect(result.cleaned).toBe(true);
    const client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined });
    expect((await client.status(result.jobId)).status).toBe('lost');
  });
});
