import type { TagConstraints, SiteSelector } from '../types.js';
import { rankCandidates } from './rank.js';

const WEIGHT = { require: 3, prefer: 2, accept: 1, reject: -1 } as const;
type TagKind = keyof typeof WEIGHT;
const KINDS: TagKind[] = ['require', 'prefer', 'accept', 'reject'];

function entries(tags: TagConstraints): Array<[string, TagKind]> {
  return KINDS.flatMap((kind) => (tags[kind] ?? []).map((tag): [string, TagKind] => [tag, kind]));
}

function mentions(tags: TagConstraints, tag: string): boolean {
  return KINDS.some((kind) => tags[kind]?.includes(tag));
}

/**
 * Why a job's tags and a site's tags are incompatible, or `undefined`:
 * every `require` on one side must appear (in any form) on the other, and a
 * `reject` on one side must not appear on the other.
 *
 * @example
 * ```ts
 * tagConflict({ require: ['gpu'] }, { accept: ['singularity'] }); // 'the job requires tag "gpu"'
 * ```
 */
export function tagConflict(job: TagConstraints, site: TagConstraints): string | undefined {
  for (const tag of job.require ?? []) if (!mentions(site, tag) || site.reject?.includes(tag)) return `the job requires tag "${tag}"`;
  for (const tag of site.require ?? []) if (!mentions(job, tag) || job.reject?.includes(tag)) return `the site requires tag "${tag}"`;
  for (const tag of job.reject ?? []) if (mentions(site, tag) && !site.reject?.includes(tag)) return `the job rejects tag "${tag}"`;
  for (const tag of site.reject ?? []) if (mentions(job, tag) && !job.reject?.includes(tag)) return `the site rejects tag "${tag}"`;
  return undefined;
}

/**
 * TPV's tag score: Σ weight(site) × weight(job) over shared tags, minus the
 * weight of each site tag the job does not mention (require 3, prefer 2,
 * accept 1, reject −1).
 *
 * @example
 * ```ts
 * tagScore({ prefer: ['eu'] }, { prefer: ['eu'], accept: ['slurm'] }); // 2×2 − 1 = 3
 * ```
 */
export function tagScore(job: TagConstraints, site: TagConstraints): number {
  const jobEntries = entries(job);
  let score = 0;
  for (const [tag, kind] of entries(site)) {
    const matches = jobEntries.filter(([other]) => other === tag);
    if (matches.length === 0) score -= WEIGHT[kind];
    for (const [, otherKind] of matches) score += WEIGHT[kind] * WEIGHT[otherKind];
  }
  return score;
}

/**
 * TPV-style tag scheduling: drops sites whose tags conflict with the job's
 * (`require`/`reject` on either side), ranks the rest by tag score.
 *
 * @example
 * ```ts
 * await network.submit(spec, { strategy: tags(), scheduling: { require: ['singularity'], prefer: ['it03-pulsar'] } });
 * ```
 */
export function tags(): SiteSelector {
  return {
    name: 'tags',
    select(request, candidates) {
      return rankCandidates('tags', candidates, ({ site }) => {
        const conflict = tagConflict(request.scheduling, site.tags);
        if (conflict) return { exclude: conflict };
        const score = tagScore(request.scheduling, site.tags);
        return { score, terms: { tagScore: score }, reason: `tags compatible, score ${score}` };
      });
    },
  };
}
