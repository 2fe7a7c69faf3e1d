/**
 * The site factories available in Node.js and Deno.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import { SiteRegistry } from '../network/registry.js';
import { LocalSite, type LocalSiteOptions } from '../sites/local/index.js';
import { pulsarMqConfig } from '../sites/pulsar-amqp/config.js';
import { PulsarMqSite } from '../sites/pulsar-amqp/pulsar-mq-site.js';

const RUNTIMES = ['apptainer', 'singularity', 'podman', 'docker', 'auto'];

/**
 * A registry with a factory for every kind of site this runtime can build.
 * The `local` kind takes `options` `{ workDir, allowNoContainer,
 * containerRuntime, maxConcurrentJobs }` (see {@link LocalSiteOptions}); the
 * `pulsar-amqp` kind takes `{ jobsDirectory, manager, amqpKeyPrefix,
 * filesServer, acknowledge, … }` (see `pulsarMqConfig`), its `url` is the
 * broker and `basic` auth its user.
 *
 * @example
 * ```ts
 * const network = await Network.create(
 *   { sites: [{ id: 'laptop', kind: 'local', options: { allowNoContainer: true } }] },
 *   { registry: nodeSiteRegistry() },
 * );
 * ```
 */
export function nodeSiteRegistry(): SiteRegistry {
  return new SiteRegistry()
    .register('local', ({ description, options }) => new LocalSite(localOptions(description.id, options)))
    .register('pulsar-amqp', ({ description, auth, options }) => new PulsarMqSite(pulsarMqConfig(description.id, description.url as string, auth, options)));
}

function localOptions(id: string, options: Record<string, unknown>): LocalSiteOptions {
  const issues: ValidationIssue[] = [];
  const at = (key: string): string => `$.sites[id=${id}].options.${key}`;
  const result: LocalSiteOptions = { id };
  for (const key of Object.keys(options)) {
    if (!['workDir', 'allowNoContainer', 'containerRuntime', 'maxConcurrentJobs'].includes(key)) {
      issues.push({ path: at(key), message: 'is not an option of a local site' });
    }
  }
  const { workDir, allowNoContainer, containerRuntime, maxConcurrentJobs } = options;
  if (workDir !== undefined) {
    if (typeof workDir === 'string' && workDir.length > 0) result.workDir = workDir;
    else issues.push({ path: at('workDir'), message: 'must be a non-empty string' });
  }
  if (allowNoContainer !== undefined) {
    if (typeof allowNoContainer === 'boolean') result.allowNoContainer = allowNoContainer;
    else issues.push({ path: at('allowNoContainer'), message: 'must be true or false' });
  }
  if (containerRuntime !== undefined) {
    if (typeof containerRuntime === 'string' && RUNTIMES.includes(containerRuntime)) {
      result.containerRuntime = containerRuntime as NonNullable<LocalSiteOptions['containerRuntime']>;
    } else issues.push({ path: at('containerRuntime'), message: `must be one of ${RUNTIMES.join(', ')}` });
  }
  if (maxConcurrentJobs !== undefined) {
    if (typeof maxConcurrentJobs === 'number' && Number.isInteger(maxConcurrentJobs) && maxConcurrentJobs > 0) {
      result.maxConcurrentJobs = maxConcurrentJobs;
    } else issues.push({ path: at('maxConcurrentJobs'), message: 'must be a positive integer' });
  }
  if (issues.length > 0) throw new ValidationError('local site options', issues);
  return result;
}
