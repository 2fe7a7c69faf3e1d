/**
 * The one ranking helper every built-in strategy uses: score each candidate
 * (or drop it with a reason), then sort best first, keeping the given order
 * for equal scores.
 * @module
 */
import type { Candidate, RankedSite, SelectionResult } from '../types.js';

/** What a strategy says about one candidate. */
export type Verdict =
  | { score: number; terms: Record<string, number>; reason: string }
  | { exclude: string };

/** Scores every candidate with `judge` and returns them ranked, best first. */
export function rankCandidates(by: string, candidates: readonly Candidate[], judge: (candidate: Candidate, index: number) => Verdict): SelectionResult {
  const kept: Array<RankedSite & { index: number }> = [];
  const excluded: SelectionResult['excluded'] = [];
  candidates.forEach((candidate, index) => {
    const verdict = judge(candidate, index);
    if ('exclude' in verdict) excluded.push({ site: candidate.site.id, by, reason: verdict.exclude });
    else kept.push({ site: candidate.site.id, score: verdict.score, terms: verdict.terms, reason: verdict.reason, index });
  });
  kept.sort((a, b) => b.score - a.score || a.index - b.index);
  return { ranked: kept.map(({ index: _index, ...site }) => site), excluded };
}

/** Rounds a figure for reasons and records (keeps them short and stable). */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Formats a byte count for reasons. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${round(value, 1)} ${units[unit]}`;
}
