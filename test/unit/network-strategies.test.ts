import { describe, expect, it } from 'vitest';
import { composite, dataLocality, fastest, leastLoaded, pinned, resourceFit, roundRobin, tags, weightedRandom } from '../../src/index.js';
import { seededRandom, type SelectionResult } from '../../src/internal.js';
import { CANDIDATES, REQUEST, scripted } from './network-fixtures.js';

const order = (result: SelectionResult): string[] => result.ranked.map((r) => r.site);
const reasonOf = (result: SelectionResult, site: string): string | undefined =>
  result.ranked.find((r) => r.site === site)?.reason ?? result.excluded.find((e) => e.site === site)?.reason;
const noRandom = seededRandom(0);

describe('roundRobin', () => {
  it('starts at the candidate the sequence points to and keeps every site', () => {
    const first = roundRobin().select(REQUEST, CANDIDATES, noRandom);
    expect(order(first)).toEqual(['big', 'small', 'gpu', 'tiny']);
    const sixth = roundRobin().select({ ...REQUEST, sequence: 5 }, CANDIDATES, noRandom);
    expect(order(sixth)).toEqual(['small', 'gpu', 'tiny', 'big']);
    expect(sixth.excluded).toEqual([]);
    expect(reasonOf(sixth, 'small')).toBe('turn 1 of 4 (selection #5)');
  });
});

describe('weightedRandom', () => {
  it('orders by the weighted draw and drains weight-0 sites', () => {
    const result = weightedRandom().select(REQUEST, CANDIDATES, scripted(0.5, 0.9, 0.1, 0.7));
    // keys ln(u)/w: big ln(.5)/2 = -0.347, small ln(.9) = -0.105, gpu ln(.1) = -2.303
    expect(order(result)).toEqual(['small', 'big', 'gpu']);
    expect(result.excluded).toEqual([{ site: 'tiny', by: 'weightedRandom', reason: 'weight 0: the site is drained' }]);
    expect(reasonOf(result, 'big')).toBe('weight 2, draw 0.5');
  });

  it('favours heavier sites in proportion to their weight', () => {
    const random = seededRandom('weights');
    let bigFirst = 0;
    const pair = CANDIDATES.slice(0, 2);
    for (let i = 0; i < 3000; i++) if (weightedRandom().select(REQUEST, pair, random).ranked[0]?.site === 'big') bigFirst++;
    // weight 2 against 1: big comes first two times in three
    expect(bigFirst / 3000).toBeGreaterThan(0.62);
    expect(bigFirst / 3000).toBeLessThan(0.71);
  });
});

describe('leastLoaded', () => {
  it('ranks by this client’s jobs relative to maxInFlight', () => {
    const result = leastLoaded().select(REQUEST, CANDIDATES, noRandom);
    expect(order(result)).toEqual(['gpu', 'small', 'big', 'tiny']);
    expect(result.ranked[2]?.terms).toEqual({ inFlight: 6, queued: 2, load: 0.8 });
    expect(reasonOf(result, 'big')).toBe('6 in flight and 2 queued of 10');
  });
});

describe('fastest', () => {
  it('adds latency, observed queue wait scaled by this client’s backlog, and staging of what is not in place, with cold-start assumptions', () => {
    const result = fastest().select(REQUEST, CANDIDATES, noRandom);
    // staging counts only what the site does not read in place:
    // small 40 + 10 000 × (1 + 1/4) + 2 GB at 20 MB/s; big 80 + 120 000 × (1 + 8/10) + 0.5 GB at 100 MB/s;
    // gpu assumed 1 000 + 60 000 + 2.5 GB at 10 MB/s; tiny 500 + 5 000 × (1 + 3) + 2 GB at 5 MB/s
    expect(order(result)).toEqual(['small', 'big', 'gpu', 'tiny']);
    expect(result.ranked.map((r) => r.score)).toEqual([-112.54, -221.08, -311, -420.5]);
    expect(result.ranked[0]?.terms).toEqual({ latencyMs: 40, queueWaitMs: 12_500, stagingMs: 100_000 });
    expect(reasonOf(result, 'gpu')).toBe('expected start in 311 s (assumed latency, queue wait, throughput)');
  });
});

describe('dataLocality', () => {
  it('costs bytes not on a readable storage divided by measured throughput', () => {
    const result = dataLocality().select(REQUEST, CANDIDATES, noRandom);
    // big moves 0.5 GB at 100 MB/s (5 s), small 2 GB at 20 MB/s (100 s), gpu 2.5 GB at an assumed 10 MB/s, tiny 2 GB at 5 MB/s
    expect(order(result)).toEqual(['big', 'small', 'gpu', 'tiny']);
    expect(result.ranked[0]?.terms).toEqual({ bytesToMove: 5e8, transferSeconds: 5 });
    expect(reasonOf(result, 'gpu')).toBe('2.5 GB to move at 10 MB/s (assumed) ≈ 250 s');
  });

  it('is zero when the site reads every input in place', () => {
    const request = { ...REQUEST, inputs: [{ url: 's3://big-bucket/reads.fq', bytes: 2e9 }] };
    const result = dataLocality().select(request, CANDIDATES, noRandom);
    expect(result.ranked[0]).toMatchObject({ site: 'big', terms: { bytesToMove: 0, transferSeconds: 0 } });
    expect(reasonOf(result, 'big')).toBe('reads 1 of 1 input(s) in place; nothing to move');
  });
});

describe('resourceFit', () => {
  it('drops sites outside their accepted range and prefers the tightest fit', () => {
    const result = resourceFit().select(REQUEST, CANDIDATES, noRandom);
    expect(order(result)).toEqual(['small', 'gpu', 'big']);
    expect(result.excluded).toEqual([{ site: 'tiny', by: 'resourceFit', reason: 'asks 16 GB of memory, the site accepts at most 15' }]);
    expect(result.ranked[0]?.terms).toEqual({ coreFit: 0.5, memoryFit: 0.516 });
  });

  it('sends GPU jobs only where GPUs are accepted, and honours strict backend parameters', () => {
    const gpuJob = resourceFit().select({ ...REQUEST, resources: { cores: 8, memoryGb: 8, gpus: 1 } }, CANDIDATES, noRandom);
    expect(order(gpuJob)).toEqual(['gpu']);
    expect(reasonOf(gpuJob, 'big')).toBe('asks 1 GPU(s), the site accepts at most 0');
    expect(reasonOf(gpuJob, 'tiny')).toBe('asks 8 cores, the site accepts at most 4');

    const known = CANDIDATES.map((c) => (c.site.id === 'small' ? { ...c, site: { ...c.site, backendParameters: ['VmSize'] } } : c));
    const strict = resourceFit().select({ ...REQUEST, backendParameters: ['queue'], backendParametersStrict: true }, known, noRandom);
    expect(reasonOf(strict, 'small')).toBe('backend parameter(s) queue not supported and the job is strict');
    expect(order(strict)).toEqual(['gpu', 'big']);
  });

  it('drops jobs below a site’s minimum', () => {
    const withMin = CANDIDATES.map((c) => (c.site.id === 'big' ? { ...c, site: { ...c.site, resources: { ...c.site.resources, minCores: 8 } } } : c));
    expect(reasonOf(resourceFit().select(REQUEST, withMin, noRandom), 'big')).toBe('asks 4 cores, the site accepts at least 8');
  });
});

describe('tags', () => {
  it('applies TPV require/prefer/accept/reject on both sides and scores the rest', () => {
    const result = tags().select({ ...REQUEST, scheduling: { require: ['singularity'], prefer: ['eu'] } }, CANDIDATES, noRandom);
    // small: singularity accept×require 1×3 + eu prefer×prefer 2×2 = 7; big: 1×3 − slurm 1 = 2
    expect(order(result)).toEqual(['small', 'big']);
    expect(result.ranked.map((r) => r.score)).toEqual([7, 2]);
    expect(result.excluded).toEqual([
      { site: 'gpu', by: 'tags', reason: 'the job requires tag "singularity"' },
      { site: 'tiny', by: 'tags', reason: 'the job requires tag "singularity"' },
    ]);
  });

  it('keeps sites that require a tag away from jobs without it, and honours the job’s rejects', () => {
    const plain = tags().select(REQUEST, CANDIDATES, noRandom);
    expect(reasonOf(plain, 'gpu')).toBe('the site requires tag "gpu"');
    const rejecting = tags().select({ ...REQUEST, scheduling: { reject: ['slurm'] } }, CANDIDATES, noRandom);
    expect(reasonOf(rejecting, 'big')).toBe('the job rejects tag "slurm"');
    expect(order(rejecting)).toEqual(['tiny', 'small']);
  });
});

describe('pinned', () => {
  it('keeps only the named sites, in the given order', () => {
    const result = pinned('gpu', 'small').select(REQUEST, CANDIDATES, noRandom);
    expect(order(result)).toEqual(['gpu', 'small']);
    expect(result.excluded.map((e) => [e.site, e.reason])).toEqual([
      ['big', 'not one of the pinned sites'],
      ['tiny', 'not one of the pinned sites'],
    ]);
  });
});

describe('composite', () => {
  const strategy = (tieBreak: 'random' | 'order' | 'weight', weights = { data: 2, load: 1 }) =>
    composite({
      filters: [resourceFit(), tags()],
      scorers: [
        { selector: dataLocality(), weight: weights.data },
        { selector: leastLoaded(), weight: weights.load },
      ],
      tieBreak,
    });

  it('filters, then sums weighted scores rescaled to [0, 1], with terms by scorer', () => {
    const result = strategy('order').select(REQUEST, CANDIDATES, noRandom);
    expect(result.excluded).toEqual([
      { site: 'tiny', by: 'resourceFit', reason: 'asks 16 GB of memory, the site accepts at most 15' },
      { site: 'gpu', by: 'tags', reason: 'the site requires tag "gpu"' },
    ]);
    // data: big 5 s → 1, small 100 s → 0 (×2); load: big 0.8 → 0, small 0.25 → 1 (×1)
    expect(result.ranked.map((r) => [r.site, r.score])).toEqual([
      ['big', 2],
      ['small', 1],
    ]);
    expect(result.ranked[0]?.terms).toMatchObject({ dataLocality: 2, leastLoaded: 0, 'dataLocality.transferSeconds': 5, 'leastLoaded.load': 0.8 });
    expect(result.ranked[1]?.reason).toBe('dataLocality: 2 GB to move at 20 MB/s ≈ 100 s; leastLoaded: 1 in flight and 0 queued of 4');
  });

  it('breaks ties by configuration order, by weight, or by the seeded random source', () => {
    const even = { data: 1, load: 1 };
    expect(order(strategy('order', even).select(REQUEST, CANDIDATES, noRandom))).toEqual(['big', 'small']);
    const reversed = [CANDIDATES[1], CANDIDATES[0]].filter((c) => c !== undefined);
    expect(order(strategy('weight', even).select(REQUEST, reversed, noRandom))).toEqual(['big', 'small']);
    expect(order(strategy('random', even).select(REQUEST, CANDIDATES, scripted(0.2, 0.8)))).toEqual(['small', 'big']);
    expect(order(strategy('random', even).select(REQUEST, CANDIDATES, scripted(0.8, 0.2)))).toEqual(['big', 'small']);
  });

  it('names itself after its parts', () => {
    expect(strategy('random').name).toBe('composite(resourceFit+tags | 2*dataLocality+1*leastLoaded | random)');
  });
});
