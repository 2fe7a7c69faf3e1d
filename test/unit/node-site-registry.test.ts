import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { Network } from '../../src/network/index.js';
import { nodeSiteRegistry } from '../../src/node/site-registry.js';
import { LocalSite } from '../../src/sites/local/index.js';

describe('nodeSiteRegistry', () => {
  it('builds a local site from its configuration', async () => {
    const network = await Network.create(
      { sites: [{ id: 'laptop', kind: 'local', options: { allowNoContainer: true, maxConcurrentJobs: 2 } }] },
      { registry: nodeSiteRegistry() },
    );
    expect(network.sites().map((s) => [s.site.id, s.site.kind])).toEqual([['laptop', 'local']]);
    await network.close();
  });

  it('names every bad local option with its path', async () => {
    const error = await Network.create(
      { sites: [{ id: 'laptop', kind: 'local', options: { allowNoContainer: 'yes', maxConcurrentJobs: 0, workdir: '/tmp' } }] },
      { registry: nodeSiteRegistry() },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      '$.sites[id=laptop].options.workdir',
      '$.sites[id=laptop].options.allowNoContainer',
      '$.sites[id=laptop].options.maxConcurrentJobs',
    ]);
  });

  it('registers the local kind with the LocalSite adapter', async () => {
    const registry = nodeSiteRegistry();
    expect(registry.kinds()).toEqual(['local', 'tes', 'pulsar-rest', 'pulsar-amqp']);
    const site = await registry.create(
      { description: { id: 'x', kind: 'local' } as never, auth: { type: 'none' }, options: {} },
      { onHttpEvent: () => undefined },
    );
    expect(site).toBeInstanceOf(LocalSite);
  });
});
