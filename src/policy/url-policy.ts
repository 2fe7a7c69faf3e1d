/**
 * The URL policy: the one check every job that enters a network from
 * outside goes through (the gateway applies it to each task before anything
 * is stored, staged or sent; library users call it at their own entry
 * points). Portable: the file system and DNS are reached through an
 * injected {@link UrlPolicyEnvironment} (`nodeUrlPolicyEnvironment` in
 * `pulsar-network/node`).
 * @module
 */
import type { ValidationIssue } from '../errors.js';
import type { JobSpec } from '../contracts/job-spec.js';
import { fileUrlOf, localRef } from '../contracts/local-files.js';
import { classifyIp, describeClass, formatIp, inRange, parseIp, type AddressClass } from './ip.js';
import { hostAllowed, type CompiledDirection, type CompiledUrlRules } from './url-rules.js';
import { eachAtMost } from '../util/pool.js';

/** The rules a refusal can name (each refusal's message starts with `rule <name>:`). */
export const URL_POLICY_RULES = ['malformed-url', 'scheme', 'file-host', 'file-roots', 'protected-path', 'private-address', 'unresolvable-host'] as const;

/** One rule of the URL policy. */
export type UrlPolicyRule = (typeof URL_POLICY_RULES)[number];

/** Where a local reference leads, or why it cannot be followed. */
export type LocalPathResult =
  | {
      /** The absolute path, `..` resolved and every existing component's links followed. */
      path: string;
    }
  | {
      /** The rule the reference breaks. */
      rule: 'file-host' | 'malformed-url';
      /** Why. */
      message: string;
    };

/** Why a probed URL was refused (a redirect led to a refused address). */
export interface ProbeRefusal {
  /** The refusal, as the guarded fetch worded it. */
  message: string;
}

/** What the policy needs of the host: its file system and its resolver. */
export interface UrlPolicyEnvironment {
  /**
   * The canonical path of a plain path (relative to the working directory)
   * or `file://` URL, as a site on this host would open it: `..` resolved,
   * then the deepest existing ancestor's links followed.
   */
  localPath(ref: string): Promise<LocalPathResult>;
  /** The addresses a host name resolves to; throws when it does not resolve. */
  lookup(host: string): Promise<string[]>;
  /**
   * Canonical files and directories no job may read from or write to,
   * whatever the roots say: the gateway's configuration, its task database
   * (with `-wal` and `-shm`), its state directories and the SDK's job directories.
   */
  protectedPaths: readonly string[];
  /**
   * Asks for an http(s) input as its fetch would and stops at the answer's
   * headers, following redirects through the same checks; resolves with the
   * refusal of a redirect that leads to a refused address. Absent: redirects
   * are checked only when the input is fetched.
   */
  probe?(url: string, allowed: Pick<CompiledDirection, 'ranges' | 'hosts'>): Promise<ProbeRefusal | undefined>;
}

/** The outcome of {@link checkJobUrls}. */
export interface UrlPolicyResult {
  /** One issue per refused URL, at its JSON path, naming the rule; empty when the job passes. */
  issues: ValidationIssue[];
  /**
   * The job with each local reference replaced by its canonical form (an
   * absolute path, or a `file://` URL when it was one), so the site opens
   * exactly what was checked.
   */
  spec: JobSpec;
}

/**
 * Checks every input and output URL of a job against compiled rules:
 * schemes per direction, local paths only under the roots (after `..` and
 * links) and never onto protected paths, http(s) hosts only at public
 * addresses unless allowed (every address the name resolves to is
 * checked; a fetch made later must check again at connect time, see
 * `guardedFetch`). Other schemes (`s3://`, `gs://`, …) are fetched by the
 * site itself and only their scheme is checked.
 *
 * @example
 * ```ts
 * import { ValidationError } from 'pulsar-network';
 * import { baseUrlRules, canonicalPathSync, checkJobUrls, compileUrlRules, nodeUrlPolicyEnvironment } from 'pulsar-network/node';
 *
 * const rules = compileUrlRules(baseUrlRules({ inputs: { roots: ['/shared/data'] } }), canonicalPathSync);
 * const { issues, spec: checked } = await checkJobUrls(spec, rules, nodeUrlPolicyEnvironment());
 * if (issues.length > 0) throw new ValidationError('job', issues);
 * ```
 */
export async function checkJobUrls(spec: JobSpec, rules: CompiledUrlRules, env: UrlPolicyEnvironment): Promise<UrlPolicyResult> {
  const issues: ValidationIssue[] = [];
  const checked: JobSpec = { ...spec };
  if (spec.inputs) {
    checked.inputs = await mapFew(spec.inputs, async (input, i) => {
      if (typeof input.content === 'string' || typeof input.url !== 'string') return input;
      const url = await checkUrl(input.url, { direction: 'input', rules: rules.inputs, env, whole: input.type === 'DIRECTORY', at: `$.inputs[${i}].url`, issues });
      return url === input.url ? input : { ...input, url };
    });
  }
  if (spec.outputs) {
    checked.outputs = await mapFew(spec.outputs, async (output, i) => {
      const whole = output.type === 'DIRECTORY' || /[*?[]/.test(output.path ?? '');
      const url = await checkUrl(output.url, { direction: 'output', rules: rules.outputs, env, whole, at: `$.outputs[${i}].url`, issues });
      return url === output.url ? output : { ...output, url };
    });
  }
  issues.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  return { issues, spec: checked };
}

/** URLs of one job checked at once: a job naming many hosts never makes this host ask them all together. */
const CHECKS_AT_ONCE = 4;

async function mapFew<T, R>(items: readonly T[], each: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  await eachAtMost(items, CHECKS_AT_ONCE, undefined, async (item, i) => {
    out[i] = await each(item, i);
  });
  return out;
}

interface UrlContext {
  direction: 'input' | 'output';
  rules: CompiledDirection;
  env: UrlPolicyEnvironment;
  /** A directory or a pattern: everything below the path is read or written. */
  whole: boolean;
  at: string;
  issues: ValidationIssue[];
}

/** Returns the URL to use (canonical for local files), recording an issue when refused. */
async function checkUrl(url: string, ctx: UrlContext): Promise<string> {
  const refuse = (rule: UrlPolicyRule, message: string): string => {
    ctx.issues.push({ path: ctx.at, message: `refused by rule ${rule}: ${message}` });
    return url;
  };
  if (url.includes('\0')) return refuse('malformed-url', 'contains a NUL character');
  const ref = localRef(url);
  const scheme = ref ? 'file' : /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return refuse('malformed-url', 'has no scheme');
  if (!ctx.rules.schemes.has(scheme)) {
    const allowed = [...ctx.rules.schemes].sort().join(', ') || 'none';
    return refuse('scheme', `${ctx.direction}s may not use "${scheme}" (allowed: ${allowed})`);
  }
  if (ref) return checkLocal(ref.value, ref.kind === 'file-url', ctx, refuse);
  if (scheme === 'http' || scheme === 'https') {
    const problem = await addressProblem(url, ctx);
    if (problem) return refuse(problem.rule, problem.message);
    const redirect = ctx.direction === 'input' ? await ctx.env.probe?.(url, ctx.rules) : undefined;
    if (redirect) return refuse('private-address', `a redirect of this URL leads on: ${redirect.message.replace(/^refused by rule [a-z-]+: /, '')}`);
  }
  return url;
}

async function checkLocal(value: string, isUrl: boolean, ctx: UrlContext, refuse: (rule: UrlPolicyRule, message: string) => string): Promise<string> {
  const resolved = await ctx.env.localPath(value);
  if ('rule' in resolved) return refuse(resolved.rule, resolved.message);
  const { path } = resolved;
  const hit = ctx.env.protectedPaths.find((p) => within(path, p) || (ctx.whole && within(p, path)));
  if (hit !== undefined) return refuse('protected-path', `${path} ${hit === path || within(path, hit) ? 'is' : 'holds'} a file of the gateway itself (its configuration, task store, state or job directories)`);
  if (!ctx.rules.roots.some((root) => within(path, root))) {
    const roots = ctx.rules.roots.length > 0 ? `under ${ctx.rules.roots.join(', ')}` : 'anywhere (no file roots are configured)';
    return refuse('file-roots', `${path} is not ${ctx.direction === 'input' ? 'readable' : 'writable'} here: local ${ctx.direction}s are allowed only ${roots}`);
  }
  return isUrl ? fileUrlOf(path) : path;
}

/**
 * True when `path` is `dir` or lies below it (both canonical, absolute).
 *
 * @example
 * ```ts
 * within('/data/a/b', '/data'); // true
 * within('/database', '/data'); // false
 * ```
 */
export function within(path: string, dir: string): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || path.startsWith(`${dir}/`);
}

async function addressProblem(url: string, ctx: UrlContext): Promise<{ rule: UrlPolicyRule; message: string } | undefined> {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return { rule: 'malformed-url', message: 'is not a valid URL' };
  }
  if (host === '') return { rule: 'malformed-url', message: 'has no host' };
  const literal = parseIp(host);
  if (!literal && hostAllowed(host, ctx.rules.hosts)) return undefined;
  let addresses: string[];
  if (literal) addresses = [host];
  else {
    try {
      addresses = await ctx.env.lookup(host);
    } catch {
      return { rule: 'unresolvable-host', message: `${host} does not resolve here, so where it leads cannot be checked` };
    }
    if (addresses.length === 0) return { rule: 'unresolvable-host', message: `${host} resolves to no address` };
  }
  for (const address of addresses) {
    const refused = refusedClass(address, ctx.rules);
    if (refused) {
      const shown = literal ? formatIp(literal) : `${host} resolves to ${address}`;
      return { rule: 'private-address', message: `${shown}, ${describeClass(refused)}; only public addresses are fetched unless the operator allows this one` };
    }
  }
  return undefined;
}

/**
 * The class of an address when the rules refuse it (not public and not
 * allowed), `undefined` when it may be reached. Also used at connect time.
 *
 * @example
 * ```ts
 * refusedClass('127.0.0.1', rules.inputs); // 'loopback'
 * ```
 */
export function refusedClass(address: string, rules: Pick<CompiledDirection, 'ranges'>): AddressClass | undefined {
  const bytes = parseIp(address);
  if (!bytes) return 'reserved';
  const kind = classifyIp(bytes);
  if (kind === 'public') return undefined;
  return rules.ranges.some((range) => inRange(bytes, range)) ? undefined : kind;
}
