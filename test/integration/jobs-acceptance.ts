// The acceptance specs of the unified job (issue 6, acceptance 1): the same
// specs run on every kind of site and must give the same bytes and states.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { STATE_RANK, type JobResult, type JobSpec, type JobState } from '../../src/index.js';

export const WORDS = 'banana\napple\ncherry\n';
export const GREETING = 'hello ';
/** What the outputs must hold, byte for byte. */
export const EXPECTED = {
  sorted: 'apple\nbanana\ncherry\n',
  shout: 'HELLO APPLE\nBANANA\nCHERRY\n',
};

/**
 * Two inputs (a local file and inline content), two executors, two outputs.
 * Writes the local input into `dir`; outputs go to `dir/out-*`.
 */
export async function acceptanceSpec(dir: string): Promise<JobSpec> {
  await writeFile(join(dir, 'words.txt'), WORDS);
  return {
    name: 'acceptance-two-by-two',
    inputs: [
      { path: '/data/in/words.txt', url: pathToFileURL(join(dir, 'words.txt')).href },
      { path: '/data/in/greeting.txt', content: GREETING },
    ],
    outputs: [
      { path: '/data/out/sorted.txt', url: join(dir, 'out-sorted.txt') },
      { path: '/data/out/shout.txt', url: pathToFileURL(join(dir, 'out-shout.txt')).href },
    ],
    executors: [
      { image: 'alpine:3', command: ['sort', '/data/in/words.txt'], stdout: '/data/out/sorted.txt', env: { LC_ALL: 'C' } },
      { image: 'alpine:3', command: ['sh', '-c', 'cat /data/in/greeting.txt /data/out/sorted.txt | tr a-z A-Z > /data/out/shout.txt'] },
    ],
  };
}

/** Two executors, the second exits 2: the job must end `executor_error` with exit codes [0, 2]. */
export function failingSpec(): JobSpec {
  return {
    name: 'acceptance-second-fails',
    executors: [
      { image: 'alpine:3', command: ['sh', '-c', 'echo first'] },
      { image: 'alpine:3', command: ['sh', '-c', 'echo second fails >&2; exit 2'] },
    ],
  };
}

/** Acceptance 2: the recorded states rise strictly, from `first` to `last`. */
export function expectMonotonic(result: JobResult, first: JobState, last: JobState): void {
  const states = result.history.map((h) => h.state);
  expect(states[0]).toBe(first);
  expect(states.at(-1)).toBe(last);
  for (let i = 1; i < states.length; i++) expect(STATE_RANK[states[i]!]).toBeGreaterThan(STATE_RANK[states[i - 1]!]);
}
