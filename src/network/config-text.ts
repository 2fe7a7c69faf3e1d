/**
 * A network configuration from its text (JSON or YAML). The YAML parser is
 * loaded on first use, by dynamic import, so a bundle that never parses a
 * configuration text (a browser page with a TES client) does not carry it.
 * @module
 */
import { ValidationError } from '../errors.js';
import { validateNetworkConfig, type ConfigContext, type ResolvedNetworkConfig } from './config.js';

/**
 * Parses the text of a JSON or YAML configuration and validates it. The YAML
 * parser is loaded on first use (a dynamic import), so code that never parses
 * YAML (a browser page with a TES client) does not carry it.
 *
 * @example
 * ```ts
 * const config = await parseNetworkConfig(`
 * sites:
 *   - id: it03
 *     kind: pulsar-rest
 *     url: https://it03.pulsar.example.org
 *     auth: { type: query, name: private_token, valueEnv: IT03_TOKEN }
 * `);
 * ```
 */
export async function parseNetworkConfig(text: string, context: ConfigContext = {}): Promise<ResolvedNetworkConfig> {
  const { parse, YAMLParseError } = await import('yaml');
  let data: unknown;
  try {
    data = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    const reason = error instanceof YAMLParseError ? error.code : 'unreadable';
    throw new ValidationError('network configuration', [{ path: '$', message: `not valid YAML or JSON${where} (${reason})` }], { cause: error });
  }
  return validateNetworkConfig(data, context);
}
