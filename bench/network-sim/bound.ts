/**
 * The clairvoyant lower bound on makespan the simulation prints beside the
 * strategies: no schedule, however clever, ends sooner. It knows what no
 * client can — every job's run time before it runs, every site's speed, its
 * usable cores and GPUs (after other users' share), and when each job will
 * arrive — and it ignores contention, dispatch delays, staging and failures.
 */
import { bytesToMove, resourceMismatch } from '../../src/internal.js';
import type { SimResult } from './engine.js';
import type { SimJob } from './jobs.js';
import type { SimSite } from './sites.js';

const IDLE = { health: 'healthy', breaker: 'closed', inFlight: 0, queued: 0, errorRate: 0, recentFailures: 0 } as const;

/**
 * The largest of: the longest job alone on its fastest eligible site after
 * it arrives; and, for every set of sites that is some job's eligible set and
 * for cores and GPUs alike, the work of the jobs that can run only within
 * that set, arriving at or after any time t, spread perfectly over the set's
 * capacity from t on. Waits and bytes: each job alone on its best site.
 */
export function lowerBound(jobs: readonly SimJob[], sites: readonly SimSite[]): SimResult {
  const first = jobs[0]?.arrival ?? 0;
  const eligibleOf = jobs.map((job) => sites.filter((s) => !resourceMismatch(job.request, { site: s.description, live: IDLE })));
  let critical = 0;
  let bytes = 0;
  const waits: number[] = [];
  jobs.forEach((job, i) => {
    const eligible = eligibleOf[i] as SimSite[];
    critical = Math.max(critical, job.arrival - first + Math.min(...eligible.map((s) => job.work * s.speed)));
    bytes += Math.min(...eligible.map((s) => bytesToMove(s.description, job.request.inputs)));
    waits.push(Math.min(...eligible.map((s) => s.dispatchDelayS + bytesToMove(s.description, job.request.inputs) / s.bandwidth)));
  });
  waits.sort((a, b) => a - b);
  const sets = new Map<string, Set<string>>([['*', new Set(sites.map((s) => s.description.id))]]);
  for (const eligible of eligibleOf) sets.set(eligible.map((s) => s.description.id).join(','), new Set(eligible.map((s) => s.description.id)));
  let capacity = 0;
  for (const members of sets.values()) {
    for (const resource of ['cores', 'gpus'] as const) {
      const cap = sites.filter((s) => members.has(s.description.id)).reduce((sum, s) => sum + s[resource], 0);
      if (cap === 0) continue;
      // from the last arrival back: the work that arrives at or after each job's arrival
      let suffix = 0;
      for (let i = jobs.length - 1; i >= 0; i--) {
        const job = jobs[i] as SimJob;
        const eligible = eligibleOf[i] as SimSite[];
        const need = job.request.resources[resource];
        if (need === 0 || !eligible.every((s) => members.has(s.description.id))) continue;
        suffix += job.work * Math.min(...eligible.map((s) => s.speed)) * need;
        capacity = Math.max(capacity, job.arrival - first + suffix / cap);
      }
    }
  }
  return {
    strategy: 'clairvoyant lower bound',
    makespanS: Math.max(critical, capacity),
    meanWaitS: waits.reduce((a, b) => a + b, 0) / waits.length,
    p95WaitS: waits[Math.floor(waits.length * 0.95)] ?? 0,
    bytesMoved: bytes,
    failedOver: 0,
    lost: 0,
    completed: jobs.filter((j) => !j.badCommand).length,
    executorErrors: jobs.filter((j) => j.badCommand).length,
  };
}
