/**
 * Which sites may take a job at all, before any strategy ranks them: a spec
 * that breaks the TES rules can run nowhere, and a site whose own check
 * (`Site.check`: its image and container policy, the storage it reaches for
 * local files, ...) would refuse the spec is left out, with its reason.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { JobSpec } from '../contracts/job-spec.js';
import type { Site } from '../sites/site.js';
import { validateTask } from '../tes/validate.js';
import type { ExcludedSite } from './types.js';

/**
 * The {@link ValidationError} of a spec no site can run (it breaks the TES
 * task rules every site applies), or `undefined`. Such a job ends at once,
 * nothing sent: no failover can help it.
 *
 * @example
 * ```ts
 * invalidEverywhere({ executors: [] })?.issues; // [{ path: '$.executors', message: 'a task needs at least one executor' }]
 * ```
 */
export function invalidEverywhere(spec: JobSpec): ValidationError | undefined {
  const issues = validateTask(spec);
  return issues.length > 0 ? new ValidationError('job spec', issues) : undefined;
}

/** A short reason made of validation issues: the first one, and how many more. */
export function issuesReason(issues: readonly ValidationIssue[]): string {
  const [first] = issues;
  if (!first) return '';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${first.path}: ${first.message}${more}`;
}

/**
 * The sites that cannot take `spec`, each with why: every site when the spec
 * is invalid everywhere (`by: 'validation'`), else each site whose `check`
 * finds a problem (`by: 'eligibility'`). A check that throws is no verdict:
 * the site stays, and its `submit` decides.
 *
 * @example
 * ```ts
 * declare const pulsarSite: Site;
 * declare const localSite: Site;
 * ineligibleSites(spec, [{ id: 'pulsar-a', site: pulsarSite }, { id: 'laptop', site: localSite }]);
 * // [{ site: 'pulsar-a', by: 'eligibility', reason: 'refuses the job: $.executors[0].image: ...' }]
 * ```
 */
export function ineligibleSites(spec: JobSpec, sites: Iterable<{ id: string; site: Site }>): ExcludedSite[] {
  const all = [...sites];
  const invalid = invalidEverywhere(spec);
  if (invalid) return all.map(({ id }) => ({ site: id, by: 'validation', reason: `the job spec is invalid: ${issuesReason(invalid.issues)}` }));
  const excluded: ExcludedSite[] = [];
  for (const { id, site } of all) {
    let issues: ValidationIssue[];
    try {
      issues = site.check?.(spec) ?? [];
    } catch {
      continue;
    }
    if (issues.length > 0) excluded.push({ site: id, by: 'eligibility', reason: `refuses the job: ${issuesReason(issues)}` });
  }
  return excluded;
}
