/**
 * Fixtures shared by the network unit tests: four sites with different
 * resources, tags, storages and live views, and a job request.
 */
import type { SelectionRequest } from '../../src/index.js';
import type { Candidate, SiteLiveView } from '../../src/internal.js';

const live = (over: Partial<SiteLiveView>): SiteLiveView => ({
  health: 'healthy',
  breaker: 'closed',
  inFlight: 0,
  queued: 0,
  errorRate: 0,
  recentFailures: 0,
  ...over,
});

export const CANDIDATES: Candidate[] = [
  {
    site: {
      id: 'big',
      kind: 'pulsar-rest',
      url: 'https://big.example.org',
      resources: { maxCores: 56, maxMemoryGb: 360, maxGpus: 0 },
      tags: { accept: ['slurm', 'singularity'] },
      storages: ['s3://big-bucket/'],
      weight: 2,
      maxInFlight: 10,
    },
    live: live({ inFlight: 6, queued: 2, latencyMs: 80, throughputBytesPerSec: 100e6, queueWaitMs: 120_000 }),
  },
  {
    site: {
      id: 'small',
      kind: 'tes',
      url: 'https://small.example.org/ga4gh/tes/v1',
      resources: { maxCores: 8, maxMemoryGb: 31, maxGpus: 0 },
      tags: { accept: ['singularity'], prefer: ['eu'] },
      storages: ['https://data.small.example.org/'],
      weight: 1,
      maxInFlight: 4,
    },
    live: live({ inFlight: 1, latencyMs: 40, throughputBytesPerSec: 20e6, queueWaitMs: 10_000 }),
  },
  {
    site: {
      id: 'gpu',
      kind: 'pulsar-rest',
      url: 'https://gpu.example.org',
      resources: { maxCores: 32, maxMemoryGb: 256, maxGpus: 1 },
      tags: { require: ['gpu'] },
      storages: [],
      weight: 1,
      maxInFlight: 2,
    },
    live: live({ inFlight: 0 }),
  },
  {
    site: {
      id: 'tiny',
      kind: 'pulsar-rest',
      url: 'https://tiny.example.org',
      resources: { maxCores: 4, maxMemoryGb: 15, maxGpus: 0 },
      tags: { reject: ['singularity'] },
      storages: ['https://data.small.example.org/'],
      weight: 0,
    },
    live: live({ inFlight: 3, latencyMs: 500, throughputBytesPerSec: 5e6, queueWaitMs: 5_000 }),
  },
];

/** A 4-core, 16 GB job reading 2 GB from the big site's bucket and 500 MB from the small site's web server. */
export const REQUEST: SelectionRequest = {
  name: 'align',
  resources: { cores: 4, memoryGb: 16, gpus: 0 },
  inputs: [
    { url: 's3://big-bucket/reads.fq', bytes: 2e9 },
    { url: 'https://data.small.example.org/ref.fa', bytes: 5e8 },
  ],
  scheduling: {},
  backendParameters: [],
  backendParametersStrict: false,
  sequence: 0,
};

/** A random source that returns the given numbers in turn (then repeats the last). */
export function scripted(...values: number[]): { next(): number } {
  let i = 0;
  return { next: () => values[Math.min(i++, values.length - 1)] ?? 0 };
}
