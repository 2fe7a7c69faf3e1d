/**
 * The command line's configuration file: a network configuration (YAML or
 * JSON) with an optional `gateway:` section.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { Network } from '../network/network.js';
import { nodeSiteRegistry } from '../node/site-registry.js';

/** The `gateway:` section. */
export interface GatewayFileConfig {
  /** The SQLite file of the task store, relative to the configuration file. */
  store: string;
  port?: number;
  host?: string;
  /** Clients by name with their bearer tokens (read from `tokenEnv` when given). */
  clients: Record<string, string>;
  maxBodyBytes?: number;
  /** Print one access-log line per request to stderr. */
  accessLog?: boolean;
}

/** A loaded configuration file. */
export interface CliConfig {
  network: Network;
  gateway: GatewayFileConfig;
}

const GATEWAY_KEYS = ['store', 'port', 'host', 'clients', 'maxBodyBytes', 'accessLog'];

/** Reads the file, builds the network (every site kind of this runtime) and the gateway settings. */
export async function loadCliConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<CliConfig> {
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
  const network = await Network.create(networkConfig as unknown as Parameters<typeof Network.create>[0], { registry: nodeSiteRegistry(), env });
  return { network, gateway };
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
  if (g.accessLog !== undefined) {
    if (typeof g.accessLog === 'boolean') out.accessLog = g.accessLog;
    else issues.push({ path: '$.gateway.accessLog', message: 'must be true or false' });
  }
  if (g.clients !== undefined) {
    if (!Array.isArray(g.clients)) issues.push({ path: '$.gateway.clients', message: 'must be a list of { name, token | tokenEnv }' });
    else
      g.clients.forEach((client: unknown, i) => {
        const at = `$.gateway.clients[${i}]`;
        const c = (typeof client === 'object' && client !== null ? client : {}) as Record<string, unknown>;
        if (typeof c.name !== 'string' || c.name === '') return issues.push({ path: `${at}.name`, message: 'must be a non-empty string' });
        const token = typeof c.tokenEnv === 'string' ? env[c.tokenEnv] : c.token;
        if (typeof token !== 'string' || token.length < 16) {
          return issues.push({ path: at, message: typeof c.tokenEnv === 'string' ? `environment variable ${c.tokenEnv} must hold a token of at least 16 characters` : 'needs token (at least 16 characters) or tokenEnv' });
        }
        if (Object.values(out.clients).includes(token)) return issues.push({ path: at, message: 'shares its token with another client' });
        out.clients[c.name] = token;
      });
  }
  if (issues.length > 0) throw new ValidationError('gateway configuration', issues);
  return out;
}
