import { describe, expect, it } from 'vitest';
import { composite, leastLoaded, Network, resourceFit, type JobSpec, type SiteSelector } from '../../src/index.js';
import { FakeSite } from './network-fake-site.js';

/** The example of docs/network-guide.md: keeps sites in the EU, then prefers the one that reads most inputs in place. */
const euDataFirst: SiteSelector = {
  name: 'euDataFirst',
  select(request, candidates, random) {
    const ranked = [];
    const excluded = [];
    for (const { site, live } of candidates) {
      if (site.location?.country === 'US') {
        excluded.push({ site: site.id, by: 'euDataFirst', reason: 'outside the EU' });
        continue;
      }
      const inPlace = request.inputs.filter((i) => site.storages.some((p) => i.url.startsWith(p))).length;
      const load = live.inFlight + live.queued;
      ranked.push({
        site: site.id,
        score: inPlace * 100 - load + random.next() / 10,
        terms: { inPlace, load },
        reason: `${inPlace} input(s) in place, ${load} job(s) of ours there`,
      });
    }
    ranked.sort((a, b) => b.score - a.score);
    return { ranked, excluded };
  },
};

const spec: JobSpec = { name: 'x', inputs: [{ path: '/in', url: 's3://eu-data/x' }], executors: [{ image: 'alpine', command: ['true'] }] };

async function network() {
  return Network.create(
    {
      seed: 'user',
      sites: [
        { id: 'us', kind: 'tes', url: 'https://us.example.org', location: { country: 'US' }, storages: ['s3://eu-data/'] },
        { id: 'de', kind: 'tes', url: 'https://de.example.org', location: { country: 'DE' } },
        { id: 'fr', kind: 'tes', url: 'https://fr.example.org', location: { country: 'FR' }, storages: ['s3://eu-data/'] },
      ],
    },
    { sites: { us: Object.assign(new FakeSite('us'), { kind: 'tes' as const }), de: Object.assign(new FakeSite('de'), { kind: 'tes' as const }), fr: Object.assign(new FakeSite('fr'), { kind: 'tes' as const }) } },
  );
}

describe('a user strategy (plain object)', () => {
  it('ranks and explains like a built-in, alone or inside a composite', async () => {
    const net = await network();
    const alone = net.explain(spec, { strategy: euDataFirst });
    expect(alone.strategy).toBe('euDataFirst');
    expect(alone.candidates.map((c) => [c.site, c.reason])).toEqual([
      ['fr', '1 input(s) in place, 0 job(s) of ours there'],
      ['de', '0 input(s) in place, 0 job(s) of ours there'],
    ]);
    expect(alone.excluded).toEqual([{ site: 'us', by: 'euDataFirst', reason: 'outside the EU' }]);

    const mixed = net.explain(spec, { strategy: composite({ filters: [resourceFit()], scorers: [{ selector: euDataFirst, weight: 2 }, { selector: leastLoaded(), weight: 1 }] }) });
    expect(mixed.chosen).toBe('fr');
    expect(mixed.candidates[0]?.terms).toMatchObject({ euDataFirst: 2, 'euDataFirst.inPlace': 1, leastLoaded: 1 });
  });
});
