/**
 * Reading a network configuration file (Node.js and Deno only: exported from
 * `pulsar-network/node`).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../errors.js';
import type { ConfigContext, ResolvedNetworkConfig } from './config.js';
import { parseNetworkConfig } from './config-text.js';

/**
 * Reads and validates a JSON or YAML network configuration file.
 *
 * @example
 * ```ts
 * import { readNetworkConfig } from 'pulsar-network/node';
 * const config = await readNetworkConfig('network.yaml');
 * ```
 */
export async function readNetworkConfig(path: string, context: ConfigContext = {}): Promise<ResolvedNetworkConfig> {
  return parseNetworkConfig(await readConfigText(path), context);
}

/** The text of a configuration file; a file that cannot be read is a {@link ValidationError} naming it. */
export async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new ValidationError('network configuration', [{ path: '$', message: `cannot read ${path} (${code})` }], { cause: error });
  }
}
