/**
 * What the network keeps per site: the adapter, its merged description,
 * its health and its admission.
 * @module
 */
import type { Site } from '../sites/site.js';
import type { SiteAdmission } from './admission.js';
import type { AttemptRecord } from './decision.js';
import type { SiteHealth } from './site-health.js';
import type { Candidate, SiteDescription } from './types.js';

/** One site inside a network. */
export interface SiteEntry {
  site: Site;
  description: SiteDescription;
  health: SiteHealth;
  admission: SiteAdmission;
  /** Jobs the network left on this site while it could not be reached: canceled when it answers again. */
  pendingCancels: Map<string, AttemptRecord>;
  /**
   * Tries whose submit may have reached this site although it failed, by
   * idempotency key: when the site answers again, the job it made (if any,
   * found with `site.lookup`) is canceled.
   */
  pendingLookups: Map<string, AttemptRecord>;
}

/** The candidate view of a site entry: static and live, copied so records do not change later. */
export function candidateOf(entry: SiteEntry): Candidate {
  return {
    site: structuredClone(entry.description),
    live: { ...entry.health.view(), inFlight: entry.admission.inFlight, queued: entry.admission.queued, running: entry.admission.running, waitingCores: entry.admission.waitingCores },
  };
}
