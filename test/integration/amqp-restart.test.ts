// PulsarMqSite with a stateDirectory survives a restart of its caller: against a real RabbitMQ and a
// real Pulsar (webless), a site is closed while its job runs or before it ends, and a new site with
// the same stateDirectory and job-files port takes the job back: attach, lookup, the same job for the
// same idempotency key, Pulsar's pushes under the job's old key, and the outputs delivered; also
// through a network configuration (the TES gateway's path), and what happens when Pulsar pushes
// outputs while no site is up. Then the test plays Pulsar to pin the `lost` grace rule across restarts.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodeSiteRegistry, PulsarMqSite, type PulsarMqSiteOptions } from '../../src/node.js';
import { PULSAR_EXCHANGE } from '../../src/internal.js';
import { Job, JobEngine, Network, type JobEvent, type JobSpec } from '../../src/index.js';
import { freePort, startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { startRabbitMq, type RabbitMqBroker } from '../peers/rabbitmq.js';
import { playPulsar, QUICK_SITE_OPTIONS } from './amqp-pulsar-side.js';

const POLL = { minIntervalMs: 200, maxIntervalMs: 1_000 };
const engine = new JobEngine({ poll: POLL });
/** Pulsar retries a refused output POST 3 times, 0.5 s then 1 s apart: about 2.5 s per output. */
const POSTPROCESS_RETRIES = { postprocess_action_max_retries: 3, postprocess_action_interval_start: 0.5, postprocess_action_interval_step: 0.5, postprocess_action_interval_max: 1 };

let broker: RabbitMqBroker;
let pulsar: PulsarServer;
let root: string;
let stateDirectory: string;
let filesPort: number;
let serial = 0;
const sites: PulsarMqSite[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pulsar-amqp-restart-'));
  stateDirectory = join(root, 'state');
  filesPort = await freePort();
  broker = await startRabbitMq();
  pulsar = await startPulsar({
    messageQueueUrl: broker.url,
    manager: { extra: POSTPROCESS_RETRIES },
    app: { amqp_acknowledge: true, amqp_ack_republish_time: 5, min_polling_interval: 0.2, status_outbox_drain_interval: 0.5 },
  });
});

afterEach(async () => {
  for (const site of sites.splice(0)) await site.close();
});

afterAll(async () => {
  await pulsar?.stop();
  await broker?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A site as a restarted caller makes it: the same stateDirectory and job-files port every time. */
function newSite(): PulsarMqSite {
  const site = new PulsarMqSite({ id: 'eu-amqp', url: broker.url, jobsDirectory: pulsar.stagingDir, ...QUICK_SITE_OPTIONS, filesServer: { port: filesPort }, stateDirectory });
  sites.push(site);
  return site;
}

async function closeSite(site: PulsarMqSite): Promise<void> {
  sites.splice(sites.indexOf(site), 1);
  await site.close();
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} (Pulsar log:\n${(await pulsar.log()).slice(-2000)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
const stateOf = async (site: PulsarMqSite, id: string) => (await site.poll([id])).get(id)?.state;
/** Pulsar's log line when an output POST was refused and will be tried again. */
const REFUSED_POST = 'retrying in';
/** Pulsar's log line when it gave up sending a job's outputs back. */
const FAILED_POSTPROCESS = 'Failures collecting results';
const logLines = async (text: string) => (await pulsar.log()).split('\n').filter((line) => line.includes(text)).length;

/**
 * A job pulling a file input and an inline one, sleeping, then pushing back one binary output.
 * A gated job also waits (at most a minute) until the test calls `release()`, so that what a
 * test does while it runs (closing its site) happens before it ends, however loaded the machine.
 */
async function jobIn(seconds: number, gated = false): Promise<{ dir: string; spec: JobSpec; expected: Buffer; release: () => Promise<void> }> {
  const dir = join(root, `job-${++serial}`);
  await mkdir(dir, { recursive: true });
  const input = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
  await writeFile(join(dir, 'in.bin'), input);
  const gate = join(root, `gate-${serial}`);
  const wait = gated ? `i=0; while [ ! -e '${gate}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; ` : '';
  return {
    dir,
    expected: Buffer.concat([input, Buffer.from('tail\n')]),
    release: () => writeFile(gate, ''),
    spec: {
      inputs: [
        { path: '/data/in/in.bin', url: pathToFileURL(join(dir, 'in.bin')).href },
        { path: '/data/in/tail.txt', content: 'tail\n' },
      ],
      outputs: [{ path: '/data/out/both.bin', url: join(dir, 'both.bin') }],
      executors: [{ image: 'alpine:3', command: ['sh', '-c', `${wait}sleep ${seconds}; cat /data/in/in.bin /data/in/tail.txt > /data/out/both.bin; echo done`] }],
    },
  };
}

/** A new site (the caller restarted) and the result of the job attached on it. */
async function attachAfterRestart(remoteId: string) {
  const second = newSite();
  const job = await Job.attach(second, remoteId, { engine });
  return { second, result: await job.wait() };
}

/** A gated job of {@link jobIn} submitted to a first site, once it runs (it ends after `release()`). */
async function runningJob(seconds: number, idempotencyKey: string) {
  const first = newSite();
  const job = await jobIn(seconds, true);
  const { remoteId } = await first.submit(job.spec, { idempotencyKey });
  await until(async () => (await stateOf(first, remoteId)) === 'running', 'the job to run');
  return { first, remoteId, ...job };
}

describe('PulsarMqSite with a stateDirectory, its caller restarting (real RabbitMQ and Pulsar)', () => {
  it('a new site takes back a running job: attach, lookup, same job for the same key, output delivered byte-exact, events arrive', async () => {
    const { first, dir, spec, expected, remoteId, release } = await runningJob(1, 'restart-1');
    await closeSite(first);

    const second = newSite();
    expect(await second.lookup('restart-1')).toBe(remoteId);
    expect(second.jobRecords).toMatchObject({ reloaded: 1, skipped: [], failedWrites: 0 });
    // The same key again is the same job, not a second one.
    expect((await second.submit(spec, { idempotencyKey: 'restart-1' })).remoteId).toBe(remoteId);
    const job = await Job.attach(second, remoteId, { engine });
    await release();
    const events: JobEvent[] = [];
    for await (const event of job.watch()) events.push(event);
    const result = await job.wait();
    expect(result).toMatchObject({ state: 'complete', exitCodes: [0] });
    expect(result.logs.executors[0]?.stdout).toBe('done\n');
    expect(events.filter((e) => e.type === 'state').map((e) => (e as { state: string }).state)).toEqual(['running', 'complete']);
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    // Pulsar pushed the output to the new site under the job's old key; it matched the manifest.
    expect((await readFile(join(dir, 'both.bin'))).equals(expected)).toBe(true);
    expect(result.outputs).toEqual([{ path: '/data/out/both.bin', url: join(dir, 'both.bin'), sizeBytes: expected.length, sha256: sha256(expected) }]);
    expect((await readdir(dir)).sort()).toEqual(['both.bin', 'in.bin']);
    // Every status update was about a job the site knew.
    expect(second.statusUpdates.unknown).toBe(0);
    expect(await readdir(stateDirectory)).toEqual([`${remoteId}.json`]);
    await second.forget(remoteId);
    expect(await readdir(stateDirectory)).toEqual([]);
    expect(await second.lookup('restart-1')).toBeUndefined();
  });

  it('a job whose outputs Pulsar could only push once the new site was up is collected by it (Pulsar retrying its refused POSTs)', async () => {
    const { first, dir, expected, remoteId, release } = await runningJob(1, 'restart-2');
    const refusedBefore = await logLines(REFUSED_POST);
    await closeSite(first);
    await release();
    // The job ends while no site runs: Pulsar's POST of the output is refused (connection refused).
    await until(async () => (await logLines(REFUSED_POST)) > refusedBefore, 'Pulsar to have an output POST refused', 20_000);

    const { second, result } = await attachAfterRestart(remoteId);
    expect(result).toMatchObject({ state: 'complete', siteState: 'complete', exitCodes: [0] });
    expect((await readFile(join(dir, 'both.bin'))).equals(expected)).toBe(true);
    expect(result.outputs.map((o) => o.sha256)).toEqual([sha256(expected)]);
    await second.forget(remoteId);
  });

  it('outputs the old site received before it closed wait under their hidden names, and the new site delivers them', async () => {
    const first = newSite();
    const { dir, spec, expected } = await jobIn(1);
    const { remoteId } = await first.submit(spec, { idempotencyKey: 'restart-4' });
    const hidden = `.both.bin.${remoteId}.received`;
    await until(async () => (await readdir(dir)).includes(hidden), 'the old site to receive the output');
    await closeSite(first);
    expect((await readFile(join(dir, hidden))).equals(expected)).toBe(true);

    const { second, result } = await attachAfterRestart(remoteId);
    expect(result).toMatchObject({ state: 'complete', exitCodes: [0] });
    expect((await readFile(join(dir, 'both.bin'))).equals(expected)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['both.bin', 'in.bin']);
    await second.forget(remoteId);
  });

  it('through a network configuration, as the TES gateway runs it: a new Network attaches to the job the old one submitted and collects it', async () => {
    // The broker user as basic auth, as a configuration names it (pulsarMqConfig puts it into the URL).
    const brokerUrl = new URL(broker.url);
    process.env.PN_TEST_AMQP_PASSWORD = decodeURIComponent(brokerUrl.password);
    const auth = { type: 'basic' as const, username: decodeURIComponent(brokerUrl.username), passwordEnv: 'PN_TEST_AMQP_PASSWORD' };
    brokerUrl.username = brokerUrl.password = '';
    const config = {
      sites: [
        {
          id: 'eu-amqp',
          kind: 'pulsar-amqp' as const,
          url: brokerUrl.href,
          auth,
          options: { jobsDirectory: pulsar.stagingDir, acknowledge: true, statusRequestIntervalMs: 2_000, filesServer: { port: filesPort }, stateDirectory },
        },
      ],
    };
    const options = { registry: nodeSiteRegistry(), engine };
    // Gated: it runs until the first network is closed, so the network's engine sees it running.
    const { dir, spec, expected, release } = await jobIn(1, true);
    const first = await Network.create(config, options);
    const submitted = first.submit(spec);
    try {
      await until(() => submitted.state === 'running', 'the job to run');
    } finally {
      // Closed in any case: a first network left open would hold the job-files port for the tests after this one.
      await first.close();
      await release();
    }
    const remoteId = submitted.remoteId as string;

    const second = await Network.create(config, options);
    try {
      const job = second.attach('eu-amqp', remoteId, spec, { id: submitted.id });
      const result = await job.wait();
      expect(result).toMatchObject({ state: 'complete', siteId: 'eu-amqp', remoteId, exitCodes: [0] });
      expect((await readFile(join(dir, 'both.bin'))).equals(expected)).toBe(true);
    } finally {
      await second.close();
      delete process.env.PN_TEST_AMQP_PASSWORD;
    }
  });

  it('a job that ended entirely while no site ran, its outputs never pushed: system_error, the reason given, nothing delivered', async () => {
    const { first, dir, remoteId, release } = await runningJob(1, 'restart-3');
    const failuresBefore = await logLines(FAILED_POSTPROCESS);
    await closeSite(first);
    await release();
    // Pulsar gives up on the output and the manifest (its retries run out).
    await until(async () => (await logLines(FAILED_POSTPROCESS)) > failuresBefore, 'Pulsar to give up pushing the outputs', 30_000);

    const { second, result } = await attachAfterRestart(remoteId);
    // Pulsar 0.16.0 gives two answers about such a job, and which the new site reads first is a race
    // between them: its published final status says `failed`; its answer to the status request the
    // site sends on connect says `complete`. Both carry the job's own results (return code 0, our
    // exit-codes file), and either way the job ends system_error with nothing delivered.
    const final = second.finalStatus(remoteId) as { status: string };
    expect(final).toMatchObject({ returncode: 0, outputs_directory_contents: expect.arrayContaining(['output-0']) });
    expect(result).toMatchObject({ state: 'system_error', siteState: final.status, exitCodes: [0] });
    expect(result.logs.executors).toEqual([{ exitCode: 0, stdout: 'done\n', stderr: '' }]);
    expect(result.logs.system).toEqual(
      final.status === 'failed'
        ? [
            'Pulsar reported the job failed',
            "the executors had ended (exit codes 0); Pulsar failed after them, sending the outputs back to the job-files server (was the site down or unreachable? Pulsar's postprocess_action_max_retries lets it try longer); nothing was delivered",
          ]
        : ['Pulsar did not send the output manifest back'],
    );
    expect(['failed', 'complete']).toContain(final.status);
    expect(result.outputs).toEqual([]);
    expect(await readdir(dir)).toEqual(['in.bin']);
    await second.forget(remoteId);
  });
});

describe("PulsarMqSite with a stateDirectory and a 'lost' that may have overtaken the setup, across a restart (the test playing Pulsar)", () => {
  const spec: JobSpec = { executors: [{ image: 'x', command: ['true'] }] };

  function fakeSite(manager: string, directory: string, extra: Partial<PulsarMqSiteOptions> = {}): PulsarMqSite {
    const site = new PulsarMqSite({ url: broker.url, jobsDirectory: '/nowhere', manager, stateDirectory: directory, ...extra });
    sites.push(site);
    return site;
  }

  it('keeps setup time and what Pulsar showed it read: a restart asks every job in flight at once, and the grace rule holds as before', async () => {
    const directory = join(root, 'state-grace');
    const pulsarSide = await playPulsar(broker.url, 'nobody-restart');
    try {
      const first = fakeSite('nobody-restart', directory, { setupGraceMs: 6_000 });
      const seen = (await first.submit(spec, { idempotencyKey: 'seen' })).remoteId;
      const unseen = (await first.submit(spec, { idempotencyKey: 'unseen' })).remoteId;
      await pulsarSide.say({ job_id: seen, status: 'running' });
      await until(async () => (await stateOf(first, seen)) === 'running', 'the first job to run');
      await closeSite(first);
      await pulsarSide.drain(pulsarSide.queues.status);

      const second = fakeSite('nobody-restart', directory, { setupGraceMs: 6_000 });
      await second.start();
      // On connecting, the new site asks the status of both recorded jobs.
      let asked: string[] = [];
      await until(async () => (asked = [...asked, ...(await pulsarSide.drain(pulsarSide.queues.status)).map((b) => b.job_id as string)]).length >= 2, 'the status requests');
      expect(asked.sort()).toEqual([seen, unseen].sort());
      // Within the grace of its setup, a `lost` of the job Pulsar never showed it read is dropped; of the other, believed.
      await pulsarSide.say({ job_id: unseen, status: 'lost' });
      await pulsarSide.say({ job_id: seen, status: 'lost' });
      // Handled in order: once the second answer moved its job, the first was handled (and dropped).
      await until(async () => (await stateOf(second, seen)) === 'lost', 'the job Pulsar had shown it read to be lost');
      expect(await stateOf(second, unseen)).toBe('queued');
      expect(second.statusUpdates).toMatchObject({ accepted: 1, unknown: 0 });
      // Past the grace (counted from the setup, before the restart), it is believed.
      await until(async () => {
        await pulsarSide.say({ job_id: unseen, status: 'lost' });
        await new Promise((r) => setTimeout(r, 200));
        return (await stateOf(second, unseen)) === 'lost';
      }, 'the unread job to be lost', 15_000);
    } finally {
      await pulsarSide.close();
    }
  });

  it('with acknowledge, a setup Pulsar had not acknowledged is republished by the new site until it is, and a `lost` waits for that', async () => {
    const directory = join(root, 'state-ack');
    const pulsarSide = await playPulsar(broker.url, 'nobody-restart-ack');
    try {
      const options = { acknowledge: true, republishMs: 500, setupGraceMs: 0 };
      const first = fakeSite('nobody-restart-ack', directory, options);
      const id = (await first.submit(spec, { idempotencyKey: 'k' })).remoteId;
      await closeSite(first);
      const [setup] = await pulsarSide.drain(pulsarSide.queues.setup);
      expect(setup).toMatchObject({ job_id: id, acknowledge_queue: 'setup_ack' });

      const second = fakeSite('nobody-restart-ack', directory, options);
      await second.start();
      await pulsarSide.say({ job_id: id, status: 'lost' });
      await until(() => second.statusUpdates.received === 1, 'the site to consume the answer');
      expect(await stateOf(second, id)).toBe('queued');
      // The new site republishes the same setup, same uuid, as Pulsar's protocol says.
      let again: Array<Record<string, unknown>> = [];
      await until(async () => (again = await pulsarSide.drain(pulsarSide.queues.setup)).length > 0, 'the setup to be republished');
      expect(again[0]).toMatchObject({ job_id: id, acknowledge_uuid: setup?.acknowledge_uuid, force_noack: true, command_line: setup?.command_line });
      pulsarSide.channel.publish(PULSAR_EXCHANGE, pulsarSide.queues.setupAck, Buffer.from(JSON.stringify({ acknowledge_uuid_response: setup?.acknowledge_uuid })));
      await pulsarSide.channel.waitForConfirms();
      // The acknowledgement is recorded (a later site expects none), and a `lost` is now believed.
      const record = async () => JSON.parse(await readFile(join(directory, `${id}.json`), 'utf8')) as { setupAcked?: boolean; state: string };
      await until(async () => (await record()).setupAcked === true, 'the site to record the acknowledgement');
      await pulsarSide.say({ job_id: id, status: 'lost' });
      await until(async () => (await stateOf(second, id)) === 'lost', 'the job to be lost');
      expect(second.statusUpdates).toMatchObject({ received: 2, accepted: 1, dropped: 1 });
      await until(async () => (await record()).state === 'lost', 'the site to record the state');
    } finally {
      await pulsarSide.close();
    }
  });
});
