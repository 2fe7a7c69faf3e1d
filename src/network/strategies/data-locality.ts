import { bytesToMove, readsInPlace } from '../locality.js';
import { COLD_START, type ColdStartAssumptions, type SiteSelector } from '../types.js';
import { formatBytes, rankCandidates, round } from './rank.js';

/**
 * Prefers the site where the inputs cost least to move: bytes not on a
 * storage the site reads ÷ its measured throughput. Zero when the site reads
 * every input in place. Distance plays no part.
 *
 * @example
 * ```ts
 * await network.submit(spec, { strategy: dataLocality(), inputSizes: { 's3://bucket/reads.fq': 4e9 } });
 * ```
 */
export function dataLocality(assume: Partial<ColdStartAssumptions> = {}): SiteSelector {
  const prior = { ...COLD_START, ...assume };
  return {
    name: 'dataLocality',
    select(request, candidates) {
      return rankCandidates('dataLocality', candidates, ({ site, live }) => {
        const moved = bytesToMove(site, request.inputs);
        const throughput = live.throughputBytesPerSec ?? prior.throughputBytesPerSec;
        const seconds = moved / throughput;
        const inPlace = request.inputs.filter((input) => readsInPlace(site, input.url)).length;
        const reason =
          moved === 0
            ? `reads ${inPlace} of ${request.inputs.length} input(s) in place; nothing to move`
            : `${formatBytes(moved)} to move at ${formatBytes(throughput)}/s${live.throughputBytesPerSec === undefined ? ' (assumed)' : ''} ≈ ${round(seconds, 1)} s`;
        return { score: -seconds, terms: { bytesToMove: moved, transferSeconds: round(seconds) }, reason };
      });
    },
  };
}
