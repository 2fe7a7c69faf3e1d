import type { Candidate, SelectionRequest, SiteSelector } from '../types.js';
import { rankCandidates, round } from './rank.js';

/**
 * Why the site cannot take the request, or `undefined` when it can: per-job
 * limits (`min/max` cores, memory, GPUs, as TPV's `*_accepted_*`) and, when
 * the job is strict about backend parameters, the keys the site supports.
 *
 * @example
 * ```ts
 * declare const candidate: Candidate;
 * resourceMismatch(request, candidate); // 'asks 16 cores, the site accepts at most 8'
 * ```
 */
export function resourceMismatch(request: SelectionRequest, { site }: Candidate): string | undefined {
  const { cores, memoryGb, gpus } = request.resources;
  const r = site.resources;
  if (r.maxCores !== undefined && cores > r.maxCores) return `asks ${cores} cores, the site accepts at most ${r.maxCores}`;
  if (r.minCores !== undefined && cores < r.minCores) return `asks ${cores} cores, the site accepts at least ${r.minCores}`;
  if (r.maxMemoryGb !== undefined && memoryGb > r.maxMemoryGb) return `asks ${memoryGb} GB of memory, the site accepts at most ${r.maxMemoryGb}`;
  if (r.minMemoryGb !== undefined && memoryGb < r.minMemoryGb) return `asks ${memoryGb} GB of memory, the site accepts at least ${r.minMemoryGb}`;
  if (r.maxGpus !== undefined && gpus > r.maxGpus) return `asks ${gpus} GPU(s), the site accepts at most ${r.maxGpus}`;
  if (r.minGpus !== undefined && gpus < r.minGpus) return `asks ${gpus} GPU(s), the site accepts at least ${r.minGpus}`;
  if (request.backendParametersStrict && site.backendParameters) {
    const known = new Set(site.backendParameters.map((key) => key.toLowerCase()));
    const missing = request.backendParameters.filter((key) => !known.has(key.toLowerCase()));
    if (missing.length > 0) return `backend parameter(s) ${missing.join(', ')} not supported and the job is strict`;
  }
  return undefined;
}

/**
 * Drops the sites that cannot take the job's resources, and prefers the
 * tightest fit among the rest (the share of the site's per-job maximum the
 * job uses), which keeps big sites free for big jobs.
 *
 * @example
 * ```ts
 * await network.submit({ ...spec, resources: { cpu_cores: 16, ram_gb: 64 } }, { strategy: resourceFit() });
 * ```
 */
export function resourceFit(): SiteSelector {
  return {
    name: 'resourceFit',
    select(request, candidates) {
      return rankCandidates('resourceFit', candidates, (candidate) => {
        const mismatch = resourceMismatch(request, candidate);
        if (mismatch) return { exclude: mismatch };
        const r = candidate.site.resources;
        const coreFit = r.maxCores ? request.resources.cores / r.maxCores : 0;
        const memoryFit = r.maxMemoryGb ? request.resources.memoryGb / r.maxMemoryGb : 0;
        const fit = (coreFit + memoryFit) / 2;
        return {
          score: fit,
          terms: { coreFit: round(coreFit), memoryFit: round(memoryFit) },
          reason: `fits; uses ${round(coreFit * 100, 0)}% of the cores and ${round(memoryFit * 100, 0)}% of the memory a job may take here`,
        };
      });
    },
  };
}
