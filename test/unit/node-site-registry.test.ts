import { describe, expect, it } from 'vitest';
import { Network, ValidationError } from '../../src/index.js';
import { LocalSite, nodeSiteRegistry } from '../../src/node.js';

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

describe('Network.create without a registry', () => {
  const sites = [
    { id: 'laptop', kind: 'local' as const, options: { allowNoContainer: true } },
    { id: 'tes1', kind: 'tes' as const, url: 'http://127.0.0.1:9/ga4gh/tes/v1' },
    { id: 'p1', kind: 'pulsar-rest' as const, url: 'http://127.0.0.1:9/' },
    { id: 'mq1', kind: 'pulsar-amqp' as const, url: 'amqp://127.0.0.1:9', options: { jobsDirectory: '/srv/pulsar/staging' } },
  ];

  it('builds every built-in kind from the Node entry', async () => {
    const { Network: NodeNetwork } = await import('../../src/node.js');
    const network = await NodeNetwork.create({ sites }, { probes: false });
    expect(network).toBeInstanceOf(NodeNetwork);
    expect(network.sites().map((s) => [s.site.id, s.site.kind])).toEqual(sites.map((s) => [s.id, s.kind]));
    await network.close();
  });

  it('builds the portable kinds from the portable entry, and names the Node entry for the others', async () => {
    const { Network: PortableNetwork } = await import('../../src/index.js');
    const network = await PortableNetwork.create({ sites: sites.slice(1, 3) }, { probes: false });
    expect(network.sites().map((s) => s.site.kind)).toEqual(['tes', 'pulsar-rest']);
    await network.close();
    const error = await PortableNetwork.create({ sites }, { probes: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['$.sites[0].kind', '$.sites[3].kind']);
    expect((error as ValidationError).message).toContain("no site adapter for kind \"local\": register a factory or pass the site in options.sites (Network from 'pulsar-network/node' builds it)");
  });
});
