/**
 * The outcome of a finished Pulsar AMQP job: the executors' logs from
 * Pulsar's final status, and the outputs the job-files server received,
 * each checked against the job's manifest before it is moved into place.
 * Node-only.
 * @module
 */
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { JobOutput } from '../../contracts/job-spec.js';
import { parseManifest, verifyManifest } from '../../transfer/manifest.js';
import type { CollectedOutput, ExecutorLog, JobOutcome } from '../site.js';
import type { TransferProgress } from '../../transfer/progress.js';
import type { JobFilesServer, ReceivedOutput } from './job-files-server.js';
import { MANIFEST_NAME, REPORTED_FILES } from './launch.js';
import { reportedFiles, type MqJob } from './mq-job.js';

/** Each executor's exit code with the stdout and stderr Pulsar reported in its final status dict. */
export function executorLogs(final: Record<string, unknown>, exitCodes: readonly number[]): ExecutorLog[] {
  const reported = reportedFiles(final);
  return exitCodes.map((exitCode, i) => {
    const log: ExecutorLog = { exitCode };
    const stdout = reported.get(REPORTED_FILES.stdout(i));
    const stderr = reported.get(REPORTED_FILES.stderr(i));
    if (stdout !== undefined) log.stdout = stdout;
    if (stderr !== undefined) log.stderr = stderr;
    return log;
  });
}

/**
 * Moves the received outputs (`output-<i>`) of `outputs` to their
 * destinations once every one matches the manifest the job wrote, adding
 * each to `delivered`. Returns the problems instead when any is missing or
 * does not match: then nothing is moved. The received manifest is removed.
 */
export async function deliverReceived(received: ReadonlyMap<string, ReceivedOutput>, outputs: readonly JobOutput[], delivered: CollectedOutput[]): Promise<string[]> {
  const manifestFile = received.get(MANIFEST_NAME);
  if (!manifestFile) return ['Pulsar did not send the output manifest back'];
  let entries;
  try {
    entries = parseManifest(await readFile(manifestFile.file, 'utf8'));
  } catch (error) {
    return [`the output manifest is unreadable: ${error instanceof Error ? error.message : String(error)}`];
  } finally {
    await rm(manifestFile.file, { force: true });
  }
  const problems: string[] = [];
  const ready: Array<{ file: string; destination: string; output: CollectedOutput }> = [];
  for (const [i, output] of outputs.entries()) {
    const got = received.get(`output-${i}`);
    if (!got) {
      problems.push(`output ${output.path} was not produced or not sent back`);
      continue;
    }
    const mismatch = verifyManifest(entries, [{ name: output.path, size: got.sizeBytes, sha256: got.sha256 }])[0];
    if (mismatch) {
      problems.push(`output ${output.path} does not match the job's manifest (${mismatch.problem}${mismatch.expected ? `: expected ${mismatch.expected}, got ${mismatch.actual}` : ''})`);
      continue;
    }
    ready.push({ file: got.file, destination: got.destination, output: { path: output.path, url: output.url, sizeBytes: got.sizeBytes, sha256: got.sha256 } });
  }
  if (problems.length > 0) return problems;
  for (const item of ready) {
    await mkdir(dirname(item.destination), { recursive: true });
    await rename(item.file, item.destination);
    delivered.push(item.output);
  }
  return [];
}

/**
 * The outcome of an ended job: its executors' logs, and for a `complete` job
 * its outputs delivered (a missing or mismatching one makes it `system_error`).
 */
export async function outcomeOf(job: MqJob, files: JobFilesServer, onTransfer?: (progress: TransferProgress) => void): Promise<JobOutcome> {
  const final = job.final ?? {};
  const outcome: JobOutcome = { state: job.tracker.state, executors: executorLogs(final, job.exitCodes ?? []), outputs: [], systemLogs: [] };
  if (job.siteState !== 'complete') {
    outcome.systemLogs.push(`Pulsar reported the job ${job.siteState}`);
    if (job.siteState === 'failed' && job.exitCodes !== undefined) {
      outcome.systemLogs.push(
        `the executors had ended (exit codes ${job.exitCodes.join(', ')}); Pulsar failed after them, sending the outputs back to the job-files server (was the site down or unreachable? Pulsar's postprocess_action_max_retries lets it try longer); nothing was delivered`,
      );
    }
    if (typeof final.job_stderr === 'string' && final.job_stderr !== '') outcome.systemLogs.push(final.job_stderr);
  }
  if (outcome.state === 'complete') {
    // Outputs an earlier site received wait under their hidden names.
    await files.recover(job.remoteId);
    const problems = await deliverReceived(files.received(job.remoteId), job.spec.outputs ?? [], outcome.outputs);
    for (const output of outcome.outputs) {
      onTransfer?.({ direction: 'down', file: output.url, bytesDone: output.sizeBytes, bytesTotal: output.sizeBytes, done: true });
    }
    if (problems.length > 0) {
      outcome.state = 'system_error';
      outcome.outputs = [];
      outcome.systemLogs.push(...problems);
    }
  }
  return outcome;
}
