/**
 * Issue 13, acceptance 2: one engine drives every job, so the same spec
 * gives the same event types in the same order through `submitJob(site,
 * spec)`, `network.submit(spec)` and `network.attach(...)` — on the local
 * site and on a real Pulsar site — and the network emits exactly the
 * events of its jobs, submitted or attached.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, LocalSite, Network, nodeLocalFiles, PulsarRestSite, submitJob, type Job, type JobEvent, type JobSpec, type Site } from '../../src/node.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';

const POLL = { minIntervalMs: 100, maxIntervalMs: 300 };
let dir: string;
let pulsar: PulsarServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'same-events-'));
  pulsar = await startPulsar();
});
afterAll(async () => {
  await pulsar?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Inline input, two seconds of work with output along the way, one output file. */
function spec(name: string): JobSpec {
  return {
    name,
    inputs: [{ path: '/data/in.txt', content: 'input\n' }],
    outputs: [{ path: '/data/out.txt', url: join(dir, `${name}.txt`) }],
    executors: [{ image: 'alpine:3', command: ['sh', '-c', 'echo start; sleep 2; cat /data/in.txt > /data/out.txt; echo end'] }],
  };
}

/**
 * The order of a job's event types, consecutive repeats folded (how many
 * `log` or `transfer` events come depends on timing), with the site's two
 * ways of taking the job (`submitted`, `attached`) as one.
 */
function shape(events: readonly JobEvent[]): string[] {
  const tokens = events.map((e) => {
    switch (e.type) {
      case 'state':
        return `state:${e.state}`;
      case 'site':
        return `site:${e.action === 'submitted' || e.action === 'attached' ? 'taken' : e.action}`;
      case 'transfer':
        return `transfer:${e.direction}`;
      case 'error':
        return `error:${e.fatal ? 'fatal' : 'passing'}`;
      default:
        return e.type;
    }
  });
  return tokens.filter((token, i) => token !== tokens[i - 1]);
}

/** Every event of the job (from `watch()`), and what the network emitted for it. */
async function record(job: Job, network?: Network): Promise<{ events: JobEvent[]; fromNetwork: JobEvent[] }> {
  const fromNetwork: JobEvent[] = [];
  for (const name of ['state', 'log', 'transfer', 'site', 'error', 'done'] as const) {
    network?.on(name, (event: JobEvent) => event.jobId === job.id && fromNetwork.push(event));
  }
  const events: JobEvent[] = [];
  for await (const event of job.watch({ bufferSize: 10_000 })) events.push(event);
  return { events, fromNetwork };
}

async function threeWays(site: Site, url: string): Promise<void> {
  const engine = new JobEngine({ poll: POLL });
  const network = await Network.create({ seed: 'same-events', sites: [{ id: site.id, kind: site.kind, url }] }, { sites: { [site.id]: site }, engine });
  try {
    const single = await record(submitJob(site, spec(`${site.id}-single`), { engine }));
    const submitted = await record(network.submit(spec(`${site.id}-network`)), network);
    const { remoteId } = await site.submit(spec(`${site.id}-attached`), { idempotencyKey: `${site.id}-attached` });
    const attached = await record(network.attach(site.id, remoteId, spec(`${site.id}-attached`)), network);

    console.log(`${site.id}: submitJob ${shape(single.events).join(' ')}\n${site.id}: network.attach ${shape(attached.events).join(' ')}`);
    for (const run of [single, submitted, attached]) expect(run.events.at(-1)).toMatchObject({ type: 'done', result: { state: 'complete' } });
    // submitJob and network.submit: the same, from the first event to the last
    expect(shape(submitted.events)).toEqual(shape(single.events));
    expect(shape(single.events)).toEqual(expect.arrayContaining(['site:trying', 'site:taken', 'state:running', 'log', 'transfer:down', 'state:complete', 'done']));
    // network.attach: the same from the moment the site holds the job (an attach stages nothing)
    const fromTaken = (events: JobEvent[]): string[] => shape(events).slice(shape(events).indexOf('site:taken'));
    expect(fromTaken(attached.events)).toEqual(fromTaken(single.events));
    // the network emits the jobs' own events, submitted or attached (all but the replayed first state)
    expect(submitted.fromNetwork).toEqual(submitted.events.slice(1));
    expect(attached.fromNetwork).toEqual(attached.events.slice(1));
  } finally {
    await network.close();
    engine.close();
  }
}

describe('the same events whichever way a job comes', () => {
  it('on the local site', async () => {
    const site = new LocalSite({ id: 'local', allowNoContainer: true, workDir: join(dir, 'local') });
    await threeWays(site, 'file:///');
  });

  it('on a real Pulsar site', async () => {
    const site = new PulsarRestSite({ id: 'pulsar', client: { url: pulsar.url, token: pulsar.token ?? undefined }, files: nodeLocalFiles(), allowNoContainer: true });
    await threeWays(site, pulsar.url);
  });
});
