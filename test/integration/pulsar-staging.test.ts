// runStagedJob's clean-up policies, missing outputs and failed launches against a real Pulsar.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError } from '../../src/index.js';
import { PulsarClient } from '../../src/pulsar-entry.js';
import { nodeHttpFetch, runStagedJob } from '../../src/node.js';
import type { PulsarCleanupPolicy } from '../../src/internal.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';

describe('runStagedJob against a real Pulsar', () => {
  let pulsar: PulsarServer;
  let client: PulsarClient;
  let root: string;
  let serial = 0;

  beforeAll(async () => {
    pulsar = await startPulsar();
    client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined, fetch: nodeHttpFetch });
    root = await mkdtemp(join(tmpdir(), 'pulsar-staging-'));
  });
  afterAll(async () => {
    await pulsar?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A job copying its input to `made`, while also declaring `missing`, which it never writes. */
  async function job(cleanup: PulsarCleanupPolicy, declareMissing: boolean) {
    const dir = join(root, `job-${++serial}`);
    await mkdir(join(dir, 'work'), { recursive: true });
    await writeFile(join(dir, 'in put.txt'), 'payload');
    return {
      jobId: `staging-${process.pid}-${serial}`,
      commandLine: `cp '${join(dir, 'in put.txt')}' '${join(dir, 'made.txt')}'`,
      inputs: [{ path: join(dir, 'in put.txt') }],
      outputs: [join(dir, 'made.txt'), ...(declareMissing ? [join(dir, 'missing.txt')] : [])],
      workingDirectory: join(dir, 'work'),
      cleanup,
      dir,
    };
  }

  it('collects and cleans up with onsuccess when everything arrived', async () => {
    const { dir, ...spec } = await job('onsuccess', false);
    const result = await runStagedJob(client, spec, { interval: 100 });
    expect(result.ok).toBe(true);
    expect(result.cleaned).toBe(true);
    expect(await readFile(join(dir, 'made.txt'), 'utf8')).toBe('payload');
    expect((await client.status(result.jobId)).status).toBe('lost');
  });

  it('keeps the job directory with onsuccess when an output is missing, and says which', async () => {
    const { dir, ...spec } = await job('onsuccess', true);
    const result = await runStagedJob(client, spec, { interval: 100 });
    expect(result.status.status).toBe('complete');
    expect(result.ok).toBe(false);
    expect(result.cleaned).toBe(false);
    expect(result.failures.map((f) => [f.name, f.required])).toEqual([['missing.txt', true]]);
    // What did arrive is not lost.
    expect(await readFile(join(dir, 'made.txt'), 'utf8')).toBe('payload');
    expect((await client.status(result.jobId)).status).toBe('complete');
    await client.clean(result.jobId);
  });

  it('cleans up with always even when an output is missing, and never with never', async () => {
    const always = await runStagedJob(client, (({ dir: _, ...s }) => s)(await job('always', true)), { interval: 100 });
    expect([always.ok, always.cleaned]).toEqual([false, true]);
    const never = await runStagedJob(client, (({ dir: _, ...s }) => s)(await job('never', false)), { interval: 100 });
    expect([never.ok, never.cleaned]).toEqual([true, false]);
    expect((await client.status(never.jobId)).status).toBe('complete');
    await client.clean(never.jobId);
  });

  it('reports a job the server could not launch as failed with launchFailed', async () => {
    const { dir: _, ...spec } = await job('always', false);
    const result = await runStagedJob(client, { ...spec, dependenciesDescription: { requirements: [], installed_tool_dependencies: [{}] } }, { interval: 100 });
    expect(result.status.status).toBe('failed');
    expect(result.status.returnCode).toBe(1);
    expect(result.launchFailed).toBe(true);
    expect(result.ok).toBe(false);
    expect(result.collected).toEqual([]);
    expect(result.cleaned).toBe(true);
  });

  it('stages inputs and config files that share a base name under names of their own: each arrives byte-identical', async () => {
    const dir = join(root, `same-names-${++serial}`);
    for (const sub of ['data', 'other dir', 'data/a_files', 'conf/x', 'conf/y']) await mkdir(join(dir, sub), { recursive: true });
    await writeFile(join(dir, 'data', 'a'), 'first a\n');
    await writeFile(join(dir, 'other dir', 'a'), 'second a, longer\n');
    // A dataset's extra-files directory beside them, and two config files both named `settings`.
    await writeFile(join(dir, 'data', 'a_files', 'part'), 'extra\n');
    await writeFile(join(dir, 'conf', 'x', 'settings'), `in=${join(dir, 'data', 'a')}\n`);
    await writeFile(join(dir, 'conf', 'y', 'settings'), `in=${join(dir, 'other dir', 'a')}\n`);
    const out = (name: string): string => join(dir, 'out', name);
    const result = await runStagedJob(
      client,
      {
        jobId: `same-names-${process.pid}`,
        commandLine: [
          `cat '${join(dir, 'data', 'a')}' > '${out('1')}'`,
          `cat '${join(dir, 'other dir', 'a')}' > '${out('2')}'`,
          `cat '${join(dir, 'data', 'a_files')}/part' > '${out('3')}'`,
          `cat '${join(dir, 'conf', 'x', 'settings')}' '${join(dir, 'conf', 'y', 'settings')}' > '${out('4')}'`,
        ].join(' && '),
        inputs: [{ path: join(dir, 'data', 'a') }, { path: join(dir, 'other dir', 'a') }, { path: join(dir, 'data', 'a_files'), kind: 'extra_files' }],
        configFiles: [join(dir, 'conf', 'x', 'settings'), join(dir, 'conf', 'y', 'settings')],
        outputs: ['1', '2', '3', '4'].map(out),
        cleanup: 'always',
      },
      { interval: 100 },
    );
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    expect(await readFile(out('1'), 'utf8')).toBe('first a\n');
    expect(await readFile(out('2'), 'utf8')).toBe('second a, longer\n');
    expect(await readFile(out('3'), 'utf8')).toBe('extra\n');
    // Each config file names the server path of its own input, and both reached the job.
    const [x, y] = (await readFile(out('4'), 'utf8')).trim().split('\n');
    expect(x).toBe(`in=${result.uploads.find((u) => u.local === join(dir, 'data', 'a'))?.remote}`);
    expect(y).toBe(`in=${result.uploads.find((u) => u.local === join(dir, 'other dir', 'a'))?.remote}`);
    expect(new Set(result.uploads.map((u) => `${u.type}:${u.name}`)).size).toBe(result.uploads.length);
  });

  it('an abort while the outputs come down: AbortError, nothing delivered, and cleanup always still removes the job', async () => {
    const dir = join(root, `abort-collect-${++serial}`);
    await mkdir(dir, { recursive: true });
    const controller = new AbortController();
    let jobId = '';
    const error = await runStagedJob(
      client,
      { jobId: `abort-collect-${process.pid}`, commandLine: `head -c 134217728 /dev/zero > '${join(dir, 'big.bin')}' && echo small > '${join(dir, 'small.txt')}'`, outputs: [join(dir, 'small.txt'), join(dir, 'big.bin')], cleanup: 'always' },
      {
        interval: 100,
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'setup') jobId = e.jobId;
        },
        onTransfer: (p) => p.direction === 'down' && p.file.endsWith('big.bin') && p.bytesDone > 0 && !p.done && controller.abort(),
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(await readdir(dir)).toEqual([]);
    expect((await client.status(jobId)).status).toBe('lost');
  });
});

describe('runStagedJob against a Pulsar that assigns its own job ids', () => {
  let pulsar: PulsarServer;
  let root: string;
  beforeAll(async () => {
    pulsar = await startPulsar({ app: { assign_ids: 'uuid' } });
    root = await mkdtemp(join(tmpdir(), 'pulsar-uuid-'));
  });
  afterAll(async () => {
    await pulsar?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('continues with the id the server returned', async () => {
    const client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined, fetch: nodeHttpFetch });
    await mkdir(join(root, 'work'), { recursive: true });
    await writeFile(join(root, 'in.txt'), 'uuid job');
    const result = await runStagedJob(
      client,
      {
        jobId: 'proposed-id',
        commandLine: `cp ${join(root, 'in.txt')} ${join(root, 'out.txt')}`,
        inputs: [{ path: join(root, 'in.txt') }],
        outputs: [join(root, 'out.txt')],
        workingDirectory: join(root, 'work'),
        cleanup: 'never',
      },
      { interval: 100 },
    );
    expect(result.jobId).toMatch(/^[0-9a-f]{32}$/);
    expect(result.config.directories.job).toBe(`${pulsar.stagingDir}/${result.jobId}`);
    expect(result.ok).toBe(true);
    expect(await readFile(join(root, 'out.txt'), 'utf8')).toBe('uuid job');
    expect((await client.status('proposed-id')).status).toBe('lost');
    expect((await client.status(result.jobId)).status).toBe('complete');
  });
});
