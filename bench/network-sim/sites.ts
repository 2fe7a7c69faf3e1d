/**
 * The 17 sites of the simulated network, modelled on the live list of the
 * European Pulsar Network (shared/protocols/network.md §2.2): per-job limits
 * (max cores, memory, GPUs) are the table's; everything else (site size,
 * speed, batch system delay, other users' load, storages, bandwidth, failure
 * rates, the outage) is invented but plausible, and only the simulation uses it.
 */
import type { SiteDescription } from '../../src/internal.js';

/** Storages holding the jobs' inputs. */
export const STORAGES = {
  de: 's3://usegalaxy-eu-freiburg/',
  it: 's3://garr-bari/',
  cz: 's3://cesnet-du/',
  fr: 's3://ifb-core/',
  zenodo: 'https://zenodo.org/records/',
} as const;

/** How the simulation treats one site, beyond what the client is told. */
export interface SimSite {
  description: SiteDescription;
  /** Cores of the site this client's jobs can use at once. */
  cores: number;
  /** GPUs the site can give at once. */
  gpus: number;
  /** Runtime multiplier (1 = reference node). */
  speed: number;
  /** Delay of the batch system between free cores and a start, in seconds. */
  dispatchDelayS: number;
  /** Share of the cores taken by other users (invisible to the client). */
  background: number;
  /** Staging bandwidth from storages the site does not read in place, bytes/s. */
  bandwidth: number;
  /** Round-trip of a call, ms. */
  latencyMs: number;
  /** Chance that an attempt ends in system_error. */
  systemErrorRate: number;
  /** Chance that an attempt is preempted. */
  preemptRate: number;
  /** [start, end) in seconds of a full outage (jobs lost, calls fail). */
  outage?: [number, number];
  /** [start, end) in seconds when the site accepts jobs but never starts them (galaxyproject/pulsar#328). */
  silent?: [number, number];
}

interface Row {
  id: string;
  tag: string;
  maxCores: number;
  maxMemoryGb: number;
  gpus: number;
  country: string;
  cores: number;
  speed: number;
  dispatch: number;
  background: number;
  storages: string[];
  mbps: number;
  latency: number;
  fail: number;
  preempt?: number;
  weight?: number;
  outage?: [number, number];
  silent?: [number, number];
}

const H = 3600;
const ROWS: Row[] = [
  { id: 'it01', tag: 'it-pulsar', maxCores: 8, maxMemoryGb: 31, gpus: 0, country: 'IT', cores: 96, speed: 1.1, dispatch: 60, background: 0.3, storages: [STORAGES.it], mbps: 80, latency: 60, fail: 0.01 },
  { id: 'it02', tag: 'it02-pulsar', maxCores: 16, maxMemoryGb: 31, gpus: 0, country: 'IT', cores: 128, speed: 0.9, dispatch: 60, background: 0.2, storages: [STORAGES.it], mbps: 120, latency: 50, fail: 0.01, silent: [2 * H, 5 * H] },
  { id: 'it03', tag: 'it03-pulsar', maxCores: 32, maxMemoryGb: 124, gpus: 0, country: 'IT', cores: 256, speed: 0.9, dispatch: 60, background: 0.4, storages: [STORAGES.it], mbps: 150, latency: 50, fail: 0.01, weight: 2 },
  { id: 'egi01', tag: 'egi-pulsar', maxCores: 8, maxMemoryGb: 15, gpus: 0, country: 'IT', cores: 48, speed: 1.2, dispatch: 90, background: 0.2, storages: [STORAGES.it], mbps: 40, latency: 70, fail: 0.06 },
  { id: 'fr01', tag: 'fr-pulsar', maxCores: 8, maxMemoryGb: 63, gpus: 0, country: 'FR', cores: 96, speed: 1.0, dispatch: 60, background: 0.3, storages: [STORAGES.fr], mbps: 100, latency: 40, fail: 0.01 },
  { id: 'uca01', tag: 'uca-pulsar', maxCores: 8, maxMemoryGb: 31, gpus: 0, country: 'FR', cores: 64, speed: 1.1, dispatch: 60, background: 0.2, storages: [STORAGES.fr], mbps: 60, latency: 45, fail: 0.015 },
  { id: 'be01', tag: 'be-pulsar', maxCores: 8, maxMemoryGb: 15, gpus: 0, country: 'BE', cores: 48, speed: 1.0, dispatch: 60, background: 0.4, storages: [], mbps: 100, latency: 30, fail: 0.01 },
  { id: 'cz01', tag: 'cz-pulsar', maxCores: 32, maxMemoryGb: 256, gpus: 1, country: 'CZ', cores: 384, speed: 0.85, dispatch: 300, background: 0.5, storages: [STORAGES.cz], mbps: 200, latency: 60, fail: 0.01, weight: 2 },
  { id: 'sk01', tag: 'sk-pulsar', maxCores: 8, maxMemoryGb: 31, gpus: 0, country: 'SK', cores: 48, speed: 1.2, dispatch: 60, background: 0.1, storages: [], mbps: 50, latency: 70, fail: 0.02 },
  { id: 'bsc01', tag: 'bsc-pulsar', maxCores: 16, maxMemoryGb: 64, gpus: 0, country: 'ES', cores: 192, speed: 0.8, dispatch: 120, background: 0.5, storages: [], mbps: 150, latency: 60, fail: 0.01 },
  { id: 'tubitak01', tag: 'tubitak-pulsar', maxCores: 16, maxMemoryGb: 95, gpus: 0, country: 'TR', cores: 128, speed: 1.0, dispatch: 60, background: 0.2, storages: [], mbps: 30, latency: 120, fail: 0.02 },
  { id: 'cyf01', tag: 'pl-pulsar', maxCores: 4, maxMemoryGb: 15, gpus: 0, country: 'PL', cores: 32, speed: 1.1, dispatch: 90, background: 0.3, storages: [], mbps: 60, latency: 60, fail: 0.01 },
  { id: 'hcmr01', tag: 'hcmr-gr-pulsar', maxCores: 8, maxMemoryGb: 30, gpus: 0, country: 'GR', cores: 48, speed: 1.2, dispatch: 60, background: 0.2, storages: [], mbps: 25, latency: 110, fail: 0.05 },
  { id: 'eosc01', tag: 'eosc-eu-node-01-pulsar', maxCores: 4, maxMemoryGb: 31, gpus: 0, country: 'EU', cores: 32, speed: 1.0, dispatch: 60, background: 0.1, storages: [STORAGES.zenodo], mbps: 150, latency: 40, fail: 0.01, preempt: 0.04 },
  { id: 'ufz01', tag: 'ufz-eve-pulsar', maxCores: 56, maxMemoryGb: 360, gpus: 0, country: 'DE', cores: 512, speed: 0.8, dispatch: 120, background: 0.5, storages: [STORAGES.de], mbps: 300, latency: 30, fail: 0.01, weight: 2, outage: [3 * H, 6 * H] },
  { id: 'nemo', tag: 'nemo-pulsar', maxCores: 16, maxMemoryGb: 64, gpus: 0, country: 'DE', cores: 256, speed: 0.9, dispatch: 120, background: 0.6, storages: [STORAGES.de], mbps: 400, latency: 20, fail: 0.01 },
  { id: 'mira', tag: 'mira-pulsar', maxCores: 8, maxMemoryGb: 15, gpus: 0, country: 'DE', cores: 16, speed: 1.3, dispatch: 30, background: 0, storages: [STORAGES.de], mbps: 400, latency: 20, fail: 0.02 },
];

/** The simulated sites, in configuration order. */
export function simSites(): SimSite[] {
  return ROWS.map((r) => {
    const storageTags = Object.entries(STORAGES)
      .filter(([, prefix]) => r.storages.includes(prefix))
      .map(([name]) => `data-${name}`);
    const description: SiteDescription = {
      id: r.id,
      kind: 'pulsar-rest',
      url: `https://${r.id}.pulsar.example.org`,
      resources: { maxCores: r.maxCores, maxMemoryGb: r.maxMemoryGb, maxGpus: r.gpus },
      tags: { accept: ['pulsar', 'singularity', r.tag, ...storageTags] },
      location: { country: r.country },
      storages: r.storages,
      weight: r.weight ?? 1,
      // this client keeps at most about one job per 8 usable cores queued or running there
      maxInFlight: Math.max(4, Math.round((r.cores * (1 - r.background)) / 8) * 2),
      submitRate: { perSecond: 2, burst: 10 },
    };
    const site: SimSite = {
      description,
      cores: Math.round(r.cores * (1 - r.background)),
      gpus: r.gpus ? 4 : 0,
      speed: r.speed,
      dispatchDelayS: r.dispatch,
      background: r.background,
      bandwidth: r.mbps * 1e6,
      latencyMs: r.latency,
      systemErrorRate: r.fail,
      preemptRate: r.preempt ?? 0,
    };
    if (r.outage) site.outage = r.outage;
    if (r.silent) site.silent = r.silent;
    return site;
  });
}
