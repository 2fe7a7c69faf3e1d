// PulsarMqSite against a real Pulsar (webless, message_queue_url) and a real RabbitMQ,
// both started here once for the file: a job end to end with inputs pulled from and
// outputs pushed to the job-files server, Pulsar's acknowledgement protocol, redelivered
// status updates, the unified-job acceptance specs, and restarts of the broker and of Pulsar.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarMqSite } from '../../src/node.js';
import { PULSAR_EXCHANGE, pulsarQueues } from '../../src/internal.js';
import { JobEngine, submitJob, UnknownJobError, type JobEvent, type JobSpec } from '../../src/index.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { startRabbitMq, type RabbitMqBroker } from '../peers/rabbitmq.js';
import { playPulsar, QUICK_SITE_OPTIONS } from './amqp-pulsar-side.js';
import { describeAcceptance } from './jobs-acceptance.js';

const POLL = { minIntervalMs: 200, maxIntervalMs: 1_000 };
const engine = new JobEngine({ poll: POLL });

let broker: RabbitMqBroker;
let pulsar: PulsarServer;
let site: PulsarMqSite;
let root: string;
let serial = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pulsar-amqp-'));
  broker = await startRabbitMq();
  pulsar = await startPulsar({
    messageQueueUrl: broker.url,
    // Pulsar asks for acknowledgements of its status updates; the site asks for them too.
    app: { amqp_acknowledge: true, amqp_ack_republish_time: 5, min_polling_interval: 0.2, status_outbox_drain_interval: 0.5 },
  });
  site = new PulsarMqSite({ id: 'eu-amqp', url: broker.url, jobsDirectory: pulsar.stagingDir, ...QUICK_SITE_OPTIONS });
  await site.start();
});

afterAll(async () => {
  await site?.close();
  await pulsar?.stop();
  await broker?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function workDir(): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  const dir = join(root, `job-${++serial}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} (status updates ${JSON.stringify(site?.statusUpdates)}; Pulsar log:\n${(await pulsar?.log())?.slice(-2000)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A job that waits until the test calls `release()` (at most a minute), so what the test does
 * while it runs (restarting the broker or Pulsar) happens before it ends however loaded the
 * machine is; then it counts the lines of its pulled input.
 */
async function gatedJob(dir: string): Promise<{ spec: JobSpec; release: () => Promise<void> }> {
  await writeFile(join(dir, 'in.txt'), 'one\ntwo\nthree\n');
  const gate = `${dir}.gate`;
  const wait = `i=0; while [ ! -e '${gate}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done`;
  return {
    release: () => writeFile(gate, ''),
    spec: {
      name: 'gated',
      inputs: [{ path: '/data/in/in.txt', url: pathToFileURL(join(dir, 'in.txt')).href }],
      outputs: [{ path: '/data/out/count.txt', url: join(dir, 'count.txt') }],
      executors: [{ image: 'alpine:3', command: ['sh', '-c', `${wait}; wc -l < /data/in/in.txt | tr -d ' ' > /data/out/count.txt; echo slept`] }],
    },
  };
}

describe('PulsarMqSite over a real RabbitMQ and Pulsar', () => {
  let finished: { remoteId: string; events: JobEvent[] } | undefined;

  it('runs a job end to end: inputs pulled from the job-files server, outputs pushed back and verified, final state as an event', async () => {
    const dir = await workDir();
    const big = 'x'.repeat(3 * 1024 * 1024 + 17);
    await writeFile(join(dir, 'big.bin'), big);
    const spec: JobSpec = {
      inputs: [
        { path: '/data/in/big.bin', url: pathToFileURL(join(dir, 'big.bin')).href },
        { path: '/data/in/name.txt', content: 'world' },
      ],
      outputs: [
        { path: '/data/out/copy.bin', url: join(dir, 'copy.bin') },
        { path: '/data/out/hello.txt', url: pathToFileURL(join(dir, 'hello.txt')).href },
      ],
      executors: [
        { image: 'alpine:3', command: ['sh', '-c', 'cp /data/in/big.bin /data/out/copy.bin && echo "hello $(cat /data/in/name.txt)" > /data/out/hello.txt; echo to-stdout; echo to-stderr >&2'] },
      ],
    };
    const job = submitJob(site, spec, { engine });
    const transfers: string[] = [];
    job.on('transfer', (e) => transfers.push(`${e.direction} ${e.file} ${e.bytesDone}`));
    const events: JobEvent[] = [];
    for await (const event of job.watch()) events.push(event);
    const result = await job.wait();
    expect(result.state).toBe('complete');
    expect(result.exitCodes).toEqual([0]);
    expect(events.at(-2)).toMatchObject({ type: 'state', state: 'complete' });
    expect(result.logs.executors[0]).toMatchObject({ exitCode: 0, stdout: 'to-stdout\n', stderr: 'to-stderr\n' });
    expect(await readFile(join(dir, 'hello.txt'), 'utf8')).toBe('hello world\n');
    expect((await readFile(join(dir, 'copy.bin'), 'utf8')) === big).toBe(true);
    expect(result.outputs.map(({ path, sizeBytes, sha256: digest }) => ({ path, sizeBytes, digest }))).toEqual([
      { path: '/data/out/copy.bin', sizeBytes: big.length, digest: sha256(big) },
      { path: '/data/out/hello.txt', sizeBytes: 12, digest: sha256('hello world\n') },
    ]);
    // Nothing is left beside the outputs (received files wait under hidden names until verified).
    expect((await readdir(dir)).sort()).toEqual(['big.bin', 'copy.bin', 'hello.txt']);
    // Pulsar's own record: it staged the inputs from our URLs and ran in <jobsDirectory>/<id>.
    expect(site.finalStatus(job.remoteId as string)).toMatchObject({ status: 'complete', job_directory: join(pulsar.stagingDir, job.remoteId as string) });
    // Pulsar's pulls are the job's uploads; deliveries its downloads.
    expect(transfers.sort()).toEqual([
      `down ${join(dir, 'copy.bin')} ${big.length}`,
      `down ${pathToFileURL(join(dir, 'hello.txt')).href} 12`,
      `up /data/in/big.bin ${big.length}`,
      'up /data/in/name.txt 5',
    ]);
    finished = { remoteId: job.remoteId as string, events };

    // The acknowledgement protocol both ways: Pulsar acknowledged our setup, and we acknowledged its status updates.
    await until(() => site.unacknowledged === 0, 'Pulsar to acknowledge the setup message');
    const store = join(pulsar.persistenceDir, 'amqp_ack-_default_', 'publish');
    await until(async () => (await readdir(store)).length === 0, "Pulsar's publish store to empty (our acknowledgements)");
  });

  it('drops redelivered status updates: duplicates, stale ones and a second terminal state change nothing', async () => {
    expect(finished).toBeDefined();
    const { remoteId } = finished as { remoteId: string };
    const final = site.finalStatus(remoteId) as Record<string, unknown>;
    const before = site.statusUpdates;
    const connection = await connect(broker.url);
    const channel = await connection.createConfirmChannel();
    const queue = pulsarQueues().statusUpdate;
    // Pulsar asked for an acknowledgement of its update: the same uuid again is a republish.
    expect(typeof final.acknowledge_uuid).toBe('string');
    const { acknowledge_uuid: _uuid, acknowledge_queue: _queue, acknowledge_submit_queue: _submit, ...plain } = final;
    const redelivered = [
      final,
      { ...final, force_noack: true },
      plain,
      { job_id: remoteId, status: 'running', complete: 'false' },
      { ...plain, status: 'failed', returncode: 1 },
    ];
    for (const body of redelivered) channel.publish(PULSAR_EXCHANGE, queue, Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
    await channel.waitForConfirms();
    await connection.close();
    await until(() => site.statusUpdates.received >= before.received + redelivered.length, 'the site to consume the redelivered updates');
    const after = site.statusUpdates;
    expect(after.accepted).toBe(before.accepted);
    expect(after.dropped - before.dropped).toBe(redelivered.length);
    const status = (await site.poll([remoteId])).get(remoteId);
    expect(status).toMatchObject({ state: 'complete', siteState: 'complete', exitCodes: [0] });
    expect(site.finalStatus(remoteId)).toBe(final);
    const outcome = await site.collect(remoteId);
    expect(outcome.state).toBe('complete');
    expect(outcome.outputs).toHaveLength(2);
  });

  it('cancels a running job with kill; the status request that follows reports it canceled', async () => {
    const job = submitJob(site, { executors: [{ image: 'alpine:3', command: ['sh', '-c', 'sleep 60'] }] }, { engine });
    await until(() => job.state === 'running', 'the job to run');
    await job.cancel();
    const result = await job.wait();
    expect(result).toMatchObject({ state: 'canceled', siteState: 'cancelled' });
  });

  it('gives one job for one idempotency key, even for two submits at once', async () => {
    const spec: JobSpec = { executors: [{ image: 'alpine:3', command: ['true'] }] };
    const [a, b] = await Promise.all([site.submit(spec, { idempotencyKey: 'same-key' }), site.submit(spec, { idempotencyKey: 'same-key' })]);
    expect(a.remoteId).toBe(b.remoteId);
    expect((await site.submit(spec, { idempotencyKey: 'same-key' })).remoteId).toBe(a.remoteId);
    await until(async () => (await site.poll([a.remoteId])).get(a.remoteId)?.state === 'complete', 'the job to complete');
    await site.forget(a.remoteId);
  });

  it('a job keeps going while RabbitMQ restarts: it completes and its events arrive', async () => {
    const dir = await workDir();
    const { spec, release } = await gatedJob(dir);
    const job = submitJob(site, spec, { engine });
    const states: string[] = [];
    job.on('state', (e) => states.push(e.state));
    await until(() => job.state === 'running', 'the job to run');
    await broker.restart();
    await release();
    const result = await job.wait();
    expect(result.state).toBe('complete');
    expect(states).toEqual(['queued', 'running', 'complete']);
    expect(await readFile(join(dir, 'count.txt'), 'utf8')).toBe('3\n');
    expect(result.logs.executors[0]?.stdout).toBe('slept\n');
  });

  it('a job whose Pulsar restarts while it runs ends as Pulsar decides (lost) and never waits forever', async () => {
    const dir = await workDir();
    const { spec, release } = await gatedJob(dir);
    const job = submitJob(site, spec, { engine });
    await until(() => job.state === 'running', 'the job to run');
    await pulsar.halt();
    // The job's process outlives Pulsar (its own process group); let it end while Pulsar is away.
    await release();
    // While Pulsar is away the broker answers, but nobody consumes the setup queue.
    expect(await site.probe()).toMatchObject({ ok: false, error: 'the broker is up but no Pulsar consumes the setup queue' });
    await pulsar.resume();
    expect((await site.probe()).ok).toBe(true);
    const result = await job.wait();
    // Pulsar 0.16.0 cannot recover a queued_python job that was running: its recovery reads a
    // `command_line` job file this manager never writes, fails, and publishes `lost`.
    expect(result).toMatchObject({ state: 'lost', siteState: 'lost' });
    expect(await pulsar.log()).toMatch(/Failed to recover active job/);
    // Nothing of a lost job is delivered.
    expect(result.outputs).toEqual([]);
    expect(await readdir(dir)).toEqual(['in.txt']);
    await site.forget(job.remoteId as string);
    await expect(site.attach(job.remoteId as string)).rejects.toBeInstanceOf(UnknownJobError);
  });
});

describe('PulsarMqSite with the test playing Pulsar (manager "nobody" on the same broker)', () => {
  it('keeps an output that does not match the manifest out of its destination: system_error, nothing delivered', async () => {
    const fake = new PulsarMqSite({ url: broker.url, jobsDirectory: '/nowhere', manager: 'nobody' });
    const queues = pulsarQueues('nobody');
    const connection = await connect(broker.url);
    try {
      // Connected, queues declared; nobody consumes them.
      expect(await fake.probe()).toMatchObject({ ok: false, error: 'the broker is up but no Pulsar consumes the setup queue' });
      const dir = await workDir();
      const job = submitJob(fake, { outputs: [{ path: '/data/out.txt', url: join(dir, 'out.txt') }], executors: [{ image: 'x', command: ['true'] }] }, { engine });
      const channel = await connection.createConfirmChannel();
      let message: false | { content: Buffer } = false;
      await until(async () => (message = await channel.get(queues.setup, { noAck: true })) !== false, 'the setup message');
      const launch = JSON.parse((message as unknown as { content: Buffer }).content.toString()) as {
        job_id: string;
        remote_staging: { action_mapper: { files_endpoint: string } };
      };
      const endpoint = launch.remote_staging.action_mapper.files_endpoint;
      const post = async (path: string, body: string) => {
        const form = new FormData();
        form.append('file', new Blob([body]), 'filename');
        const response = await fetch(`${endpoint}&path=${path}&file_type=output`, { method: 'POST', body: form });
        expect(response.status).toBe(200);
      };
      // The job wrote "original", but other bytes arrive.
      await post('output-0', 'tampered');
      await post('pulsar-network-manifest', `pulsar-network-manifest 1\n${sha256('original')} 8 /data/out.txt\nend 1\n`);
      const status = {
        job_id: launch.job_id,
        status: 'complete',
        complete: 'true',
        returncode: 0,
        realized_dynamic_file_sources: [{ type: 'galaxy', path: 'exit-codes', contents: '0\n' }],
      };
      channel.publish(PULSAR_EXCHANGE, queues.statusUpdate, Buffer.from(JSON.stringify(status)), { contentType: 'application/json' });
      await channel.waitForConfirms();
      const result = await job.wait();
      expect(result.state).toBe('system_error');
      expect(result.logs.system.join('\n')).toMatch(/does not match the job's manifest \(sha256/);
      expect(result.outputs).toEqual([]);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await connection.close();
      await fake.close();
    }
  });
});

describe("PulsarMqSite and a 'lost' that may have overtaken the job's setup (the test playing Pulsar)", () => {
  // Pulsar reads `setup` and `status` on separate threads: a status request sent right after a
  // setup (say, by the reconnection that also sends the setup) can be answered `lost` before
  // Pulsar has read the job. Seen for real after a broker restart, under load.
  const spec: JobSpec = { executors: [{ image: 'x', command: ['true'] }] };

  it("drops it within setupGraceMs of the setup, believes one after any other state at once, and one after the grace", async () => {
    const fake = new PulsarMqSite({ url: broker.url, jobsDirectory: '/nowhere', manager: 'nobody-lost', setupGraceMs: 1_500 });
    const pulsarSide = await playPulsar(broker.url, 'nobody-lost');
    try {
      const first = (await fake.submit(spec, { idempotencyKey: 'first' })).remoteId;
      const second = (await fake.submit(spec, { idempotencyKey: 'second' })).remoteId;
      const state = async (id: string) => (await fake.poll([id])).get(id)?.state;
      await pulsarSide.say({ job_id: first, status: 'lost' });
      await pulsarSide.say({ job_id: second, status: 'lost' });
      await until(() => fake.statusUpdates.received === 2, 'the site to consume both answers');
      expect(fake.statusUpdates).toMatchObject({ accepted: 0, dropped: 2 });
      expect([await state(first), await state(second)]).toEqual(['queued', 'queued']);
      // Pulsar's setup thread catches up with the first job; once it has run, `lost` is news.
      await pulsarSide.say({ job_id: first, status: 'running' });
      await until(async () => (await state(first)) === 'running', 'the first job to run');
      await pulsarSide.say({ job_id: first, status: 'lost' });
      await until(async () => (await state(first)) === 'lost', 'the first job to be lost');
      // Past the grace, Pulsar saying `lost` of a job it never showed it read is believed.
      await new Promise((r) => setTimeout(r, 1_600));
      await pulsarSide.say({ job_id: second, status: 'lost' });
      await until(async () => (await state(second)) === 'lost', 'the second job to be lost');
      expect(fake.statusUpdates).toMatchObject({ received: 5, accepted: 3, dropped: 2 });
    } finally {
      await pulsarSide.close();
      await fake.close();
    }
  });

  it('with acknowledge, drops it until Pulsar has acknowledged the setup, however late', async () => {
    const fake = new PulsarMqSite({ url: broker.url, jobsDirectory: '/nowhere', manager: 'nobody-ack', acknowledge: true, setupGraceMs: 0 });
    const pulsarSide = await playPulsar(broker.url, 'nobody-ack');
    try {
      const id = (await fake.submit(spec, { idempotencyKey: 'k' })).remoteId;
      const state = async () => (await fake.poll([id])).get(id)?.state;
      await pulsarSide.say({ job_id: id, status: 'lost' });
      await until(() => fake.statusUpdates.received === 1, 'the site to consume the answer');
      expect(await state()).toBe('queued');
      // Pulsar reads the setup and acknowledges it, as its amqp_acknowledge protocol says.
      let message: false | { content: Buffer } = false;
      await until(async () => (message = await pulsarSide.channel.get(pulsarSide.queues.setup, { noAck: true })) !== false, 'the setup message');
      const setup = JSON.parse((message as unknown as { content: Buffer }).content.toString()) as { job_id: string; acknowledge_uuid: string };
      expect(setup.job_id).toBe(id);
      pulsarSide.channel.publish(PULSAR_EXCHANGE, pulsarSide.queues.setupAck, Buffer.from(JSON.stringify({ acknowledge_uuid_response: setup.acknowledge_uuid })));
      await pulsarSide.channel.waitForConfirms();
      await until(() => fake.unacknowledged === 0, 'the site to take the acknowledgement');
      await pulsarSide.say({ job_id: id, status: 'lost' });
      await until(async () => (await state()) === 'lost', 'the job to be lost');
      expect(fake.statusUpdates).toMatchObject({ received: 2, accepted: 1, dropped: 1 });
    } finally {
      await pulsarSide.close();
      await fake.close();
    }
  });
});

describeAcceptance('pulsar-amqp', { site: () => site, workDir, poll: POLL });
