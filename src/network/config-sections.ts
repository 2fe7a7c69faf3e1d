/**
 * The sections of a network configuration below a site and beside the
 * sites: resources, tags, location and submit rate of a site; health,
 * failover and strategy of the network. Each checks its part and reports
 * problems with their JSON paths.
 * @module
 */
import type { Checker } from './config-check.js';
import type { StrategyConfig } from './config-types.js';
import { isStrategyName, STRATEGY_NAMES } from './strategy-names.js';
import type { SiteDescription, SubmitRate, TagConstraints } from './types.js';
import type { ResolvedFailover, ResolvedHealth } from './config.js';

const RESOURCE_KEYS = ['maxCores', 'maxMemoryGb', 'maxGpus', 'minCores', 'minMemoryGb', 'minGpus'] as const;

export function resourcesConfig(c: Checker, path: string, value: unknown): SiteDescription['resources'] | undefined {
  const r = c.object(path, value, RESOURCE_KEYS);
  if (!r) return undefined;
  const out: SiteDescription['resources'] = {};
  for (const key of RESOURCE_KEYS) {
    if (r[key] === undefined) continue;
    const n = c.number(`${path}.${key}`, r[key], { min: 0, integer: !key.endsWith('MemoryGb') });
    if (n !== undefined) out[key] = n;
  }
  for (const [min, max] of [
    ['minCores', 'maxCores'],
    ['minMemoryGb', 'maxMemoryGb'],
    ['minGpus', 'maxGpus'],
  ] as const) {
    const low = out[min];
    const high = out[max];
    if (low !== undefined && high !== undefined && low > high) c.fail(`${path}.${min}`, `is larger than ${max} (${low} > ${high})`);
  }
  return out;
}

export function tagsConfig(c: Checker, path: string, value: unknown): TagConstraints | undefined {
  if (Array.isArray(value)) {
    const accept = c.strings(path, value);
    return accept ? { accept } : undefined;
  }
  const t = c.object(path, value, ['require', 'prefer', 'accept', 'reject']);
  if (!t) return undefined;
  const out: TagConstraints = {};
  for (const key of ['require', 'prefer', 'accept', 'reject'] as const) {
    if (t[key] === undefined) continue;
    const list = c.strings(`${path}.${key}`, t[key]);
    if (list) out[key] = list;
  }
  for (const tag of out.require ?? []) if (out.reject?.includes(tag)) c.fail(`${path}.reject`, `tag "${tag}" is both required and rejected`);
  return out;
}

export function locationConfig(c: Checker, path: string, value: unknown): SiteDescription['location'] {
  const l = c.object(path, value, ['name', 'country', 'latitude', 'longitude']);
  if (!l) return undefined;
  const out: NonNullable<SiteDescription['location']> = {};
  if (l.name !== undefined) {
    const s = c.string(`${path}.name`, l.name);
    if (s) out.name = s;
  }
  if (l.country !== undefined) {
    const s = c.string(`${path}.country`, l.country);
    if (s) out.country = s;
  }
  if (l.latitude !== undefined) {
    const n = c.number(`${path}.latitude`, l.latitude, { min: -90, max: 90 });
    if (n !== undefined) out.latitude = n;
  }
  if (l.longitude !== undefined) {
    const n = c.number(`${path}.longitude`, l.longitude, { min: -180, max: 180 });
    if (n !== undefined) out.longitude = n;
  }
  return out;
}

export function submitRate(c: Checker, path: string, value: unknown): SubmitRate | undefined {
  const r = c.object(path, value, ['perSecond', 'burst']);
  if (!r) return undefined;
  const perSecond = c.number(`${path}.perSecond`, r.perSecond, { min: 0, exclusiveMin: true });
  const burst = r.burst === undefined ? 1 : c.number(`${path}.burst`, r.burst, { min: 1, integer: true });
  return perSecond === undefined || burst === undefined ? undefined : { perSecond, burst };
}

export function healthConfig(c: Checker, value: unknown): ResolvedHealth {
  const h = value === undefined ? {} : (c.object('$.health', value, ['probeIntervalMs', 'probeJitter', 'probeTimeoutMs', 'firstProbeWaitMs', 'ewmaAlpha', 'breaker']) ?? {});
  const b = h.breaker === undefined ? {} : (c.object('$.health.breaker', h.breaker, ['failureThreshold', 'errorRate', 'window', 'minimumCalls', 'openMs', 'maxOpenMs']) ?? {});
  const num = (path: string, v: unknown, fallback: number, o: Parameters<Checker['number']>[2]): number => (v === undefined ? fallback : (c.number(path, v, o) ?? fallback));
  const breaker = {
    failureThreshold: num('$.health.breaker.failureThreshold', b.failureThreshold, 5, { min: 1, integer: true }),
    errorRate: num('$.health.breaker.errorRate', b.errorRate, 0.5, { min: 0, max: 1, exclusiveMin: true }),
    window: num('$.health.breaker.window', b.window, 20, { min: 1, integer: true }),
    minimumCalls: num('$.health.breaker.minimumCalls', b.minimumCalls, 10, { min: 1, integer: true }),
    openMs: num('$.health.breaker.openMs', b.openMs, 30_000, { min: 0 }),
    maxOpenMs: num('$.health.breaker.maxOpenMs', b.maxOpenMs, 600_000, { min: 0 }),
  };
  if (breaker.minimumCalls > breaker.window) c.fail('$.health.breaker.minimumCalls', `is larger than window (${breaker.minimumCalls} > ${breaker.window})`);
  if (breaker.openMs > breaker.maxOpenMs) c.fail('$.health.breaker.openMs', `is larger than maxOpenMs (${breaker.openMs} > ${breaker.maxOpenMs})`);
  return {
    probeIntervalMs: num('$.health.probeIntervalMs', h.probeIntervalMs, 60_000, { min: 1 }),
    probeJitter: num('$.health.probeJitter', h.probeJitter, 0.2, { min: 0, max: 1 }),
    probeTimeoutMs: num('$.health.probeTimeoutMs', h.probeTimeoutMs, 10_000, { min: 1 }),
    firstProbeWaitMs: num('$.health.firstProbeWaitMs', h.firstProbeWaitMs, 2000, { min: 0 }),
    ewmaAlpha: num('$.health.ewmaAlpha', h.ewmaAlpha, 0.3, { min: 0, max: 1, exclusiveMin: true }),
    breaker,
  };
}

export function failoverConfig(c: Checker, value: unknown): ResolvedFailover {
  const f = value === undefined ? {} : (c.object('$.failover', value, ['maxAttempts', 'backoff', 'queuedDeadlineMs', 'resubmitQueued', 'lostAfterMs', 'silentAfterMs', 'pollIntervalMs', 'waitForSiteMs']) ?? {});
  const b = f.backoff === undefined ? {} : (c.object('$.failover.backoff', f.backoff, ['minDelay', 'maxDelay', 'factor', 'jitter']) ?? {});
  const num = (path: string, v: unknown, fallback: number, o: Parameters<Checker['number']>[2]): number => (v === undefined ? fallback : (c.number(path, v, o) ?? fallback));
  const out: ResolvedFailover = {
    maxAttempts: num('$.failover.maxAttempts', f.maxAttempts, 3, { min: 1, max: 50, integer: true }),
    backoff: {
      minDelay: num('$.failover.backoff.minDelay', b.minDelay, 1000, { min: 0 }),
      maxDelay: num('$.failover.backoff.maxDelay', b.maxDelay, 30_000, { min: 0 }),
      factor: num('$.failover.backoff.factor', b.factor, 2, { min: 1 }),
      jitter: num('$.failover.backoff.jitter', b.jitter, 0.5, { min: 0, max: 1 }),
    },
    resubmitQueued: f.resubmitQueued === undefined ? false : (c.boolean('$.failover.resubmitQueued', f.resubmitQueued) ?? false),
    lostAfterMs: num('$.failover.lostAfterMs', f.lostAfterMs, 300_000, { min: 1 }),
    pollIntervalMs: num('$.failover.pollIntervalMs', f.pollIntervalMs, 5000, { min: 1 }),
    silentAfterMs: num('$.failover.silentAfterMs', f.silentAfterMs, 60_000, { min: 1 }),
    waitForSiteMs: num('$.failover.waitForSiteMs', f.waitForSiteMs, 300_000, { min: 0 }),
  };
  if (out.backoff.minDelay > out.backoff.maxDelay) c.fail('$.failover.backoff.minDelay', `is larger than maxDelay (${out.backoff.minDelay} > ${out.backoff.maxDelay})`);
  if (f.queuedDeadlineMs !== undefined) {
    const d = c.number('$.failover.queuedDeadlineMs', f.queuedDeadlineMs, { min: 1 });
    if (d !== undefined) out.queuedDeadlineMs = d;
  }
  if (out.resubmitQueued && out.queuedDeadlineMs === undefined) c.fail('$.failover.resubmitQueued', 'needs $.failover.queuedDeadlineMs');
  return out;
}

/** The strategy a configuration names, checked; the network builds it (`strategyFromConfig`). */
export function strategyConfig(c: Checker, path: string, value: unknown, siteIds: string[]): StrategyConfig | undefined {
  if (typeof value === 'string') {
    if (!isStrategyName(value)) return c.fail(path, `unknown strategy "${value}"; built-ins: ${STRATEGY_NAMES.join(', ')}`);
    return value;
  }
  const s = c.object(path, value, ['filters', 'scorers', 'tieBreak', 'pinned']);
  if (!s) return undefined;
  if (s.pinned !== undefined) {
    if (s.filters !== undefined || s.scorers !== undefined || s.tieBreak !== undefined) c.fail(path, '"pinned" cannot be combined with filters, scorers or tieBreak');
    const ids = c.strings(`${path}.pinned`, s.pinned);
    if (!ids) return undefined;
    ids.forEach((id, i) => {
      if (!siteIds.includes(id)) c.fail(`${path}.pinned[${i}]`, `no site has the id "${id}"`);
    });
    return { pinned: ids };
  }
  const out: Exclude<StrategyConfig, string | { pinned: string[] }> = {};
  if (s.filters !== undefined) {
    const filters = c.strings(`${path}.filters`, s.filters);
    filters?.forEach((name, i) => {
      if (!isStrategyName(name)) c.fail(`${path}.filters[${i}]`, `unknown strategy "${name}"`);
    });
    if (filters) out.filters = filters;
  }
  if (s.scorers !== undefined) {
    const scorers = c.object(`${path}.scorers`, s.scorers, STRATEGY_NAMES);
    if (scorers) {
      out.scorers = {};
      for (const [name, weight] of Object.entries(scorers)) {
        const w = c.number(`${path}.scorers.${name}`, weight, { min: 0 });
        if (w !== undefined && isStrategyName(name)) out.scorers[name] = w;
      }
    }
  }
  if (s.tieBreak !== undefined) {
    const t = c.oneOf(`${path}.tieBreak`, s.tieBreak, ['random', 'order', 'weight'] as const);
    if (t) out.tieBreak = t;
  }
  if (c.issues.length > 0) return undefined;
  return out;
}

