/**
 * What the gateway checks of the sites that run on its own host: a local
 * site is served only when it is sandboxed or declared trusted, and the
 * directories such sites keep their jobs and state in are protected.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { Network } from '../network/network.js';
import type { Site } from '../sites/site.js';

/** How the gateway sees a site that runs on its host. */
interface HostSite {
  hostExecution?: 'sandboxed' | 'trusted' | 'unconfined';
  workDir?: string;
  stateDirectory?: string;
}

/**
 * Refuses a network with a local site that would run clients' commands as
 * plain processes without being declared trusted; returns one warning per
 * trusted local site, naming the risk.
 *
 * @example
 * ```ts
 * for (const warning of checkHostSites(network)) console.warn(warning);
 * ```
 */
export function checkHostSites(network: Network): string[] {
  const issues: ValidationIssue[] = [];
  const warnings: string[] = [];
  for (const { site } of network.sites()) {
    if (site.kind !== 'local') continue;
    const execution = hostSite(network.adapter(site.id)).hostExecution ?? 'unconfined';
    if (execution === 'trusted') {
      warnings.push(
        `local site ${site.id} is trusted: every gateway client's commands run on this host as this user (${userName()}), with its files, network and credentials, outside any sandbox`,
      );
    } else if (execution === 'unconfined') {
      issues.push({
        path: `$.sites[id=${site.id}].options`,
        message: `a local site behind the gateway runs clients' commands on this host: set sandbox: bubblewrap, or trusted: true to accept that they run as plain processes of this user`,
      });
    }
  }
  if (issues.length > 0) throw new ValidationError('gateway sites', issues);
  return warnings;
}

/** The directories sites on this host keep jobs and state in (local work directories, AMQP state directories). */
export function hostDirectories(network: Network): string[] {
  return network
    .sites()
    .map(({ site }) => hostSite(network.adapter(site.id)))
    .flatMap((s) => [s.workDir, s.stateDirectory])
    .filter((dir): dir is string => typeof dir === 'string' && dir !== '');
}

function hostSite(site: Site | undefined): HostSite {
  return (site ?? {}) as HostSite;
}

function userName(): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  return env.USER ?? env.LOGNAME ?? 'the gateway user';
}
