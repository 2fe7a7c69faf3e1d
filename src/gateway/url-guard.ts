/**
 * The gateway's use of the URL policy: the rules of the gateway, of each
 * client and of each site combined, every task checked before anything is
 * stored, staged or sent, and the sites a task is admitted on.
 * @module
 */
import type { JobSpec } from '../contracts/job-spec.js';
import { nodeUrlPolicyEnvironment, canonicalPathSync, type HostResolver } from '../policy/node-environment.js';
import { checkJobUrls, type UrlPolicyEnvironment } from '../policy/url-policy.js';
import { baseUrlRules, compileUrlRules, mergeUrlRules, type CompiledUrlRules, type UrlRules } from '../policy/url-rules.js';
import { HttpProblem } from './http.js';

/** What the gateway's URL checks are made of. */
export interface UrlGuardOptions {
  /** The gateway's rules (each list replaces its default). */
  urls?: UrlRules;
  /** Rules each client adds to the gateway's, by client name. */
  clients: Record<string, UrlRules | undefined>;
  /** Rules each site adds for the tasks it runs, by site id. */
  sites?: Record<string, UrlRules>;
  /** Paths no task may read or write. */
  protect: readonly string[];
  /** Resolves host names. @default the system resolver */
  resolver?: HostResolver;
  /** Ask for each http(s) input when it is checked, to catch redirects. @default true */
  checkRedirects?: boolean;
}

/** A task that passed: its URLs made canonical, and the sites it may not go to. */
export interface AdmittedTask {
  /** The task as it is stored and sent. */
  spec: JobSpec;
  /** Sites whose rules refuse it, with why; absent when every site may run it. */
  excludeSites?: Record<string, string>;
}

/**
 * Every non-public address, range and host name that any layer lets inputs
 * reach: what a `guardedFetch` on this host must allow.
 *
 * @example
 * ```ts
 * const clientRules: UrlRules = { inputs: { allow: ['https://data.example.org/'] } };
 * const fetch = guardedFetch({ allow: connectAllowList(undefined, [clientRules], []) });
 * ```
 */
export function connectAllowList(gateway: UrlRules | undefined, clients: ReadonlyArray<UrlRules | undefined>, sites: ReadonlyArray<UrlRules | undefined>): string[] {
  return [...new Set([gateway, ...clients, ...sites].flatMap((l) => l?.inputs?.allow ?? []))];
}

/**
 * Checks tasks for one gateway.
 *
 * @example
 * ```ts
 * const guard = new UrlGuard({ urls: { inputs: { roots: ['/shared'] } }, clients: {}, protect: ['gateway.db'] });
 * const { spec } = await guard.admit(task, 'alice', network.sites().map((s) => s.site.id));
 * ```
 */
export class UrlGuard {
  readonly #base: CompiledUrlRules;
  readonly #clients = new Map<string, CompiledUrlRules>();
  readonly #sites = new Map<string, CompiledUrlRules>();
  readonly #env: UrlPolicyEnvironment;
  /** Every non-public address any layer allows inputs to reach (what fetches on this host are checked against). */
  readonly connectAllow: readonly string[];

  constructor(options: UrlGuardOptions) {
    const canonical = (path: string): string => canonicalPathSync(path);
    this.#base = compileUrlRules(baseUrlRules(options.urls), canonical);
    for (const [name, rules] of Object.entries(options.clients)) if (rules) this.#clients.set(name, compileUrlRules(rules, canonical));
    for (const [id, rules] of Object.entries(options.sites ?? {})) this.#sites.set(id, compileUrlRules(rules, canonical));
    this.#env = nodeUrlPolicyEnvironment({
      protect: options.protect,
      ...(options.resolver && { resolver: options.resolver }),
      probeRedirects: options.checkRedirects ?? true,
    });
    this.connectAllow = connectAllowList(options.urls, Object.values(options.clients), Object.values(options.sites ?? {}));
  }

  /** The canonical paths no task may touch. */
  get protectedPaths(): readonly string[] {
    return this.#env.protectedPaths;
  }

  /**
   * Admits a task of `client`: passes when the gateway's and the client's
   * rules allow every URL, or when some sites' own rules add what is
   * missing (the task then goes only there). Else a 400 naming each field
   * path and rule.
   */
  async admit(spec: JobSpec, client: string, siteIds: readonly string[]): Promise<AdmittedTask> {
    const own = this.#clients.get(client);
    const rules = own ? mergeUrlRules(this.#base, own) : this.#base;
    const first = await checkJobUrls(spec, rules, this.#env);
    if (first.issues.length === 0) return { spec: first.spec };
    const excludeSites: Record<string, string> = {};
    let admitted: JobSpec | undefined;
    for (const id of siteIds) {
      const extra = this.#sites.get(id);
      const result = extra ? await checkJobUrls(spec, mergeUrlRules(rules, extra), this.#env) : first;
      if (result.issues.length === 0) admitted = result.spec;
      else excludeSites[id] = `URL policy: ${result.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`;
    }
    if (admitted) return { spec: admitted, excludeSites };
    const problems = first.issues.map((i) => `${i.path}: ${i.message}`);
    throw new HttpProblem(400, `the task's URLs are refused by the gateway's URL policy (${problems.length} problem${problems.length === 1 ? '' : 's'})`, problems);
  }
}
