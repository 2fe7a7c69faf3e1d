/**
 * Validation of a network configuration: the whole input is checked before
 * anything starts, and every problem is reported with its JSON path.
 * @module
 */
import { ValidationError } from '../errors.js';
import type { Auth, TokenProvider } from '../http/auth.js';
import { isSecretName } from '../redact.js';
import type { SiteKind } from '../sites/site.js';
import { Checker } from './config-check.js';
import type { AuthConfig, NetworkConfig, StrategyConfig } from './config-types.js';
import { failoverConfig, healthConfig, locationConfig, resourcesConfig, strategyConfig, submitRate, tagsConfig } from './config-sections.js';
import type { SiteDescription } from './types.js';

/** Where references in a configuration are resolved. */
export interface ConfigContext {
  /** Environment variables for `*Env` references. @default process.env where it exists */
  env?: Record<string, string | undefined>;
  /** Token providers for `tokenProvider` references, by name. */
  tokenProviders?: Record<string, TokenProvider>;
  /** Receives warnings (inline secrets); the secret is never part of the message. @default console.warn */
  onWarning?: (message: string) => void;
}

/** One site of a validated configuration. */
export interface ResolvedSite {
  /** What selection sees (no secret in it). */
  description: SiteDescription;
  /** Credentials, resolved from their references. */
  auth: Auth;
  /** Adapter-specific settings. */
  options: Record<string, unknown>;
}

/** Health settings with every default filled in. */
export interface ResolvedHealth {
  /** Mean time between active probes of a site, in milliseconds (default 60000). */
  probeIntervalMs: number;
  /** Share of the probe interval randomised, in [0, 1] (default 0.2). */
  probeJitter: number;
  /** Time limit of one probe, in milliseconds (default 10000). */
  probeTimeoutMs: number;
  /** Longest wait of `Network.create` for the first probe of every site, in milliseconds (default 2000). */
  firstProbeWaitMs: number;
  /** Smoothing of the latency, throughput and queue-wait averages, in (0, 1] (default 0.3). */
  ewmaAlpha: number;
  /** Circuit-breaker settings of every site. */
  breaker: {
    /** Consecutive failures that open the breaker (default 5). */
    failureThreshold: number;
    /** Error rate over the window that opens the breaker, in (0, 1] (default 0.5). */
    errorRate: number;
    /** Outcomes the error rate is computed over (default 20). */
    window: number;
    /** Outcomes needed before the error rate counts (default 10). */
    minimumCalls: number;
    /** First open period, in milliseconds (default 30000). */
    openMs: number;
    /** Longest open period, in milliseconds (default 600000). */
    maxOpenMs: number;
  };
}

/** Failover settings with every default filled in. */
export interface ResolvedFailover {
  /** Sites tried per job, the first included (default 3). */
  maxAttempts: number;
  /** Backoff between one site and the next. */
  backoff: {
    /** Delay before the first failover, in milliseconds (default 1000). */
    minDelay: number;
    /** Largest delay, in milliseconds (default 30000). */
    maxDelay: number;
    /** Growth of the delay per failover (default 2). */
    factor: number;
    /** Share of each delay that is randomised, in [0, 1] (default 0.5). */
    jitter: number;
  };
  /** A job still queued this long after acceptance, in milliseconds, counts as stuck; absent = never. */
  queuedDeadlineMs?: number;
  /** Whether a stuck job is canceled and resubmitted elsewhere (default false). */
  resubmitQueued: boolean;
  /** A job whose site cannot be reached for this long, in milliseconds, is lost (default 300000). */
  lostAfterMs: number;
  /** Shortest status poll interval of a site's poller (right after a change), in milliseconds (default 5000). */
  pollIntervalMs: number;
  /** A job its site does not report for this long is announced (a `silent` site event), in milliseconds (default 60000). */
  silentAfterMs: number;
  /** Longest total wait for an open circuit breaker when every site left is behind one, in milliseconds (default 300000). */
  waitForSiteMs: number;
}

/** A configuration that passed validation. */
export interface ResolvedNetworkConfig {
  /** Seed of every random choice; absent when the configuration sets none. */
  seed?: string | number;
  /** The configured strategy, checked (the network builds it); absent when the configuration sets none. */
  strategy?: StrategyConfig;
  /** Health settings. */
  health: ResolvedHealth;
  /** Failover settings. */
  failover: ResolvedFailover;
  /** The sites, in configuration order. */
  sites: ResolvedSite[];
}

const KINDS: readonly SiteKind[] = ['tes', 'pulsar-rest', 'pulsar-amqp', 'local'];
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOP_KEYS = ['seed', 'strategy', 'defaults', 'health', 'failover', 'sites'] as const;
const SITE_KEYS = ['id', 'kind', 'url', 'auth', 'resources', 'tags', 'location', 'storages', 'weight', 'maxInFlight', 'submitRate', 'options'] as const;

/**
 * Validates a configuration object and resolves its references. Throws one
 * {@link ValidationError} listing every problem, each with its JSON path.
 *
 * @example
 * ```ts
 * const config = validateNetworkConfig({
 *   sites: [{ id: 'tes1', kind: 'tes', url: 'https://tes.example.org/ga4gh/tes/v1', auth: { type: 'bearer', tokenEnv: 'TES_TOKEN' } }],
 * });
 * ```
 */
export function validateNetworkConfig(input: unknown, context: ConfigContext = {}): ResolvedNetworkConfig {
  const c = new Checker();
  const env = context.env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const warn = context.onWarning ?? ((message: string) => console.warn(message));
  const warnings: string[] = [];
  const root = c.object('$', input, TOP_KEYS);
  const config = (root ?? {}) as Partial<Record<keyof NetworkConfig, unknown>>;

  let seed: string | number | undefined;
  if (config.seed !== undefined) {
    if (typeof config.seed === 'string' || (typeof config.seed === 'number' && Number.isFinite(config.seed))) seed = config.seed;
    else c.fail('$.seed', 'must be a string or a number');
  }

  const defaults = config.defaults === undefined ? {} : (c.object('$.defaults', config.defaults, ['maxInFlight', 'submitRate', 'weight']) ?? {});
  const defaultMaxInFlight = defaults.maxInFlight === undefined ? undefined : c.number('$.defaults.maxInFlight', defaults.maxInFlight, { min: 1, integer: true });
  const defaultRate = defaults.submitRate === undefined ? undefined : submitRate(c, '$.defaults.submitRate', defaults.submitRate);
  const defaultWeight = defaults.weight === undefined ? 1 : (c.number('$.defaults.weight', defaults.weight, { min: 0 }) ?? 1);

  const health = healthConfig(c, config.health);
  const failover = failoverConfig(c, config.failover);

  const sites: ResolvedSite[] = [];
  const list = config.sites === undefined ? c.fail('$.sites', 'is required: a list of at least one site') : c.array('$.sites', config.sites);
  if (list && list.length === 0) c.fail('$.sites', 'must list at least one site');
  const seen = new Map<string, number>();
  (list ?? []).forEach((item, i) => {
    const path = `$.sites[${i}]`;
    const site = c.object(path, item, SITE_KEYS);
    if (!site) return;
    const id = site.id === undefined ? c.fail(`${path}.id`, 'is required') : c.string(`${path}.id`, site.id, { pattern: ID, patternText: 'letters, digits, ".", "_" and "-"' });
    if (id !== undefined) {
      const first = seen.get(id);
      if (first !== undefined) c.fail(`${path}.id`, `duplicates the id of $.sites[${first}] ("${id}")`);
      else seen.set(id, i);
    }
    const kind = site.kind === undefined ? c.fail(`${path}.kind`, `is required: one of ${KINDS.join(', ')}`) : c.oneOf(`${path}.kind`, site.kind, KINDS);
    const url = siteUrl(c, `${path}.url`, site.url, kind, warnings);
    const auth = authConfig(c, `${path}.auth`, site.auth, { env, providers: context.tokenProviders ?? {}, warnings });
    const resources = site.resources === undefined ? {} : resourcesConfig(c, `${path}.resources`, site.resources);
    const tags = site.tags === undefined ? {} : tagsConfig(c, `${path}.tags`, site.tags);
    const location = site.location === undefined ? undefined : locationConfig(c, `${path}.location`, site.location);
    const storages = site.storages === undefined ? [] : (c.strings(`${path}.storages`, site.storages) ?? []);
    const weight = site.weight === undefined ? defaultWeight : c.number(`${path}.weight`, site.weight, { min: 0 });
    const maxInFlight = site.maxInFlight === undefined ? defaultMaxInFlight : c.number(`${path}.maxInFlight`, site.maxInFlight, { min: 1, integer: true });
    const rate = site.submitRate === undefined ? defaultRate : submitRate(c, `${path}.submitRate`, site.submitRate);
    const options = site.options === undefined ? {} : c.object(`${path}.options`, site.options);
    if (id === undefined || kind === undefined) return;
    const description: SiteDescription = { id, kind, resources: resources ?? {}, tags: tags ?? {}, storages, weight: weight ?? 1 };
    if (url !== undefined) description.url = url;
    if (location) description.location = location;
    if (maxInFlight !== undefined) description.maxInFlight = maxInFlight;
    if (rate) description.submitRate = rate;
    sites.push({ description, auth: auth ?? { type: 'none' }, options: options ?? {} });
  });

  let strategy: StrategyConfig | undefined;
  if (config.strategy !== undefined) strategy = strategyConfig(c, '$.strategy', config.strategy, [...seen.keys()]);

  if (c.issues.length > 0) throw new ValidationError('network configuration', c.issues);
  for (const warning of warnings) warn(warning);
  const resolved: ResolvedNetworkConfig = { health, failover, sites };
  if (seed !== undefined) resolved.seed = seed;
  if (strategy) resolved.strategy = strategy;
  return resolved;
}

function siteUrl(c: Checker, path: string, value: unknown, kind: SiteKind | undefined, warnings: string[]): string | undefined {
  if (value === undefined) {
    if (kind !== undefined && kind !== 'local') c.fail(path, `is required for a site of kind "${kind}"`);
    return undefined;
  }
  const text = c.string(path, value);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return c.fail(path, 'is not an absolute URL');
  }
  const schemes = kind === 'pulsar-amqp' ? ['amqp:', 'amqps:'] : kind === 'local' ? ['file:', 'http:', 'https:'] : ['http:', 'https:'];
  if (!schemes.includes(url.protocol)) return c.fail(path, `must use ${schemes.map((s) => s.slice(0, -1)).join(' or ')} for a site of kind "${kind ?? '?'}", got "${url.protocol.slice(0, -1)}"`);
  if (url.username || url.password || [...url.searchParams.keys()].some(isSecretName))
    warnings.push(`${path}: the URL carries credentials inline; prefer an auth reference (the value is not shown)`);
  return text;
}

function authConfig(
  c: Checker,
  path: string,
  value: unknown,
  refs: { env: Record<string, string | undefined>; providers: Record<string, TokenProvider>; warnings: string[] },
): Auth | undefined {
  if (value === undefined) return { type: 'none' };
  const auth = c.object(path, value, ['type', 'tokenEnv', 'tokenProvider', 'token', 'username', 'passwordEnv', 'password', 'name', 'valueEnv', 'value']);
  if (!auth) return undefined;
  const type = c.oneOf(`${path}.type`, auth.type, ['none', 'bearer', 'basic', 'query'] as const);
  const fromEnv = (key: string): string | undefined => {
    const name = c.string(`${path}.${key}`, auth[key], { pattern: ENV_NAME, patternText: 'an environment variable name' });
    if (name === undefined) return undefined;
    const secret = refs.env[name];
    if (secret === undefined || secret === '') return c.fail(`${path}.${key}`, `environment variable ${name} is not set`);
    return secret;
  };
  const inline = (key: string): string | undefined => {
    if (typeof auth[key] !== 'string' || auth[key] === '') return c.fail(`${path}.${key}`, 'must be a non-empty string');
    refs.warnings.push(`${path}.${key}: an inline secret is accepted, but keep secrets out of configuration files (use ${key}Env or a token provider); the value is not shown`);
    return auth[key] as string;
  };
  const exactlyOne = (keys: string[]): string | undefined => {
    const present = keys.filter((k) => auth[k] !== undefined);
    if (present.length !== 1) return c.fail(path, `needs exactly one of ${keys.join(', ')}${present.length ? ` (got ${present.join(', ')})` : ''}`);
    return present[0];
  };
  const allowed: Record<string, string[]> = {
    none: ['type'],
    bearer: ['type', 'tokenEnv', 'tokenProvider', 'token'],
    basic: ['type', 'username', 'passwordEnv', 'password'],
    query: ['type', 'name', 'valueEnv', 'value'],
  };
  if (type === undefined) return undefined;
  for (const key of Object.keys(auth)) if (!allowed[type]?.includes(key)) c.fail(`${path}.${key}`, `does not apply to auth type "${type}"`);
  switch (type) {
    case 'none':
      return { type: 'none' };
    case 'bearer': {
      const key = exactlyOne(['tokenEnv', 'tokenProvider', 'token']);
      if (key === 'tokenEnv') {
        const token = fromEnv(key);
        return token === undefined ? undefined : { type: 'bearer', token };
      }
      if (key === 'tokenProvider') {
        const name = c.string(`${path}.tokenProvider`, auth.tokenProvider);
        if (name === undefined) return undefined;
        const provider = refs.providers[name];
        if (!provider) return c.fail(`${path}.tokenProvider`, `no token provider named "${name}" was given to the network`);
        return { type: 'bearer', token: provider };
      }
      if (key === 'token') {
        const token = inline(key);
        return token === undefined ? undefined : { type: 'bearer', token };
      }
      return undefined;
    }
    case 'basic': {
      const username = c.string(`${path}.username`, auth.username);
      const key = exactlyOne(['passwordEnv', 'password']);
      const password = key === 'passwordEnv' ? fromEnv(key) : key === 'password' ? inline(key) : undefined;
      return username === undefined || password === undefined ? undefined : { type: 'basic', username, password };
    }
    case 'query': {
      const name = auth.name === undefined ? 'private_token' : c.string(`${path}.name`, auth.name);
      const key = exactlyOne(['valueEnv', 'value']);
      const secret = key === 'valueEnv' ? fromEnv(key) : key === 'value' ? inline(key) : undefined;
      return name === undefined || secret === undefined ? undefined : { type: 'query', name, value: secret };
    }
  }
}

export type { AuthConfig };
