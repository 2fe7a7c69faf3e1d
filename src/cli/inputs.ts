/**
 * What the command line reads besides its flags: the task file, the
 * configuration file (found in the usual places when `--config` is not
 * given), the task store (`--store memory|sqlite:PATH`), durations and
 * ports, and its own version.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobSpec } from '../contracts/job-spec.js';
import { ValidationError } from '../errors.js';
import { SqliteTaskStore } from '../gateway/sqlite-store.js';
import { MemoryTaskStore, type TaskStore } from '../gateway/store.js';
import type { SiteDescription } from '../network/types.js';
import { redactUrl } from '../redact.js';
import { validateTask } from '../tes/validate.js';

/** Reads and validates a TES task file. */
export async function readTask(file: string): Promise<JobSpec> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ValidationError('task file', [{ path: '$', message: `cannot read ${file} as JSON: ${(error as Error).message}` }], { cause: error });
  }
  const issues = validateTask(data);
  if (issues.length > 0) throw new ValidationError(`TES task in ${file}`, issues);
  return data as JobSpec;
}

/** `--port`: 0 to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValidationError('arguments', [{ path: '--port', message: `${value} is not a port number` }]);
  return port;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration such as `90s`, `30m`, `12h`, `7d` or `2w`, in milliseconds. */
export function parseDuration(value: string, flag = '--older-than'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(value.trim());
  if (!match) throw new ValidationError('arguments', [{ path: flag, message: `must be a duration such as 30m, 12h or 7d — got ${JSON.stringify(value)}` }]);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

/** `--store`: `memory` (nothing kept after the command), `sqlite:PATH`, or a plain path (SQLite). */
export type StoreChoice = { kind: 'memory' } | { kind: 'sqlite'; path: string };

/** Parses `--store`. */
export function parseStore(value: string): StoreChoice {
  if (value === 'memory') return { kind: 'memory' };
  const path = value.startsWith('sqlite:') ? value.slice('sqlite:'.length) : value;
  if (path === '' || /^[a-z]+:$/i.test(value)) throw new ValidationError('arguments', [{ path: '--store', message: `must be memory or sqlite:PATH — got ${JSON.stringify(value)}` }]);
  return { kind: 'sqlite', path };
}

/** Opens the store chosen by `--store`, or the configuration's SQLite file. */
export function openStore(choice: StoreChoice | undefined, fallback: string): { store: TaskStore; where: string } {
  if (choice?.kind === 'memory') return { store: new MemoryTaskStore(), where: 'the in-memory store' };
  const path = choice?.path ?? fallback;
  return { store: new SqliteTaskStore(path), where: path };
}

/**
 * The configuration file: `--config` when given, else the first that exists
 * of `./pulsar-network.yaml`, `$XDG_CONFIG_HOME/pulsar-network/config.yaml`
 * and `~/.config/pulsar-network/config.yaml`.
 */
export function findConfig(given: string | undefined, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): string {
  if (given !== undefined) return given;
  const home = env.HOME || homedir();
  const places = [join(cwd, 'pulsar-network.yaml')];
  if (env.XDG_CONFIG_HOME) places.push(join(env.XDG_CONFIG_HOME, 'pulsar-network', 'config.yaml'));
  places.push(join(home, '.config', 'pulsar-network', 'config.yaml'));
  const found = places.find((place) => existsSync(place));
  if (found) return found;
  throw new ValidationError('arguments', [{ path: '--config', message: `no configuration: give --config FILE, or write one of ${places.join(', ')}` }]);
}

/** The package's version, read from its package.json (found above this module, in the sources or the build). */
export function cliVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = resolve(dir, '..')) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'pulsar-network' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

/** A site's static view fit to print: its URL without credentials. */
export function publicSite(site: SiteDescription): SiteDescription {
  return site.url === undefined ? site : { ...site, url: redactUrl(site.url) };
}
