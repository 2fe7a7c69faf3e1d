/**
 * The sites of a network: checked against what can build them, then built
 * with their health, breaker and admission.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { Site } from '../sites/site.js';
import { SiteAdmission } from './admission.js';
import type { ResolvedNetworkConfig } from './config.js';
import type { SiteRegistry } from './registry.js';
import type { SiteEntry } from './site-entry.js';
import { SiteHealth } from './site-health.js';
import type { BreakerState } from './types.js';

/** Kinds only the Node.js entry builds by default. */
const NODE_KINDS = new Set(['local', 'pulsar-amqp']);

/** What building the sites needs of the network's options. */
export interface SiteSources {
  registry?: SiteRegistry;
  sites?: Record<string, Site>;
  now?: () => number;
}

/** Throws {@link ValidationError} naming every site no factory and no given site can make, and every given site the configuration does not match. */
export function checkSites(resolved: ResolvedNetworkConfig, options: SiteSources): void {
  const issues: ValidationIssue[] = [];
  resolved.sites.forEach(({ description }, i) => {
    if (!options.sites?.[description.id] && !options.registry?.has(description.kind))
      issues.push({ path: `$.sites[${i}].kind`, message: `no site adapter for kind "${description.kind}": register a factory or pass the site in options.sites${NODE_KINDS.has(description.kind) ? " (Network from 'pulsar-network/node' builds it)" : ''}` });
  });
  for (const [id, site] of Object.entries(options.sites ?? {})) {
    const configured = resolved.sites.find((s) => s.description.id === id);
    if (!configured) issues.push({ path: '$.sites', message: `options.sites has "${id}", which the configuration does not list` });
    else if (configured.description.kind !== site.kind) issues.push({ path: `$.sites[${resolved.sites.indexOf(configured)}].kind`, message: `is "${configured.description.kind}" but the given site is "${site.kind}"` });
  }
  if (issues.length > 0) throw new ValidationError('network configuration', issues);
}

/** Builds every site (given, or made by the registry) with its health, breaker and admission; `onBreaker` hears each breaker's changes. */
export async function buildSites(
  resolved: ResolvedNetworkConfig,
  options: SiteSources,
  onBreaker: (site: string, change: { from: BreakerState; to: BreakerState; reason: string }) => void,
): Promise<Map<string, SiteEntry>> {
  const now = options.now ?? (() => Date.now());
  const entries = new Map<string, SiteEntry>();
  for (const resolvedSite of resolved.sites) {
    const { description } = resolvedSite;
    const b = resolved.health.breaker;
    const health = new SiteHealth({
      alpha: resolved.health.ewmaAlpha,
      window: b.window,
      breaker: {
        failureThreshold: b.failureThreshold,
        errorRate: b.errorRate,
        window: b.window,
        minimumCalls: b.minimumCalls,
        openMs: b.openMs,
        maxOpenMs: b.maxOpenMs,
        now,
        onTransition: ({ from, to, reason }) => onBreaker(description.id, { from, to, reason }),
      },
    });
    const site =
      options.sites?.[description.id] ??
      (await (options.registry as SiteRegistry).create(resolvedSite, { onHttpEvent: (event) => health.observeHttp(event) }));
    entries.set(description.id, {
      site,
      description: structuredClone(description),
      health,
      admission: new SiteAdmission(description.id, description.maxInFlight, description.submitRate, now),
      pendingCancels: new Map(),
      pendingLookups: new Map(),
    });
  }
  return entries;
}
