/**
 * bench/pulsar-amqp: one input staged in, `cat` into one output, staged out, through
 * PulsarMqSite (Pulsar webless over RabbitMQ: Pulsar pulls the input from and pushes the
 * output to the site's job-files server) and, in the same run with the same bytes, through
 * Pulsar's REST mode (runStagedJob: the client pushes and pulls), each against its own
 * real Pulsar 0.16.0 on this machine. Also the latency of a job with no files.
 *
 *   npx tsx bench/pulsar-amqp/main.ts                  # 256 MiB, 1 run
 *   PULSAR_AMQP_BENCH_MIB=64 PULSAR_AMQP_BENCH_RUNS=3 npx tsx bench/pulsar-amqp/main.ts
 *
 * Not part of the tests: figures go to stdout only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobEngine, submitJob } from '../../src/index.js';
import { PulsarClient } from '../../src/pulsar-entry.js';
import { nodeHttpFetch, PulsarMqSite, runStagedJob } from '../../src/node.js';
import { startPulsar } from '../../test/peers/pulsar.js';
import { startRabbitMq } from '../../test/peers/rabbitmq.js';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.env.PULSAR_AMQP_BENCH_MIB ?? 256);
const runs = Math.max(1, Number(process.env.PULSAR_AMQP_BENCH_RUNS ?? 1));

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const root = await mkdtemp(join(tmpdir(), 'pulsar-amqp-bench-'));
const broker = await startRabbitMq();
const engine = new JobEngine({ poll: { minIntervalMs: 100, maxIntervalMs: 500 } });
const mq = await startPulsar({ messageQueueUrl: broker.url, app: { min_polling_interval: 0.1 } });
const web = await startPulsar({ app: { min_polling_interval: 0.1 } });
const site = new PulsarMqSite({ url: broker.url, jobsDirectory: mq.stagingDir });
const client = new PulsarClient({ url: web.url, token: web.token ?? undefined, fetch: nodeHttpFetch });
try {
  const input = join(root, 'input.bin');
  const block = randomBytes(MIB);
  const out = createWriteStream(input);
  for (let i = 0; i < sizeMiB; i++) if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((done) => out.end(() => done()));
  const expected = await sha256(input);

  const amqp = async (n: number, withFile: boolean): Promise<number> => {
    const dir = join(root, `amqp-${n}-${withFile}`);
    await mkdir(dir, { recursive: true });
    const started = performance.now();
    const result = await submitJob(
      site,
      withFile
        ? { inputs: [{ path: '/data/in.bin', url: input }], outputs: [{ path: '/data/out.bin', url: join(dir, 'out.bin') }], executors: [{ image: 'x', command: ['cp', '/data/in.bin', '/data/out.bin'] }] }
        : { executors: [{ image: 'x', command: ['true'] }] },
      { engine },
    ).wait();
    const seconds = (performance.now() - started) / 1000;
    if (result.state !== 'complete') throw new Error(`AMQP run ended ${result.state}: ${result.logs.system.join('; ')}`);
    if (withFile && (await sha256(join(dir, 'out.bin'))) !== expected) throw new Error('AMQP output differs');
    await site.forget(result.remoteId as string);
    await rm(dir, { recursive: true, force: true });
    return seconds;
  };

  const rest = async (n: number, withFile: boolean): Promise<number> => {
    const dir = join(root, `rest-${n}-${withFile}`);
    await mkdir(join(dir, 'work'), { recursive: true });
    const output = join(dir, 'out.bin');
    const started = performance.now();
    const result = await runStagedJob(
      client,
      withFile
        ? { jobId: `bench-${n}`, commandLine: `cp '${input}' '${output}'`, inputs: [{ path: input }], outputs: [output], workingDirectory: join(dir, 'work'), cleanup: 'always' }
        : { jobId: `bench-empty-${n}`, commandLine: 'true', inputs: [], outputs: [], workingDirectory: join(dir, 'work'), cleanup: 'always' },
      { interval: 100 },
    );
    const seconds = (performance.now() - started) / 1000;
    if (!result.ok) throw new Error(`REST run failed: ${result.status.status}`);
    if (withFile && (await sha256(output)) !== expected) throw new Error('REST output differs');
    await rm(dir, { recursive: true, force: true });
    return seconds;
  };

  const rows: string[][] = [['run', 'job', 'AMQP s', 'REST s', 'AMQP MiB/s', 'REST MiB/s']];
  for (let n = 0; n < runs; n++) {
    // Alternate who goes first, so neither always meets a warm disk cache.
    const [a, r] = n % 2 === 0 ? [await amqp(n, true), await rest(n, true)] : [await rest(n, true), await amqp(n, true)].reverse() as [number, number];
    rows.push([String(n + 1), `${sizeMiB} MiB in + out`, a.toFixed(2), r.toFixed(2), ((2 * sizeMiB) / a).toFixed(1), ((2 * sizeMiB) / r).toFixed(1)]);
    const [ea, er] = [await amqp(n, false), await rest(n, false)];
    rows.push([String(n + 1), 'no files (`true`)', ea.toFixed(2), er.toFixed(2), '', '']);
  }
  console.log(`\nPulsar ${web.version} (REST on ${web.url}; webless over RabbitMQ on ${broker.url.replace(/\/\/.*@/, '//')}), ${runs} run(s)`);
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(i === 1 ? 22 : 12)).join(''));
  console.log(`Node peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  await site.close();
  await mq.stop();
  await web.stop();
  await broker.stop();
  await rm(root, { recursive: true, force: true });
}
