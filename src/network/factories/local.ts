/**
 * The site factory of the `local` kind, for a {@link SiteRegistry}.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { FetchLike } from '../../http/client.js';
import type { SiteFactory } from '../registry.js';
import { LocalSite } from '../../sites/local/local-site.js';
import type { LocalSiteOptions } from '../../sites/local/options.js';
import { readSandboxOptions, SANDBOX_KEYS } from '../../sites/local/sandbox-config.js';
import { CONTAINER_RUNTIMES } from '../../executor/script.js';
import { LOCAL_CLEANUPS, type LocalCleanup } from '../../sites/local/work-dir.js';
import { mustBeOneOf } from '../../util/did-you-mean.js';

const RUNTIMES: readonly string[] = [...CONTAINER_RUNTIMES, 'auto'];

/**
 * Builds {@link LocalSite}s from network configuration. Options:
 * `{ workDir, cleanup, allowNoContainer, containerRuntime, maxConcurrentJobs,
 * trusted, sandbox, sandboxFallback, sandboxNetwork, binds }`, each checked, with its
 * path named when wrong. The site's `storages` are its shared storage.
 * `inputFetch` fetches the inputs at http(s) URLs (a gateway gives a `guardedFetch`).
 *
 * @example
 * ```ts
 * const registry = new SiteRegistry().register('local', localSiteFactory());
 * ```
 */
export function localSiteFactory(options: { inputFetch?: FetchLike } = {}): SiteFactory {
  return ({ description, options: configured }) => {
    const site = { storages: description.storages, ...localOptions(description.id, configured) };
    if (options.inputFetch) site.http = { fetch: options.inputFetch };
    return new LocalSite(site);
  };
}

function localOptions(id: string, options: Record<string, unknown>): LocalSiteOptions {
  const issues: ValidationIssue[] = [];
  const at = (key: string): string => `$.sites[id=${id}].options.${key}`;
  const result: LocalSiteOptions = { id };
  for (const key of Object.keys(options)) {
    if (!['workDir', 'allowNoContainer', 'containerRuntime', 'maxConcurrentJobs', 'trusted', 'cleanup', ...SANDBOX_KEYS, 'sandboxFallback'].includes(key)) {
      issues.push({ path: at(key), message: 'is not an option of a local site' });
    }
  }
  const { workDir, allowNoContainer, containerRuntime, maxConcurrentJobs, trusted, cleanup } = options;
  if (trusted !== undefined) {
    if (typeof trusted === 'boolean') result.trusted = trusted;
    else issues.push({ path: at('trusted'), message: 'must be true or false' });
  }
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
    } else issues.push({ path: at('containerRuntime'), message: mustBeOneOf(RUNTIMES, containerRuntime) });
  }
  if (maxConcurrentJobs !== undefined) {
    if (typeof maxConcurrentJobs === 'number' && Number.isInteger(maxConcurrentJobs) && maxConcurrentJobs > 0) {
      result.maxConcurrentJobs = maxConcurrentJobs;
    } else issues.push({ path: at('maxConcurrentJobs'), message: 'must be a positive integer' });
  }
  if (cleanup !== undefined) {
    if (typeof cleanup === 'string' && (LOCAL_CLEANUPS as readonly string[]).includes(cleanup)) result.cleanup = cleanup as LocalCleanup;
    else issues.push({ path: at('cleanup'), message: mustBeOneOf(LOCAL_CLEANUPS, cleanup) });
  }
  Object.assign(result, readSandboxOptions(options, at, issues));
  if (issues.length > 0) throw new ValidationError('local site options', issues);
  return result;
}
