/**
 * What the network keeps per site: the adapter, its merged description,
 * its health and its admission.
 * @module
 */
import type { Site } from '../sites/site.js';
import type { SiteAdmission } from './admission.js';
import type { SiteHealth } from './site-health.js';
import type { Candidate, SiteDescription } from './types.js';

/** One site inside a network. */
export interface SiteEntry {
  site: Site;
  description: SiteDescription;
  health: SiteHealth;
  admission: SiteAdmission;
}

/** The candidate view of a site entry: static and live, copied so records do not change later. */
export function candidateOf(entry: SiteEntry): Candidate {
  return {
    site: structuredClone(entry.description),
    live: { ...entry.health.view(), inFlight: entry.admission.inFlight, queued: entry.admission.queued },
  };
}
