/**
 * The unified acceptance spec on a real Funnel (test/peers/funnel.ts), through each
 * layer: the TES site (the acceptance suite of issue 6), `network.submit`, and py-tes →
 * TES gateway → network → Funnel. Inputs come from local files and inline content,
 * outputs go to local paths, and must arrive byte for byte.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTesGateway, JobEngine, IDEMPOTENCY_TAG, MemoryTaskStore, Network, nodeSiteRegistry, TesSite, WATCH_GROUP_TAG, type TesGateway } from '../../src/internal.js';
import { runWithPyTes } from '../peers/tes-server/py-tes.js';
import { acceptanceSpec, describeAcceptance, EXPECTED, WORDS } from './jobs-acceptance.js';
import { funnelSiteRegistry, funnelTesSite, storageOf } from './tes-funnel-site.js';
import { FUNNEL_EXAMPLE_STORAGE, FUNNEL_START_TIMEOUT_MS, startFunnelUnderTest, type TesServerUnderTest } from './tes-servers.js';

const POLL = { minIntervalMs: 100, maxIntervalMs: 300 };
let server: TesServerUnderTest;
let site: TesSite;

beforeAll(async () => {
  server = await startFunnelUnderTest();
  site = funnelTesSite(server, { id: 'funnel' });
}, FUNNEL_START_TIMEOUT_MS);
afterAll(async () => {
  await server?.stop();
});

describeAcceptance('TesSite (Funnel)', {
  site: () => site,
  // Another instance, as after a restart of the caller: another watch group.
  reopen: () => funnelTesSite(server, { id: 'funnel' }),
  workDir: () => mkdtemp(join(server.scratch, 'acceptance-')),
  poll: POLL,
});

describe('TesSite on Funnel', () => {
  it('creates one task per idempotency key, tagged with the key and the watch group, and looks it up', async () => {
    const spec = { name: 'site-idem', executors: [{ image: 'alpine:3', command: ['true'] }], tags: { mine: 'yes' } };
    const first = await site.submit(spec, { idempotencyKey: 'funnel-site-key-1' });
    const again = await site.submit(spec, { idempotencyKey: 'funnel-site-key-1' });
    expect(again.remoteId).toBe(first.remoteId);
    const stored = await site.client.listTasks({ namePrefix: 'site-idem', view: 'BASIC' }).toArray();
    expect(stored.map((t) => [t.id, t.tags])).toEqual([[first.remoteId, { mine: 'yes', [IDEMPOTENCY_TAG]: 'funnel-site-key-1', [WATCH_GROUP_TAG]: site.group }]]);
    expect(await site.lookup('funnel-site-key-1')).toBe(first.remoteId);
    expect(await site.lookup('funnel-site-key-never-used')).toBeUndefined();
  });
});

describe('the network on Funnel', () => {
  it('network.submit runs the acceptance spec: byte-exact outputs, complete', async () => {
    const work = await mkdtemp(join(server.scratch, 'network-'));
    const network = await Network.create(
      { sites: [{ id: 'funnel', kind: 'tes', url: server.url, options: { group: 'network-on-funnel' } }] },
      { registry: funnelSiteRegistry(server), engine: new JobEngine({ poll: POLL }) },
    );
    try {
      const result = await network.submit(await acceptanceSpec(work)).wait();
      expect(result).toMatchObject({ state: 'complete', siteId: 'funnel', exitCodes: [0, 0] });
      expect(await readFile(join(work, 'out-sorted.txt'), 'utf8')).toBe(EXPECTED.sorted);
      expect(await readFile(join(work, 'out-shout.txt'), 'utf8')).toBe(EXPECTED.shout);
      const [task] = await site.client.listTasks({ tags: { [WATCH_GROUP_TAG]: 'network-on-funnel' }, view: 'BASIC' }).toArray();
      // Funnel sends `url: ""` for an inline input.
      expect(task?.inputs?.map((i) => i.url || 'inline')).toEqual([`file://${join(work, 'words.txt')}`, 'inline']);
    } finally {
      await network.close();
    }
  });

  it('py-tes → gateway → network → Funnel runs the acceptance spec: byte-exact outputs, complete', async () => {
    const work = await mkdtemp(join(server.scratch, 'gateway-'));
    await writeFile(join(work, 'words.txt'), WORDS);
    await mkdir(join(work, 'gateway'));
    const network = await Network.create(
      { sites: [{ id: 'funnel', kind: 'tes', url: server.url }] },
      { registry: funnelSiteRegistry(server), engine: new JobEngine({ poll: POLL }) },
    );
    let gateway: TesGateway | undefined;
    try {
      // the workflow's files are in `work`: the operator lets tasks read and write there
      const urls = { inputs: { roots: [work] }, outputs: { roots: [work] } };
      gateway = createTesGateway(network, { store: new MemoryTaskStore(), clients: { engine: 'engine-token-0123456789' }, urls });
      const { url } = await gateway.listen();
      const seen = JSON.parse(await runWithPyTes(join(import.meta.dirname, '../peers/gateway/py_tes_acceptance.py'), [new URL(url).origin, 'engine-token-0123456789', work], { timeoutMs: 170_000 }));
      expect(seen).toMatchObject({ state: 'COMPLETE', exit_codes: [0, 0] });
      expect(await readFile(join(work, 'out-sorted.txt'), 'utf8')).toBe(EXPECTED.sorted);
      expect(await readFile(join(work, 'out-shout.txt'), 'utf8')).toBe(EXPECTED.shout);
      expect(seen.outputs).toEqual([
        { path: '/data/out/sorted.txt', url: `file://${join(work, 'out-sorted.txt')}`, size_bytes: EXPECTED.sorted.length },
        { path: '/data/out/shout.txt', url: `file://${join(work, 'out-shout.txt')}`, size_bytes: EXPECTED.shout.length },
      ]);
      // The task really ran on Funnel: its gateway record names the site, Funnel holds it.
      expect(gateway.task(seen.id)?.decision?.chosen).toBe('funnel');
      const onFunnel = await site.client.listTasks({ namePrefix: 'acceptance-two-by-two', view: 'BASIC' }).toArray();
      expect(onFunnel.some((t) => t.tags?.client === 'py-tes')).toBe(true);
    } finally {
      await gateway?.close();
      await network.close();
    }
  });

  it("takes local outputs when the configuration's storages say what Funnel reaches, though its service-info lists other storage (issue 14)", async () => {
    const work = await mkdtemp(join(server.scratch, 'storages-'));
    const config = (storages: string[]) => ({ seed: 'funnel-storages', sites: [{ id: 'funnel', kind: 'tes' as const, url: server.url, storages }] });
    // as configured before: Funnel's service-info storage is its example list, so the site is left out, saying why
    const plain = await Network.create(config([]), { registry: nodeSiteRegistry(), engine: new JobEngine({ poll: POLL }) });
    try {
      expect(plain.sites()[0]?.site.storages).toEqual([...FUNNEL_EXAMPLE_STORAGE]);
      const record = plain.explain(await acceptanceSpec(work));
      expect(record.chosen).toBeNull();
      expect(record.excluded[0]).toMatchObject({ site: 'funnel', by: 'eligibility', reason: expect.stringContaining('the server cannot write local files here') });
    } finally {
      await plain.close();
    }
    const network = await Network.create(config(storageOf(server)), { registry: nodeSiteRegistry(), engine: new JobEngine({ poll: POLL }) });
    try {
      const result = await network.submit(await acceptanceSpec(work)).wait();
      expect(result).toMatchObject({ state: 'complete', siteId: 'funnel', exitCodes: [0, 0] });
      expect(await readFile(join(work, 'out-sorted.txt'), 'utf8')).toBe(EXPECTED.sorted);
      expect(await readFile(join(work, 'out-shout.txt'), 'utf8')).toBe(EXPECTED.shout);
    } finally {
      await network.close();
    }
  });
});
