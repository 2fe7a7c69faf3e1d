/**
 * The network's site factory for the `pulsar-rest` kind.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { FetchLike } from '../../http/client.js';
import type { SiteFactory } from '../registry.js';
import type { LocalFiles } from '../../contracts/local-files.js';
import { readSandboxOptions, SANDBOX_KEYS } from '../../sites/local/sandbox-config.js';
import { CONTAINER_RUNTIMES, type ContainerRuntime } from '../../executor/script.js';
import { mustBeOneOf } from '../../util/did-you-mean.js';
import { isPulsarCleanupPolicy, PULSAR_CLEANUP_POLICIES } from '../../pulsar/pipeline.js';
import { PulsarRestSite, type PulsarRestSiteOptions } from '../../sites/pulsar/pulsar-rest-site.js';

const KEYS = ['manager', 'containerRuntime', 'allowNoContainer', 'cleanup', 'staleRunningMs', ...SANDBOX_KEYS];

/**
 * A factory that builds a {@link PulsarRestSite} from a configured site:
 * `url` is the Pulsar server, `auth` its `private_token` (auth type `query`)
 * or none, and `options` may set `manager`, `containerRuntime`,
 * `allowNoContainer`, `cleanup`, `staleRunningMs`, `sandbox`, `sandboxNetwork` and `binds`. Its HTTP events feed the network's
 * passive health. `relay.inputFetch` fetches the inputs at http(s) URLs the
 * site relays to the server (a gateway gives a `guardedFetch`).
 *
 * @example
 * ```ts
 * import { nodeLocalFiles, Network, pulsarRestSiteFactory, SiteRegistry } from 'pulsar-network/node';
 * const registry = new SiteRegistry().register('pulsar-rest', pulsarRestSiteFactory(nodeLocalFiles()));
 * ```
 */
export function pulsarRestSiteFactory(files?: LocalFiles, relay: { inputFetch?: FetchLike } = {}): SiteFactory {
  return ({ description, auth, options }, { onHttpEvent }) => {
    const at = (key: string): string => `$.sites[id=${description.id}].${key}`;
    const issues: ValidationIssue[] = [];
    if (!description.url) issues.push({ path: at('url'), message: 'a Pulsar site needs the URL of its server' });
    if (auth.type !== 'none' && auth.type !== 'query') issues.push({ path: at('auth.type'), message: 'Pulsar takes its private_token as a query parameter: use auth type query (or none)' });
    const client: PulsarRestSiteOptions['client'] = { baseUrl: description.url ?? 'http://invalid/', onEvent: onHttpEvent };
    if (auth.type === 'query') client.auth = auth;
    const site: PulsarRestSiteOptions = { id: description.id, client };
    if (files) site.files = files;
    if (relay.inputFetch) site.inputHttp = { fetch: relay.inputFetch };
    const { manager, containerRuntime, allowNoContainer, cleanup, staleRunningMs } = options;
    for (const key of Object.keys(options)) if (!KEYS.includes(key)) issues.push({ path: at(`options.${key}`), message: `is not an option of a Pulsar site (${KEYS.join(', ')})` });
    if (manager !== undefined) {
      if (typeof manager === 'string' && manager !== '') client.manager = manager;
      else issues.push({ path: at('options.manager'), message: 'must be a non-empty string' });
    }
    if (containerRuntime !== undefined) {
      if (CONTAINER_RUNTIMES.includes(containerRuntime as ContainerRuntime)) site.containerRuntime = containerRuntime as ContainerRuntime;
      else issues.push({ path: at('options.containerRuntime'), message: mustBeOneOf(CONTAINER_RUNTIMES, containerRuntime) });
    }
    if (allowNoContainer !== undefined) {
      if (typeof allowNoContainer === 'boolean') site.allowNoContainer = allowNoContainer;
      else issues.push({ path: at('options.allowNoContainer'), message: 'must be true or false' });
    }
    if (cleanup !== undefined) {
      if (isPulsarCleanupPolicy(cleanup)) site.cleanup = cleanup;
      else issues.push({ path: at('options.cleanup'), message: mustBeOneOf(PULSAR_CLEANUP_POLICIES, cleanup) });
    }
    if (staleRunningMs !== undefined) {
      if (typeof staleRunningMs === 'number' && staleRunningMs > 0) site.staleRunningMs = staleRunningMs;
      else issues.push({ path: at('options.staleRunningMs'), message: 'must be a number of milliseconds above 0' });
    }
    Object.assign(site, readSandboxOptions(options, (key) => at(`options.${key}`), issues));
    if (issues.length > 0) throw new ValidationError('Pulsar site options', issues);
    return new PulsarRestSite(site);
  };
}
