/**
 * The gateway's clients: one rule for token strength (the API and the
 * command line both apply it), and each client's own URL rules and limits.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { UrlRules } from '../policy/url-rules.js';
import type { ClientLimits } from './fair-use.js';

/** The shortest client token accepted, in characters. */
export const MIN_TOKEN_LENGTH = 16;

/** A client of the gateway: its bearer token, and what it may do beyond the gateway's defaults. */
export interface GatewayClient {
  /** The bearer token (at least 16 characters, `MIN_TOKEN_LENGTH`, no spaces). */
  token: string;
  /** URL rules added to the gateway's for this client's tasks (more roots, schemes, allowed addresses). */
  urls?: UrlRules;
  /** This client's limits, each replacing the gateway's. */
  limits?: Partial<ClientLimits>;
}

/** The clients, split by what each part is for. */
export interface ClientTable {
  /** Token of each client. */
  tokens: Record<string, string>;
  /** URL rules of each client that has its own. */
  urls: Record<string, UrlRules | undefined>;
  /** Limits of each client that has its own. */
  limits: Record<string, Partial<ClientLimits>>;
}

/**
 * What is wrong with a token, or `undefined` when it is strong enough: at
 * least 16 characters, none of them spaces or control characters (a bearer
 * header could not carry them).
 *
 * @example
 * ```ts
 * tokenProblem('x'); // 'must be at least 16 characters long'
 * ```
 */
export function tokenProblem(token: unknown): string | undefined {
  if (typeof token !== 'string') return 'must be a string';
  if (token.length < MIN_TOKEN_LENGTH) return `must be at least ${MIN_TOKEN_LENGTH} characters long`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(token)) return 'must not contain spaces or control characters';
  return undefined;
}

/** Checks every client (name, token strength, no shared token) and splits the table; throws one ValidationError listing every problem. */
export function clientTable(clients: Record<string, string | GatewayClient>): ClientTable {
  const issues: ValidationIssue[] = [];
  const table: ClientTable = { tokens: {}, urls: {}, limits: {} };
  const seen = new Map<string, string>();
  for (const [name, client] of Object.entries(clients)) {
    const entry: GatewayClient = typeof client === 'string' ? { token: client } : client;
    const at = `clients.${name}`;
    if (name === '') issues.push({ path: 'clients', message: 'a client needs a name' });
    const problem = tokenProblem(entry?.token);
    if (problem) {
      issues.push({ path: `${at}.token`, message: problem });
      continue;
    }
    const other = seen.get(entry.token);
    if (other !== undefined) issues.push({ path: `${at}.token`, message: `is the token of client ${other} too; each client needs its own` });
    seen.set(entry.token, name);
    table.tokens[name] = entry.token;
    table.urls[name] = entry.urls;
    if (entry.limits) table.limits[name] = entry.limits;
  }
  if (issues.length > 0) throw new ValidationError('gateway clients', issues);
  return table;
}
