// Pulsar's queue names, the launch dict of a job spec, and the pulsar-amqp site configuration.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConnectionError, ValidationError } from '../../src/index.js';
import { nodeSiteRegistry, PulsarMqSite } from '../../src/node.js';
import { launchPlan, MANIFEST_NAME, parseManifest, pulsarQueues } from '../../src/internal.js';
import { pulsarMqConfig } from '../../src/sites/pulsar-amqp/config.js';

const run = promisify(execFile);

describe('pulsarQueues', () => {
  it("follows Pulsar's rule: pulsar_ for _default_, pulsar_<manager>_ otherwise, amqp_key_prefix over both", () => {
    expect(pulsarQueues()).toMatchObject({ setup: 'pulsar__setup', kill: 'pulsar__kill', status: 'pulsar__status', statusUpdate: 'pulsar__status_update', statusUpdateAck: 'pulsar__status_update_ack' });
    expect(pulsarQueues('gpu')).toMatchObject({ setup: 'pulsar_gpu__setup', setupAck: 'pulsar_gpu__setup_ack' });
    expect(pulsarQueues('gpu', 'site1')).toMatchObject({ prefix: 'site1', status: 'site1_status', statusAck: 'site1_status_ack' });
  });
});

describe('launchPlan', () => {
  const spec = {
    inputs: [
      { path: '/data/in/a.txt', url: 'file:///home/me/a.txt' },
      { path: '/data/in/b.txt', content: 'b' },
      { path: '/data/in/c.txt', url: 'https://example.org/c.txt' },
    ],
    outputs: [{ path: '/data/out/x.txt', url: '/home/me/x.txt' }],
    executors: [{ image: 'alpine', command: ['sh', '-c', 'cat /data/in/a.txt /data/in/b.txt > /data/out/x.txt'], env: { MODE: 'fast' } }],
  };
  const plan = launchPlan(spec, 'j1', { jobsDirectory: '/srv/staging/', env: [{ name: 'SITE', value: 'eu' }] }, 'http://me:1/api/jobs/j1/files?job_key=K', (p) => `http://me:1/in?path=${p}`);

  it('asks Pulsar to set the job up itself and to pull every input with remote_transfer', () => {
    expect(plan.launch).toMatchObject({
      job_id: 'j1',
      setup_params: { job_id: 'j1', use_metadata: true },
      env: [{ name: 'SITE', value: 'eu' }],
      dependencies_description: null,
      submit_params: {},
    });
    const staging = plan.launch.remote_staging as { setup: unknown[]; action_mapper: unknown; client_outputs: { output_files: string[] } };
    expect(staging.setup).toEqual([
      { name: 'data/in/a.txt', type: 'input', action: { action_type: 'remote_transfer', path: '/data/in/a.txt', source: { path: '/data/in/a.txt' }, url: 'http://me:1/in?path=/data/in/a.txt' } },
      { name: 'data/in/b.txt', type: 'input', action: { action_type: 'remote_transfer', path: '/data/in/b.txt', source: { path: '/data/in/b.txt' }, url: 'http://me:1/in?path=/data/in/b.txt' } },
      // An http(s) input is fetched by Pulsar from its own URL.
      { name: 'data/in/c.txt', type: 'input', action: { action_type: 'remote_transfer', path: '/data/in/c.txt', source: { path: '/data/in/c.txt' }, url: 'https://example.org/c.txt' } },
    ]);
    expect(staging.action_mapper).toEqual({ default_action: 'remote_transfer', files_endpoint: 'http://me:1/api/jobs/j1/files?job_key=K', paths: [] });
    expect(staging.client_outputs.output_files).toEqual(['output-0', MANIFEST_NAME]);
    expect(plan.inputs.map((i) => i.via)).toEqual(['job-files', 'job-files', 'url']);
  });

  it('runs the executors in <jobsDirectory>/<id> with container paths under inputs/, and writes outputs and the manifest last', async () => {
    const command = plan.launch.command_line as string;
    expect(command).toContain('cat /srv/staging/j1/inputs/data/in/a.txt /srv/staging/j1/inputs/data/in/b.txt > /srv/staging/j1/inputs/data/out/x.txt');
    expect(command).not.toMatch(/\n$/);
    // Run it as Pulsar would: cwd = <job>/working, inputs staged under <job>/inputs.
    const root = await mkdtemp(join(tmpdir(), 'amqp-launch-'));
    try {
      const local = launchPlan(spec, 'j1', { jobsDirectory: root }, 'http://x/', (p) => p);
      for (const dir of ['working', 'outputs', 'inputs/data/in']) await mkdir(join(root, 'j1', dir), { recursive: true });
      await writeFile(join(root, 'j1', 'inputs/data/in/a.txt'), 'A');
      await writeFile(join(root, 'j1', 'inputs/data/in/b.txt'), 'B');
      await run('sh', ['-c', local.launch.command_line as string], { cwd: join(root, 'j1', 'working') });
      expect(await readFile(join(root, 'j1', 'outputs', 'output-0'), 'utf8')).toBe('AB');
      const manifest = parseManifest(await readFile(join(root, 'j1', 'outputs', MANIFEST_NAME), 'utf8'));
      expect(manifest).toEqual([{ name: '/data/out/x.txt', size: 2, sha256: '38164fbd17603d73f696b8b4d72664d735bb6a7c88577687fd2ae33fd6964153' }]);
      expect(await readFile(join(root, 'j1', 'working', 'exit-codes'), 'utf8')).toBe('0\n');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('pulsar-amqp configuration', () => {
  it('builds a PulsarMqSite from a configured site, basic auth as the broker user', async () => {
    const site = await nodeSiteRegistry().create(
      {
        description: { id: 'eu1', kind: 'pulsar-amqp', url: 'amqp://mq.example.org:5672' } as never,
        auth: { type: 'basic', username: 'galaxy', password: 'p@ss' },
        options: { jobsDirectory: '/srv/staging', manager: 'gpu', acknowledge: true, filesServer: { port: 0, publicUrl: 'https://me.example.org' } },
      },
      { onHttpEvent: () => undefined },
    );
    expect(site).toBeInstanceOf(PulsarMqSite);
    expect(site.kind).toBe('pulsar-amqp');
    expect(pulsarMqConfig('eu1', 'amqp://mq:5672', { type: 'basic', username: 'galaxy', password: 'p@ss' }, { jobsDirectory: '/s' }).url).toBe('amqp://galaxy:p%40ss@mq:5672');
  });

  it('names every bad option with its path', () => {
    const error = (() => {
      try {
        return pulsarMqConfig('eu1', 'amqp://mq', { type: 'bearer', token: 't' }, { manager: '', durable: 'yes', filesServer: { port: 70000, nope: 1 }, extra: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      '$.sites[id=eu1].options.extra',
      '$.sites[id=eu1].auth.type',
      '$.sites[id=eu1].options.jobsDirectory',
      '$.sites[id=eu1].options.manager',
      '$.sites[id=eu1].options.durable',
      '$.sites[id=eu1].options.filesServer.nope',
      '$.sites[id=eu1].options.filesServer.port',
    ]);
  });

  it('refuses specs Pulsar cannot stage (directories, wildcards, missing files) before anything is sent', async () => {
    const site = new PulsarMqSite({ url: 'amqp://127.0.0.1:1', jobsDirectory: '/srv/staging' });
    const error = await site
      .submit(
        {
          inputs: [{ path: '/data/d', url: '/tmp', type: 'DIRECTORY' }, { path: '/data/m.txt', url: '/nonexistent/m.txt' }],
          outputs: [{ path: '/data/out/*.txt', path_prefix: '/data/out', url: '/tmp/out' }],
          executors: [{ image: 'x', command: ['true'] }],
        },
        { idempotencyKey: 'k' },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['$.inputs[0].type', '$.inputs[1].url', '$.outputs[0]']);
    await site.close();
  });

  it('fails a submit with a ConnectionError, password redacted, when the broker stays unreachable', async () => {
    const site = new PulsarMqSite({ url: 'amqp://user:hunter2@127.0.0.1:1', jobsDirectory: '/srv/staging', submitTimeoutMs: 300, reconnect: { minDelay: 50, maxDelay: 100 } });
    const error = await site.submit({ executors: [{ image: 'x', command: ['true'] }] }, { idempotencyKey: 'k' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).mayHaveBeenSent).toBe(true);
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect((await site.probe({ signal: AbortSignal.timeout(200) })).ok).toBe(false);
    await site.close();
  });
});
