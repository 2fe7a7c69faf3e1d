/**
 * Issue 14: site selection that never sends a job where it cannot run, fails
 * over in seconds, and says why.
 *
 * 1. The README's network example (a Pulsar site, a TES site, the laptop),
 *    its remote sites pointing at closed loopback ports: the job completes
 *    on the laptop within 10 s for each of 20 seeds, and its events show
 *    each attempt; with a ranking that tries the dead TES site first, the
 *    refused connection fails over at once.
 * 2. A real Pulsar that refuses images (no container runtime, no
 *    allowNoContainer) beside a local site that allows them: the job with an
 *    image runs on the local site, and `explain` names why Pulsar was left out.
 * 3. The reference TES server announcing other storage in its service-info:
 *    a TES site configured with `storages: ['file:///']` (or the site option
 *    `storage`) takes local outputs; without it the site is left out.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, Network, nodeSiteRegistry, pinned, type JobEvent, type JobSpec, type NetworkConfig, type SiteConfig } from '../../src/node.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { startTesServer, type TesServer } from '../peers/tes-server/server.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'network-selection-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** The README's job spec (the Jobs section), its files in `where`. */
async function readmeSpec(where: string): Promise<JobSpec> {
  await writeFile(join(where, 'words.txt'), 'pear\napple\n');
  return {
    inputs: [
      { path: '/data/words.txt', url: join(where, 'words.txt') },
      { path: '/data/greeting.txt', content: 'hello ' },
    ],
    outputs: [{ path: '/data/out.txt', url: join(where, 'out.txt') }],
    executors: [
      { image: 'alpine:3', command: ['sort', '/data/words.txt'], stdout: '/data/sorted.txt' },
      { image: 'alpine:3', command: ['sh', '-c', 'cat /data/greeting.txt /data/sorted.txt > /data/out.txt'] },
    ],
  };
}

/** The README's network, its remote sites at closed loopback ports. */
async function readmeNetwork(seed: string, extra: Partial<NetworkConfig> = {}): Promise<NetworkConfig> {
  return {
    seed,
    sites: [
      { id: 'de01', kind: 'pulsar-rest', url: `http://127.0.0.1:${await closedPort()}/`, auth: { type: 'query', name: 'private_token', valueEnv: 'DE01_TOKEN' } },
      { id: 'tes-eu', kind: 'tes', url: `http://127.0.0.1:${await closedPort()}/ga4gh/tes/v1`, auth: { type: 'bearer', tokenEnv: 'TES_TOKEN' } },
      { id: 'laptop', kind: 'local', options: { allowNoContainer: true, workDir: join(dir, 'laptop') } },
    ],
    ...extra,
  };
}

const ENV = { DE01_TOKEN: 'de01-secret-token', TES_TOKEN: 'tes-secret-token' };
const siteEvents = (events: JobEvent[]) => events.flatMap((e) => (e.type === 'site' ? [[e.action, e.siteId]] : []));

describe('acceptance 1: the README network with its remote sites down', () => {
  it('completes on the laptop within 10 s for each of 20 seeds, and the events show the attempt', async () => {
    const one = async (i: number): Promise<void> => {
      const where = await mkdtemp(join(dir, `seed-${i}-`));
      const network = await Network.create(await readmeNetwork(`s${i}`), { registry: nodeSiteRegistry(), env: ENV });
      try {
        const job = network.submit(await readmeSpec(where));
        const events: JobEvent[] = [];
        job.on('site', (e) => events.push(e));
        // the bound of the acceptance: a job that takes longer is aborted and the test fails
        const result = await job.wait({ signal: AbortSignal.timeout(10_000) });
        expect(result.state, `seed s${i}`).toBe('complete');
        expect(result.siteId).toBe('laptop');
        expect(await readFile(join(where, 'out.txt'), 'utf8')).toBe('hello apple\npear\n');
        expect(siteEvents(events)).toEqual([
          ['trying', 'laptop'],
          ['submitted', 'laptop'],
        ]);
        const record = network.decision(job);
        // the Pulsar site refuses the image (no containerRuntime, no allowNoContainer): left out, not tried
        expect(record?.excluded).toEqual([{ site: 'de01', by: 'eligibility', reason: expect.stringMatching(/^refuses the job: \$\.executors\[0\]\.image: .*allowNoContainer/) }]);
        // the TES site's probe found nothing listening: ranked after the laptop, with why
        expect(record?.candidates.map((c) => c.site)).toEqual(['laptop', 'tes-eu']);
        expect(record?.candidates[1]?.reason).toMatch(/unreachable: .*cannot connect to 127\.0\.0\.1:\d+: connection refused.*\(ECONNREFUSED\)/);
        expect(JSON.stringify(record)).not.toContain('secret-token');
      } finally {
        await network.close();
      }
    };
    // five networks at a time: each job waits out the default 5 s status poll
    for (let i = 1; i <= 20; i += 5) await Promise.all([i, i + 1, i + 2, i + 3, i + 4].map(one));
  });

  it('fails over from the dead TES site at once, without a lookup, when the ranking tries it first', async () => {
    const where = await mkdtemp(join(dir, 'pinned-'));
    const network = await Network.create(await readmeNetwork('pinned'), {
      registry: nodeSiteRegistry(),
      env: ENV,
      strategy: pinned('tes-eu', 'laptop'),
      probes: false, // nothing is known of the sites: the first attempt goes to the dead one
    });
    try {
      const job = network.submit(await readmeSpec(where));
      const events: JobEvent[] = [];
      job.on('site', (e) => events.push(e));
      const result = await job.wait({ signal: AbortSignal.timeout(10_000) });
      expect(result.state).toBe('complete');
      expect(siteEvents(events)).toEqual([
        ['trying', 'tes-eu'],
        ['failover', 'tes-eu'],
        ['trying', 'laptop'],
        ['submitted', 'laptop'],
      ]);
      const record = network.decision(job);
      expect(record?.attempts.map((a) => [a.site, a.ending, a.ambiguous])).toEqual([
        ['tes-eu', 'failed', undefined],
        ['laptop', 'complete', undefined],
      ]);
      // the cause names the create the site was asked for, the server and the system code
      expect(record?.failovers).toEqual([
        expect.objectContaining({ from: 'tes-eu', to: 'laptop', delayMs: 0, cause: expect.stringMatching(/^failed: POST http:\/\/127\.0\.0\.1:(\d+)\/ga4gh\/tes\/v1\/tasks failed: cannot connect to 127\.0\.0\.1:\1: connection refused.*\(ECONNREFUSED\)$/) }),
      ]);
    } finally {
      await network.close();
    }
  });
});

describe('acceptance 2: a real Pulsar that refuses images beside a local site that allows them', () => {
  let pulsar: PulsarServer;
  beforeAll(async () => {
    pulsar = await startPulsar();
  }, 120_000);
  afterAll(async () => {
    await pulsar?.stop();
  });

  it('runs the job with an image on the local site; explain names why Pulsar was left out', async () => {
    const where = await mkdtemp(join(dir, 'pulsar-'));
    const network = await Network.create(
      {
        seed: 'refuses-images',
        sites: [
          { id: 'pulsar', kind: 'pulsar-rest', url: pulsar.url, auth: { type: 'query', name: 'private_token', valueEnv: 'PULSAR_TOKEN' } },
          { id: 'local', kind: 'local', options: { allowNoContainer: true, workDir: join(dir, 'local') } },
        ],
      },
      { registry: nodeSiteRegistry(), env: { PULSAR_TOKEN: pulsar.token ?? '' }, strategy: pinned('pulsar', 'local') },
    );
    try {
      expect(network.sites().map((s) => s.live.health)).toEqual(['healthy', 'healthy']);
      const spec = await readmeSpec(where);
      const explained = network.explain(spec);
      expect(explained.chosen).toBe('local');
      expect(explained.excluded).toEqual([
        {
          site: 'pulsar',
          by: 'eligibility',
          reason: expect.stringMatching(/^refuses the job: \$\.executors\[0\]\.image: .*set allowNoContainer: true to ignore the image, or containerRuntime .* \(and 1 more\)$/),
        },
      ]);
      const job = network.submit(spec);
      const result = await job.wait();
      expect(result).toMatchObject({ state: 'complete', siteId: 'local' });
      expect(await readFile(join(where, 'out.txt'), 'utf8')).toBe('hello apple\npear\n');
      expect(network.decision(job)?.attempts.map((a) => a.site)).toEqual(['local']);
    } finally {
      await network.close();
    }
  });
});

describe('acceptance 3: a TES server whose service-info lists other storage', () => {
  let tes: TesServer;
  beforeAll(async () => {
    tes = await startTesServer({ storage: ['s3://example-bucket/'] });
  });
  afterAll(async () => {
    await tes?.close();
  });

  const tesNetwork = (site: Partial<SiteConfig>) =>
    Network.create(
      { seed: 'tes-storage', sites: [{ id: 'funnel-like', kind: 'tes', url: tes.url, ...site }] },
      { registry: nodeSiteRegistry(), engine: new JobEngine({ poll: { minIntervalMs: 50, maxIntervalMs: 200 } }) },
    );

  const configured: Array<[string, Partial<SiteConfig>]> = [
    ["the site's storages", { storages: ['file:///'] }],
    ['the site option storage', { options: { storage: ['file:///'] } }],
  ];
  for (const [name, site] of configured) {
    it(`accepts local inputs and outputs through ${name}`, async () => {
      const where = await mkdtemp(join(dir, 'tes-'));
      const network = await tesNetwork(site);
      try {
        const spec = await readmeSpec(where);
        expect(network.explain(spec).chosen).toBe('funnel-like');
        const result = await network.submit(spec).wait();
        expect(result).toMatchObject({ state: 'complete', siteId: 'funnel-like' });
        expect(await readFile(join(where, 'out.txt'), 'utf8')).toBe('hello apple\npear\n');
        // the server got file:// URLs, not inlined content: the configured storage, not service-info, said it reads them
        expect(tes.tasks()[0]?.doc.inputs?.[0]?.url).toBe(`file://${join(where, 'words.txt')}`);
      } finally {
        await network.close();
      }
    });
  }

  it('leaves the site out, saying why, when neither it nor its service-info reaches local files', async () => {
    const where = await mkdtemp(join(dir, 'tes-none-'));
    const network = await tesNetwork({});
    try {
      const record = network.explain(await readmeSpec(where));
      expect(record.chosen).toBeNull();
      expect(record.excluded).toEqual([
        { site: 'funnel-like', by: 'eligibility', reason: expect.stringMatching(/^refuses the job: \$\.outputs\[0\]\.url: the server cannot write local files here \(its storage is s3:\/\/example-bucket\/\)/) },
      ]);
    } finally {
      await network.close();
    }
  });
});
