/**
 * The simulated workload: 10 000 jobs with a Galaxy-like size mix, inputs on
 * five storages, arriving as a Poisson stream. Seeded: every strategy sees
 * the same jobs.
 */
import type { SelectionRequest } from '../../src/index.js';
import { seededRandom, type RandomSource } from '../../src/internal.js';
import { STORAGES } from './sites.js';

export interface SimJob {
  id: number;
  arrival: number;
  /** Runtime on a reference node, seconds. */
  work: number;
  request: SelectionRequest;
  /** True when the user's command fails wherever it runs (executor_error). */
  badCommand: boolean;
}

interface Class {
  share: number;
  cores: [number, number];
  memoryGb: [number, number];
  gpus: number;
  medianS: number;
  inputBytes: [number, number];
}

// Share of jobs, cores and memory ranges, median runtime, input size range.
const CLASSES: Class[] = [
  { share: 0.555, cores: [1, 1], memoryGb: [2, 4], gpus: 0, medianS: 180, inputBytes: [5e7, 5e8] },
  { share: 0.3, cores: [2, 4], memoryGb: [8, 15], gpus: 0, medianS: 1200, inputBytes: [1e9, 5e9] },
  { share: 0.12, cores: [8, 16], memoryGb: [30, 60], gpus: 0, medianS: 1800, inputBytes: [5e9, 3e10] },
  { share: 0.02, cores: [16, 32], memoryGb: [64, 200], gpus: 0, medianS: 3600, inputBytes: [2e10, 1e11] },
  { share: 0.005, cores: [8, 8], memoryGb: [30, 30], gpus: 1, medianS: 3600, inputBytes: [5e9, 5e9] },
];

const LOCATIONS: Array<[keyof typeof STORAGES, number]> = [
  ['de', 0.4],
  ['it', 0.2],
  ['cz', 0.1],
  ['fr', 0.1],
  ['zenodo', 0.2],
];

function pick<T>(random: RandomSource, items: Array<[T, number]>): T {
  let u = random.next();
  for (const [item, share] of items) {
    if (u < share) return item;
    u -= share;
  }
  return (items.at(-1) as [T, number])[0];
}

function uniform(random: RandomSource, [low, high]: [number, number]): number {
  return low + (high - low) * random.next();
}

function normal(random: RandomSource): number {
  return Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
}

/** Generates the workload: `count` jobs over `spanS` seconds of arrivals. */
export function simJobs(seed: string, count = 10_000, spanS = 10 * 3600): SimJob[] {
  const random = seededRandom(`${seed}/jobs`);
  const jobs: SimJob[] = [];
  let t = 0;
  for (let id = 0; id < count; id++) {
    t += -Math.log(1 - random.next()) * (spanS / count);
    const cls = pick(random, CLASSES.map((c): [Class, number] => [c, c.share]));
    const location = pick(random, LOCATIONS);
    const cores = Math.round(uniform(random, cls.cores));
    const memoryGb = Math.round(uniform(random, cls.memoryGb));
    // log-normal runtimes (sigma 0.8), capped at 12 h
    const work = Math.min(12 * 3600, Math.max(20, cls.medianS * Math.exp(0.8 * normal(random))));
    const bytes = Math.round(uniform(random, cls.inputBytes));
    jobs.push({
      id,
      arrival: t,
      work,
      badCommand: random.next() < 0.01,
      request: {
        name: `job-${id}`,
        resources: { cores, memoryGb, gpus: cls.gpus },
        inputs: [{ url: `${STORAGES[location]}dataset-${id}.dat`, bytes }],
        scheduling: { prefer: [`data-${location}`] },
        backendParameters: [],
        backendParametersStrict: false,
        sequence: id,
      },
    });
  }
  return jobs;
}
