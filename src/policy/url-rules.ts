/**
 * The rules of the URL policy: which schemes, file roots and non-public
 * addresses a job from outside may use, per direction; their defaults, and
 * how the layers (gateway, client, site) combine. Portable.
 * @module
 */
import type { ValidationIssue } from '../errors.js';
import { parseRange, type IpRange } from './ip.js';

/** What one direction (inputs or outputs) may use. */
export interface DirectionRules {
  /**
   * URL schemes accepted, lower case without `:` (`http`, `https`, `s3`,
   * …); `file` covers `file://` URLs and plain paths.
   */
  schemes?: string[];
  /**
   * Directories that `file://` URLs and plain paths must lie under, checked
   * after resolving `..` and symbolic links. None: no local file at all.
   */
  roots?: string[];
  /**
   * Addresses (`10.1.2.3`), CIDR ranges (`10.0.0.0/8`, `fd00::/8`) and host
   * names (`data.internal`, `*.corp.example`) that http(s) URLs may reach
   * although they are not public (loopback, private, link-local, metadata).
   */
  allow?: string[];
}

/** The URL rules of one layer: the gateway, one client or one site. */
export interface UrlRules {
  /** Rules for `inputs[].url`. */
  inputs?: DirectionRules;
  /** Rules for `outputs[].url`. */
  outputs?: DirectionRules;
}

/** One direction's rules, ready to check against. */
export interface CompiledDirection {
  /** Accepted schemes. */
  schemes: ReadonlySet<string>;
  /** Allowed roots, absolute and without links. */
  roots: readonly string[];
  /** Non-public addresses and ranges allowed. */
  ranges: readonly IpRange[];
  /** Host names allowed whatever they resolve to (lower case; `*.x` matches below `x`). */
  hosts: readonly string[];
}

/** Rules of both directions, ready to check against. */
export interface CompiledUrlRules {
  /** Rules for inputs. */
  inputs: CompiledDirection;
  /** Rules for outputs. */
  outputs: CompiledDirection;
}

/**
 * What a gateway client may use when the operator says nothing: http(s)
 * inputs at public addresses; `file` is an accepted scheme, but with no
 * roots no local path passes; outputs only to local files (so, by default,
 * none). Other schemes (`s3`, `gs`, `ftp`, …) must be named by the operator.
 */
export const DEFAULT_URL_RULES: Readonly<Required<{ [K in keyof UrlRules]: Readonly<Required<DirectionRules>> }>> = {
  inputs: { schemes: ['http', 'https', 'file'], roots: [], allow: [] },
  outputs: { schemes: ['file'], roots: [], allow: [] },
};

const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/;

/**
 * Problems of a rules object, each with its path below `at` (for
 * configuration errors); an empty list when it is well formed.
 *
 * @example
 * ```ts
 * urlRulesProblems({ inputs: { allow: ['10.0.0.0/99'] } }, '$.gateway.urls');
 * // [{ path: '$.gateway.urls.inputs.allow[0]', message: 'must be an address, a CIDR range or a host name' }]
 * ```
 */
export function urlRulesProblems(value: unknown, at: string): ValidationIssue[] {
  const problems: ValidationIssue[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ path: at, message: 'must be a mapping with inputs and/or outputs' }];
  for (const [direction, rules] of Object.entries(value)) {
    const here = `${at}.${direction}`;
    if (direction !== 'inputs' && direction !== 'outputs') {
      problems.push({ path: here, message: 'is not a direction (inputs, outputs)' });
      continue;
    }
    if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) {
      problems.push({ path: here, message: 'must be a mapping with schemes, roots and/or allow' });
      continue;
    }
    for (const [key, list] of Object.entries(rules as Record<string, unknown>)) {
      const path = `${here}.${key}`;
      if (!['schemes', 'roots', 'allow'].includes(key)) problems.push({ path, message: 'is not a URL rule (schemes, roots, allow)' });
      else if (!Array.isArray(list)) problems.push({ path, message: 'must be a list' });
      else
        list.forEach((item: unknown, i) => {
          const message = itemProblem(key, item);
          if (message) problems.push({ path: `${path}[${i}]`, message });
        });
    }
  }
  return problems;
}

function itemProblem(key: string, item: unknown): string | undefined {
  if (typeof item !== 'string' || item === '') return 'must be a non-empty string';
  if (key === 'schemes' && !SCHEME.test(item)) return 'must be a scheme in lower case, without ":" (e.g. https, s3, file)';
  if (key === 'roots' && !item.startsWith('/')) return 'must be an absolute path';
  if (key === 'allow' && !parseRange(item) && !HOST.test(item.toLowerCase())) return 'must be an address, a CIDR range or a host name';
  return undefined;
}

/**
 * Compiles one layer: roots made canonical by `canonical` (absolute,
 * without links), addresses parsed. Call {@link urlRulesProblems} first:
 * malformed entries are skipped here.
 *
 * @example
 * ```ts
 * import { canonicalPathSync } from 'pulsar-network/node';
 * const rules = compileUrlRules({ inputs: { roots: ['/shared'], allow: ['10.0.0.0/8'] } }, canonicalPathSync);
 * ```
 */
export function compileUrlRules(rules: UrlRules, canonical: (path: string) => string): CompiledUrlRules {
  const direction = (d: DirectionRules | undefined): CompiledDirection => {
    const allow = d?.allow ?? [];
    return {
      schemes: new Set(d?.schemes ?? []),
      roots: (d?.roots ?? []).filter((r) => r.startsWith('/')).map(canonical),
      ranges: allow.map(parseRange).filter((r): r is IpRange => r !== undefined),
      hosts: allow.filter((h) => !parseRange(h)).map((h) => h.toLowerCase().replace(/\.$/, '')),
    };
  };
  return { inputs: direction(rules.inputs), outputs: direction(rules.outputs) };
}

/**
 * The rules of the base layer: each list the operator gives for the gateway
 * replaces the default list; lists left out keep their default.
 *
 * @example
 * ```ts
 * baseUrlRules({ inputs: { roots: ['/shared'] } });
 * // { inputs: { schemes: ['http', 'https', 'file'], roots: ['/shared'], allow: [] }, outputs: { schemes: ['file'], roots: [], allow: [] } }
 * ```
 */
export function baseUrlRules(gateway: UrlRules | undefined): UrlRules {
  const pick = (key: 'inputs' | 'outputs'): DirectionRules => ({
    schemes: gateway?.[key]?.schemes ?? [...DEFAULT_URL_RULES[key].schemes],
    roots: gateway?.[key]?.roots ?? [],
    allow: gateway?.[key]?.allow ?? [],
  });
  return { inputs: pick('inputs'), outputs: pick('outputs') };
}

/**
 * The union of layers: a client's or a site's rules add to the gateway's, never take away.
 *
 * @example
 * ```ts
 * const forAlice = mergeUrlRules(rules, compileUrlRules({ outputs: { roots: ['/shared/alice'] } }, canonicalPathSync));
 * ```
 */
export function mergeUrlRules(...layers: CompiledUrlRules[]): CompiledUrlRules {
  const merge = (key: 'inputs' | 'outputs'): CompiledDirection => ({
    schemes: new Set(layers.flatMap((l) => [...l[key].schemes])),
    roots: [...new Set(layers.flatMap((l) => l[key].roots))],
    ranges: layers.flatMap((l) => l[key].ranges),
    hosts: [...new Set(layers.flatMap((l) => l[key].hosts))],
  });
  return { inputs: merge('inputs'), outputs: merge('outputs') };
}

/**
 * True when a host name is on an allow-list (`*.x` matches names below `x`).
 *
 * @example
 * ```ts
 * hostAllowed('db.lab.example', ['*.lab.example']); // true
 * ```
 */
export function hostAllowed(host: string, hosts: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return hosts.some((h) => (h.startsWith('*.') ? name.endsWith(h.slice(1)) : name === h));
}
