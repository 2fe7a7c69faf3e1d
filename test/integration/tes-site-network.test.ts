/**
 * TesSite built by tesSiteFactory from a network configuration, running the
 * acceptance spec through Network.submit against the reference TES server.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobEngine, Network, nodeLocalFiles, SiteRegistry, tesSiteFactory, ValidationError, WATCH_GROUP_TAG } from '../../src/internal.js';
import { acceptanceSpec, EXPECTED } from './jobs-acceptance.js';
import { startTesServer, type TesServer } from '../peers/tes-server/server.js';

let server: TesServer;
let dir: string;
beforeAll(async () => {
  server = await startTesServer({ bearerTokens: () => ['tes-secret'] });
  dir = await mkdtemp(join(tmpdir(), 'tes-site-network-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const registry = (): SiteRegistry => new SiteRegistry().register('tes', tesSiteFactory(nodeLocalFiles()));

describe('tesSiteFactory', () => {
  it('builds a TES site with its auth and options, and the network runs the acceptance spec on it', async () => {
    const network = await Network.create(
      { sites: [{ id: 'ref', kind: 'tes', url: server.url, auth: { type: 'bearer', token: 'tes-secret' }, options: { group: 'network-test', pageSize: 50 } }] },
      { registry: registry(), engine: new JobEngine({ poll: { minIntervalMs: 50, maxIntervalMs: 200 } }) },
    );
    try {
      const result = await network.submit(await acceptanceSpec(dir)).wait();
      expect(result).toMatchObject({ state: 'complete', siteId: 'ref', exitCodes: [0, 0] });
      expect(await readFile(join(dir, 'out-shout.txt'), 'utf8')).toBe(EXPECTED.shout);
      expect(server.tasks()[0]?.doc.tags?.[WATCH_GROUP_TAG]).toBe('network-test');
      // a lone job is asked for with GetTask MINIMAL; many jobs are listed by their group (tes-site.test.ts)
      expect(server.counts.GetTask).toBeGreaterThan(0);
    } finally {
      await network.close();
    }
  });

  it('names bad options with their paths', async () => {
    const error = await Network.create({ sites: [{ id: 'bad', kind: 'tes', url: server.url, options: { pageSize: 'many', colour: 'red' } }] }, { registry: registry() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['$.sites[id=bad].options.pageSize', '$.sites[id=bad].options.colour']);
  });
});
