// The acceptance specs of the unified job (issue 6, acceptance 1): the same
// specs run on every kind of site and must give the same bytes and states.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  Job,
  JobEngine,
  STATE_RANK,
  submitJob,
  type JobEvent,
  type JobResult,
  type JobSpec,
  type JobState,
  type PollOptions,
  type Site,
} from '../../src/internal.js';

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

/** What {@link describeAcceptance} needs of a kind of site. */
export interface AcceptanceTarget {
  /** The site under test (made in the caller's `beforeAll`). */
  site: () => Site;
  /** A new instance over the same backing store, as after a restart of the caller. */
  reopen?: () => Site;
  /** A fresh local directory for one test's inputs and outputs. */
  workDir: () => Promise<string>;
  poll?: PollOptions;
  /** The first and last states the table says this kind of site gives. @default queued */
  firstState?: JobState;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Acceptance 1, 2 and 4 of issue 6 for one kind of site: the two specs,
 * byte-identical outputs with sizes and sha256, the final states, monotonic
 * state sequences, `for await` ending after the terminal event, and an
 * aborted watch that leaves the job for a later attach.
 */
export function describeAcceptance(name: string, target: AcceptanceTarget): void {
  const options = target.poll ? { engine: new JobEngine({ poll: target.poll }) } : {};
  const first = target.firstState ?? 'queued';
  describe(`${name}: the unified job`, () => {
    it('runs the two-input, two-executor, two-output spec: byte-exact outputs, complete', async () => {
      const work = await target.workDir();
      const job = submitJob(target.site(), await acceptanceSpec(work), options);
      const events: JobEvent[] = [];
      for await (const event of job.watch()) events.push(event);
      expect(events.at(-1)?.type).toBe('done');
      expect(events.at(-2)).toMatchObject({ type: 'state', state: 'complete' });
      const result = await job.wait();
      expect(result).toMatchObject({ state: 'complete', exitCodes: [0, 0] });
      expect(await readFile(join(work, 'out-sorted.txt'), 'utf8')).toBe(EXPECTED.sorted);
      expect(await readFile(join(work, 'out-shout.txt'), 'utf8')).toBe(EXPECTED.shout);
      expect(result.outputs.map(({ path, sizeBytes, sha256: digest }) => ({ path, sizeBytes, sha256: digest }))).toEqual([
        { path: '/data/out/sorted.txt', sizeBytes: EXPECTED.sorted.length, sha256: sha256(EXPECTED.sorted) },
        { path: '/data/out/shout.txt', sizeBytes: EXPECTED.shout.length, sha256: sha256(EXPECTED.shout) },
      ]);
      expectMonotonic(result, first, 'complete');
    });

    it('ends in executor_error with exit codes [0, 2] when the second executor exits 2', async () => {
      const result = await submitJob(target.site(), failingSpec(), options).wait();
      expect(result).toMatchObject({ state: 'executor_error', exitCodes: [0, 2] });
      expectMonotonic(result, first, 'executor_error');
    });

    it('an aborted watch leaves the job running, and attach finds it later', async () => {
      const job = submitJob(target.site(), { executors: [{ image: 'alpine:3', command: ['sh', '-c', 'sleep 2; echo done'] }] }, options);
      const controller = new AbortController();
      await expect(
        (async () => {
          for await (const e of job.watch({ signal: controller.signal })) if (e.type === 'state' && e.state === 'running') controller.abort();
        })(),
      ).rejects.toBeInstanceOf(AbortError);
      const again = await Job.attach((target.reopen ?? target.site)(), job.remoteId as string, options);
      expect(again.state).toBe('running');
      const result = await again.wait();
      expect(result.state).toBe('complete');
      expect(result.logs.executors[0]?.stdout).toBe('done\n');
    });
  });
}
