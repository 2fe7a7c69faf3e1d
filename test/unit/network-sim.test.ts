import { describe, expect, it } from 'vitest';
import { simulate } from '../../bench/network-sim/engine.js';
import { simJobs } from '../../bench/network-sim/jobs.js';
import { simSites } from '../../bench/network-sim/sites.js';
import { balanced, roundRobin } from '../../src/index.js';

describe('network simulation (small run of bench/network-sim)', () => {
  const jobs = simJobs('unit', 400, 3600);
  const sites = simSites();

  it('is reproducible: the same seed gives the same figures', () => {
    expect(simulate(balanced(), jobs, sites, 'unit')).toEqual(simulate(balanced(), jobs, sites, 'unit'));
  });

  it('accounts for every job: each completes, fails in its command, or is counted lost', () => {
    for (const strategy of [balanced(), roundRobin()]) {
      const result = simulate(strategy, jobs, sites, 'unit');
      expect(result.completed + result.executorErrors + result.lost).toBe(jobs.length);
      expect(result.executorErrors).toBe(jobs.filter((j) => j.badCommand).length);
    }
  });
});
