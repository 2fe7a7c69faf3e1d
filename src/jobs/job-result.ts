/**
 * How a job's end is written down: the last log lines, and its result.
 * @module
 */
import type { ExecutorLog, JobOutcome } from '../sites/site.js';
import type { JobResult, JobStateRecord } from './events.js';
import type { StreamedLogs } from './follow-logs.js';
import type { JobState } from './state.js';

/** One log line delivered at the end. */
export interface FinalLog {
  stream: 'stdout' | 'stderr' | 'system';
  executor?: number;
  text: string;
}

/** What the site's final logs hold beyond what was streamed while the job ran, then the system lines. */
export function finalLogs(executors: readonly ExecutorLog[], system: readonly string[], streamed: StreamedLogs): FinalLog[] {
  const lines: FinalLog[] = [];
  executors.forEach((log, executor) => {
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = streamed.rest(executor, stream, log[stream] ?? '');
      if (text) lines.push({ stream, executor, text });
    }
  });
  for (const text of system) lines.push({ stream: 'system', text });
  return lines;
}

/** The result of a job that ended: `ok` only for `complete`. */
export function buildResult(end: {
  jobId: string;
  state: JobState;
  outcome: Partial<JobOutcome>;
  history: readonly JobStateRecord[];
  siteId: string | undefined;
  remoteId: string | undefined;
  siteState: string | undefined;
  error: Error | undefined;
}): JobResult {
  const executors = end.outcome.executors ?? [];
  const result: JobResult = {
    jobId: end.jobId,
    state: end.state,
    ok: end.state === 'complete',
    exitCodes: executors.map((e) => e.exitCode),
    outputs: end.outcome.outputs ?? [],
    logs: { executors, system: end.outcome.systemLogs ?? [] },
    history: [...end.history],
  };
  if (end.siteId !== undefined) result.siteId = end.siteId;
  if (end.remoteId !== undefined) result.remoteId = end.remoteId;
  if (end.siteState !== undefined) result.siteState = end.siteState;
  if (end.error) result.error = end.error;
  return result;
}
