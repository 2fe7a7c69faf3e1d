/**
 * The command line's configuration file: a network configuration (YAML or
 * JSON) with an optional `gateway:` section.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { tokenProblem, type GatewayClient } from '../gateway/clients.js';
import { DEFAULT_CLIENT_LIMITS, DEFAULT_TASK_LIMITS, limitsProblems, type ClientLimits, type TaskLimits } from '../gateway/fair-use.js';
import type { AccessLogEntry } from '../gateway/access-log.js';
import type { TesGatewayOptions } from '../gateway/options.js';
import type { TaskStore } from '../gateway/store.js';
import { connectAllowList } from '../gateway/url-guard.js';
import { validateNetworkConfig } from '../network/config.js';
import { siteSecrets } from '../network/config-secrets.js';
import { Network } from '../network/network.js';
import { nodeSiteRegistry } from '../node/site-registry.js';
import { guardedFetch } from '../policy/guarded-fetch.js';
import { urlRulesProblems, type UrlRules } from '../policy/url-rules.js';
import { SecretSet } from '../redact.js';

/** The `gateway:` section. */
export interface GatewayFileConfig {
  /** The SQLite file of the task store, relative to the configuration file. */
  store: string;
  port?: number;
  host?: string;
  /** Clients by name, each with its bearer token (read from `tokenEnv` when given) and its own rules. */
  clients: Record<string, GatewayClient>;
  maxBodyBytes?: number;
  allowUnauthenticated?: boolean;
  urls?: UrlRules;
  siteUrls?: Record<string, UrlRules>;
  limits?: Partial<ClientLimits>;
  taskLimits?: Partial<TaskLimits>;
  checkRedirects?: boolean;
  /** Print one access-log line per request to stderr. */
  accessLog?: boolean;
}

/** A loaded configuration file. */
export interface CliConfig {
  network: Network;
  gateway: GatewayFileConfig;
  /** The configuration file, absolute (a gateway protects it from tasks). */
  path: string;
}

const GATEWAY_KEYS = ['store', 'port', 'host', 'clients', 'maxBodyBytes', 'allowUnauthenticated', 'urls', 'siteUrls', 'limits', 'taskLimits', 'checkRedirects', 'accessLog'];
const CLIENT_KEYS = ['name', 'token', 'tokenEnv', 'urls', 'limits'];

/**
 * Reads the file, builds the network (every site kind of this runtime) and
 * the gateway settings. Every credential it resolves (site auth, secrets in
 * site URLs, client tokens) is added to `secrets`, so output can be
 * scrubbed of them. With `guardInputs`, the sites that fetch inputs on this
 * host fetch through a `guardedFetch` allowing what the gateway's URL rules allow.
 */
export async function loadCliConfig(path: string, env: NodeJS.ProcessEnv = process.env, options: { secrets?: SecretSet; guardInputs?: boolean } = {}): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError('configuration', [{ path: '$', message: `cannot read ${path} (${(error as { code?: string }).code ?? 'unreadable'})` }], { cause: error });
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new ValidationError('configuration', [{ path: '$', message: `${path} is not YAML or JSON: ${(error as Error).message}` }], { cause: error });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ValidationError('configuration', [{ path: '$', message: 'must be a mapping' }]);
  const { gateway: section, ...networkConfig } = data as Record<string, unknown>;
  const gateway = gatewayConfig(section, dirname(resolve(path)), env);
  const secrets = options.secrets ?? new SecretSet();
  for (const client of Object.values(gateway.clients)) secrets.add(client.token);
  const resolved = validateNetworkConfig(networkConfig, { env, onWarning: () => undefined });
  for (const secret of siteSecrets(resolved.sites)) secrets.add(secret);
  const inputFetch = options.guardInputs ? guardedFetch({ allow: connectAllowList(gateway.urls, Object.values(gateway.clients).map((c) => c.urls), Object.values(gateway.siteUrls ?? {})) }) : undefined;
  const network = await Network.create(networkConfig as unknown as Parameters<typeof Network.create>[0], { registry: nodeSiteRegistry(inputFetch ? { inputFetch } : {}), env });
  return { network, gateway, path: resolve(path) };
}

/** The gateway options of a configuration file (the file itself protected from tasks). */
export function gatewayOptions(
  config: CliConfig,
  overrides: { store?: string | TaskStore; onWarning?: (message: string) => void; onAccess?: (entry: AccessLogEntry) => void } = {},
): TesGatewayOptions {
  const g = config.gateway;
  const options: TesGatewayOptions = { storePath: typeof overrides.store === 'string' ? overrides.store : g.store, clients: g.clients, protect: [config.path] };
  if (typeof overrides.store === 'object') options.store = overrides.store;
  if (g.maxBodyBytes !== undefined) options.maxBodyBytes = g.maxBodyBytes;
  if (g.allowUnauthenticated !== undefined) options.allowUnauthenticated = g.allowUnauthenticated;
  if (g.urls) options.urls = g.urls;
  if (g.siteUrls) options.siteUrls = g.siteUrls;
  if (g.limits) options.limits = g.limits;
  if (g.taskLimits) options.taskLimits = g.taskLimits;
  if (g.checkRedirects !== undefined) options.checkRedirects = g.checkRedirects;
  if (overrides.onWarning) options.onWarning = overrides.onWarning;
  if (g.accessLog && overrides.onAccess) options.accessLog = overrides.onAccess;
  return options;
}

function gatewayConfig(section: unknown, base: string, env: NodeJS.ProcessEnv): GatewayFileConfig {
  const issues: ValidationIssue[] = [];
  const out: GatewayFileConfig = { store: resolve(base, 'pulsar-network-gateway.db'), clients: {} };
  if (section === undefined) return out;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) throw new ValidationError('configuration', [{ path: '$.gateway', message: 'must be a mapping' }]);
  const g = section as Record<string, unknown>;
  for (const key of Object.keys(g)) if (!GATEWAY_KEYS.includes(key)) issues.push({ path: `$.gateway.${key}`, message: `is not a gateway setting (${GATEWAY_KEYS.join(', ')})` });
  if (g.store !== undefined) {
    if (typeof g.store === 'string' && g.store !== '') out.store = resolve(base, g.store);
    else issues.push({ path: '$.gateway.store', message: 'must be a file path' });
  }
  if (g.port !== undefined) {
    if (Number.isInteger(g.port) && (g.port as number) >= 0 && (g.port as number) < 65536) out.port = g.port as number;
    else issues.push({ path: '$.gateway.port', message: 'must be a port number' });
  }
  if (g.host !== undefined) {
    if (typeof g.host === 'string' && g.host !== '') out.host = g.host;
    else issues.push({ path: '$.gateway.host', message: 'must be a host name or address' });
  }
  if (g.maxBodyBytes !== undefined) {
    if (Number.isInteger(g.maxBodyBytes) && (g.maxBodyBytes as number) > 0) out.maxBodyBytes = g.maxBodyBytes as number;
    else issues.push({ path: '$.gateway.maxBodyBytes', message: 'must be a positive whole number' });
  }
  for (const key of ['allowUnauthenticated', 'checkRedirects', 'accessLog'] as const) {
    if (g[key] === undefined) continue;
    if (typeof g[key] === 'boolean') out[key] = g[key];
    else issues.push({ path: `$.gateway.${key}`, message: 'must be true or false' });
  }
  if (g.urls !== undefined) issues.push(...urlRulesProblems(g.urls, '$.gateway.urls'));
  if (g.siteUrls !== undefined) {
    if (typeof g.siteUrls !== 'object' || g.siteUrls === null || Array.isArray(g.siteUrls)) issues.push({ path: '$.gateway.siteUrls', message: 'must map site ids to URL rules' });
    else for (const [id, rules] of Object.entries(g.siteUrls)) issues.push(...urlRulesProblems(rules, `$.gateway.siteUrls.${id}`));
  }
  issues.push(...limitsProblems(g.limits, '$.gateway.limits', DEFAULT_CLIENT_LIMITS), ...limitsProblems(g.taskLimits, '$.gateway.taskLimits', DEFAULT_TASK_LIMITS));
  if (g.clients !== undefined) issues.push(...readClients(g.clients, env, out));
  if (issues.length > 0) throw new ValidationError('gateway configuration', issues);
  if (g.urls !== undefined) out.urls = g.urls as UrlRules;
  if (g.siteUrls !== undefined) out.siteUrls = g.siteUrls as Record<string, UrlRules>;
  if (g.limits !== undefined) out.limits = g.limits as Partial<ClientLimits>;
  if (g.taskLimits !== undefined) out.taskLimits = g.taskLimits as Partial<TaskLimits>;
  return out;
}

function readClients(clients: unknown, env: NodeJS.ProcessEnv, out: GatewayFileConfig): ValidationIssue[] {
  if (!Array.isArray(clients)) return [{ path: '$.gateway.clients', message: 'must be a list of { name, token | tokenEnv, urls?, limits? }' }];
  const issues: ValidationIssue[] = [];
  const tokens = new Set<string>();
  clients.forEach((client: unknown, i) => {
    const at = `$.gateway.clients[${i}]`;
    const c = (typeof client === 'object' && client !== null ? client : {}) as Record<string, unknown>;
    for (const key of Object.keys(c)) if (!CLIENT_KEYS.includes(key)) issues.push({ path: `${at}.${key}`, message: `is not a client setting (${CLIENT_KEYS.join(', ')})` });
    if (typeof c.name !== 'string' || c.name === '') return issues.push({ path: `${at}.name`, message: 'must be a non-empty string' });
    const token = typeof c.tokenEnv === 'string' ? env[c.tokenEnv] : c.token;
    const weak = token === undefined ? 'is missing' : tokenProblem(token);
    if (weak) {
      // the token itself is never quoted
      return issues.push({ path: at, message: typeof c.tokenEnv === 'string' ? `environment variable ${c.tokenEnv}: the token ${weak}` : `needs token or tokenEnv: the token ${weak}` });
    }
    if (tokens.has(token as string)) return issues.push({ path: at, message: 'shares its token with another client' });
    tokens.add(token as string);
    const entry: GatewayClient = { token: token as string };
    if (c.urls !== undefined) {
      const problems = urlRulesProblems(c.urls, `${at}.urls`);
      if (problems.length > 0) issues.push(...problems);
      else entry.urls = c.urls as UrlRules;
    }
    if (c.limits !== undefined) {
      const problems = limitsProblems(c.limits, `${at}.limits`, DEFAULT_CLIENT_LIMITS);
      if (problems.length > 0) issues.push(...problems);
      else entry.limits = c.limits as Partial<ClientLimits>;
    }
    out.clients[c.name] = entry;
  });
  return issues;
}
