/**
 * The URL policy's view of a Node.js host: canonical paths (`..` resolved,
 * then the links of the deepest existing ancestor followed) and the
 * resolver. Node-only.
 * @module
 */
import { lstatSync, realpathSync } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { lookup as dnsLookup } from 'node:dns/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeRedirects } from './guarded-fetch.js';
import type { LocalPathResult, UrlPolicyEnvironment } from './url-policy.js';

/** Resolves a host name to its addresses (an injectable stand-in for DNS). */
export type HostResolver = (host: string) => Promise<string[]>;

/** Options of {@link nodeUrlPolicyEnvironment}. */
export interface NodeUrlPolicyOptions {
  /** What relative paths are relative to (the sites resolve them the same way). @default process.cwd() */
  cwd?: string;
  /** Files and directories no job may read or write (made canonical here). */
  protect?: readonly string[];
  /** Resolves host names. @default the system resolver (`dns.lookup`, every address) */
  resolver?: HostResolver;
  /**
   * Ask for each http(s) input when the job is checked, following its
   * redirects through the same checks and stopping at the headers, so a
   * redirect to a refused address is refused before the job is accepted.
   * @default true
   */
  probeRedirects?: boolean;
}

/**
 * The policy environment of this host: `file://` URLs (no other host than
 * `localhost`) and plain paths made canonical, host names resolved to
 * every address.
 *
 * @example
 * ```ts
 * const env = nodeUrlPolicyEnvironment({ protect: ['/etc/pulsar-network/gateway.yaml'] });
 * const { issues } = await checkJobUrls(spec, rules, env);
 * ```
 */
export function nodeUrlPolicyEnvironment(options: NodeUrlPolicyOptions = {}): UrlPolicyEnvironment {
  const cwd = options.cwd ?? process.cwd();
  const resolver = options.resolver ?? systemResolver;
  const env: UrlPolicyEnvironment = {
    protectedPaths: (options.protect ?? []).map((p) => canonicalPathSync(resolve(cwd, p))),
    lookup: resolver,
    async localPath(ref: string): Promise<LocalPathResult> {
      let path: string;
      if (/^file:/i.test(ref)) {
        let url: URL;
        try {
          url = new URL(ref);
        } catch {
          return { rule: 'malformed-url', message: 'is not a valid file URL' };
        }
        if (url.hostname !== '' && url.hostname !== 'localhost') return { rule: 'file-host', message: `names the host "${url.hostname}"; a file URL here must name no host (file:///path)` };
        try {
          path = fileURLToPath(url);
        } catch {
          return { rule: 'malformed-url', message: 'is not a file URL this host can open (an encoded "/" or a bad escape)' };
        }
      } else path = resolve(cwd, ref);
      try {
        return { path: await canonicalPath(path) };
      } catch (error) {
        return { rule: 'malformed-url', message: `cannot be resolved on this host (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
      }
    },
  };
  if (options.probeRedirects !== false) env.probe = (url, allowed) => probeRedirects(url, allowed, options.resolver);
  return env;
}

/** The system resolver: every address of a name, as the system would connect to it. */
export const systemResolver: HostResolver = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

const MISSING = new Set(['ENOENT', 'ENOTDIR']);

/**
 * The canonical form of an absolute path: the deepest existing ancestor's
 * real path (links followed) joined with the components that do not exist
 * yet. A dangling link on the way is an error (`EDANGLING`): what it would
 * lead to cannot be checked.
 *
 * @example
 * ```ts
 * await canonicalPath('/tmp/link-to-etc/new/file'); // '/etc/new/file'
 * ```
 */
export async function canonicalPath(path: string): Promise<string> {
  const rest: string[] = [];
  for (let current = path; ; ) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch (error) {
      if (!MISSING.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      if (await lstat(current).then(() => true, () => false)) throw danglingLink(current);
      const parent = dirname(current);
      if (parent === current) return path;
      rest.push(basename(current));
      current = parent;
    }
  }
}

/**
 * The canonical form of an absolute path, synchronously (for configuration,
 * once at start): the deepest existing ancestor's real path (links followed)
 * joined with the components that do not exist yet. A dangling link on the
 * way is an error (`EDANGLING`).
 *
 * @example
 * ```ts
 * const root = canonicalPathSync('/srv/shared'); // links of /srv followed
 * ```
 */
export function canonicalPathSync(path: string): string {
  const rest: string[] = [];
  for (let current = path; ; ) {
    try {
      return join(realpathSync(current), ...rest.reverse());
    } catch (error) {
      if (!MISSING.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      let exists = true;
      try {
        lstatSync(current);
      } catch {
        exists = false;
      }
      if (exists) throw danglingLink(current);
      const parent = dirname(current);
      if (parent === current) return path;
      rest.push(basename(current));
      current = parent;
    }
  }
}

function danglingLink(path: string): Error {
  return Object.assign(new Error(`${path} is a link to nothing`), { code: 'EDANGLING' });
}
