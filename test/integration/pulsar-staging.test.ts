// runStagedJob's clean-up policies, missing outputs and failed launches against a real Pulsar.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpFetch, runStagedJob, type PulsarCleanupPolicy } from '../../src/node/index.js';
import { PulsarClient } from '../../src/pulsar/index.js';
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
