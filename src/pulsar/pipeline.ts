/**
 * The one Pulsar REST pipeline: set a job up, send its files in, launch it
 * once, bring its files back, clean up by policy. Its front ends only say
 * what the job is: `PulsarRestSite` compiles a job spec into input files and
 * a job script; `runStagedJob` (Node) compiles a Galaxy-style description
 * (tool and config files, path rewriting, metadata, unstructured data).
 * Portable.
 * @module
 */
import { throwIfAborted } from '../util/abort.js';
import { eachAtMost } from '../util/pool.js';
import type { TransferProgress } from '../transfer/progress.js';
import type { TransferSource } from '../transfer/types.js';
import type { PulsarClient, PulsarUploadResult } from './client.js';
import { afterFailedSubmit, submitOnce, type SubmitOnceOptions } from './launch.js';
import type { PulsarJobConfig } from './status.js';
import type { PulsarUploadType } from './wire.js';

/** What to do with the server's job directory at the end: `onsuccess` keeps it when the job failed, or an output could not be brought back. */
export type PulsarCleanupPolicy = 'always' | 'onsuccess' | 'never';

/** Every {@link PulsarCleanupPolicy}, for checks. */
export const PULSAR_CLEANUP_POLICIES: readonly PulsarCleanupPolicy[] = ['always', 'onsuccess', 'never'];

/** True for a {@link PulsarCleanupPolicy}. */
export function isPulsarCleanupPolicy(value: unknown): value is PulsarCleanupPolicy {
  return (PULSAR_CLEANUP_POLICIES as readonly unknown[]).includes(value);
}

/** Whether the job directory goes, under `policy`, for a job that ended well (`ok`) or not. */
export function cleanupDue(policy: PulsarCleanupPolicy, ok: boolean): boolean {
  return policy === 'always' || (policy === 'onsuccess' && ok);
}

/** Transfers of one job at once: the client's cap (Pulsar serves a few threads), at most 8. */
export function transferConcurrency(client: PulsarClient): number {
  const cap = client.http.maxConcurrency;
  return Number.isFinite(cap) ? Math.max(1, Math.min(8, cap)) : 8;
}

/** One file sent into a job. */
export interface OutgoingFile {
  /** Its name in the server directory of `type`. */
  name: string;
  /** The server directory it goes to. */
  type: PulsarUploadType;
  /** Its bytes, made when its turn comes (a job of thousands of files does not open them all at once). */
  source(): TransferSource | Promise<TransferSource>;
}

/** Options of {@link sendFiles}. */
export interface SendFilesOptions {
  /** Stops every upload; the first failure or the abort is thrown. */
  signal?: AbortSignal | undefined;
  /** Throttled progress of each upload, each ending with a `done: true` report (`file` is the source's name). */
  onProgress?: ((progress: TransferProgress) => void) | undefined;
  /** Told of each upload once the server has it (`index`: its place in the files given). */
  onSent?: ((sent: PulsarUploadResult, index: number) => void) | undefined;
}

/**
 * Uploads `files`, as many at once as the client's cap allows (a small
 * file's upload is mostly waiting on round trips): what each one became on
 * the server, in the order given. The first failure stops the others and is
 * thrown once they have settled.
 */
export async function sendFiles(client: PulsarClient, jobId: string, files: readonly OutgoingFile[], options: SendFilesOptions = {}): Promise<PulsarUploadResult[]> {
  const sent: PulsarUploadResult[] = [];
  await eachAtMost(files, transferConcurrency(client), options.signal, async (file, k, signal) => {
    const progress = options.onProgress ? { onProgress: options.onProgress } : {};
    sent[k] = await client.uploadFrom(jobId, file.name, file.type, await file.source(), { signal, ...progress });
    options.onSent?.(sent[k], k);
  });
  return sent;
}

/** How a job is staged and launched: what {@link launchJob} needs of its front end. */
export interface PulsarLaunchPlan {
  /** Options of the set-up (a tool id for Galaxy-style jobs). */
  setup?: { toolId?: string; toolVersion?: string };
  /** Stages the job's files into the job `config` describes and says what to submit. */
  stage(config: PulsarJobConfig): Promise<Omit<SubmitOnceOptions, 'signal'>>;
  /** A refused submit leaves the staged job directory in place (for a look at it). @default false */
  keepRefused?: boolean;
}

/**
 * Sets the job up, stages it and submits it once (see {@link submitOnce});
 * returns the job's set-up (its id and directories). After a failure, what may run is never removed and what cannot
 * is not left behind (see `afterFailedSubmit`): a failed or aborted staging
 * removes the job with any partial upload.
 */
export async function launchJob(client: PulsarClient, jobId: string, plan: PulsarLaunchPlan, signal?: AbortSignal): Promise<PulsarJobConfig> {
  const abort = signal ? { signal } : {};
  let submitting = false;
  try {
    const config = await client.setup(jobId, { ...plan.setup, ...abort });
    jobId = config.jobId;
    const submit = await plan.stage(config);
    throwIfAborted(signal, `submitting Pulsar job ${jobId}`);
    submitting = true;
    await submitOnce(client, jobId, { ...submit, ...abort });
    return config;
  } catch (error) {
    await afterFailedSubmit(client, jobId, error, { submitted: submitting, keepRefused: plan.keepRefused === true });
    throw error;
  }
}

/**
 * Brings files back with `fetch`, as many at once as the client's cap
 * allows: each file's outcome, in the order given. One file's failure does
 * not stop the others. When `signal` aborts, every file this call delivered
 * is taken back with `undo` (the downloads themselves leave nothing partial)
 * and the abort is thrown.
 */
export async function fetchFiles<F, R>(
  client: PulsarClient,
  files: readonly F[],
  fetch: (file: F, signal: AbortSignal) => Promise<R>,
  options: { signal?: AbortSignal | undefined; undo: (file: F, delivered: R) => Promise<void> },
): Promise<Array<PromiseSettledResult<R>>> {
  const outcomes: Array<PromiseSettledResult<R>> = [];
  try {
    await eachAtMost(files, transferConcurrency(client), options.signal, async (file, k, signal) => {
      try {
        outcomes[k] = { status: 'fulfilled', value: await fetch(file, signal) };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        outcomes[k] = { status: 'rejected', reason: error };
      }
    });
  } catch (error) {
    await Promise.all(outcomes.map((o, k) => (o?.status === 'fulfilled' ? options.undo(files[k] as F, o.value).catch(() => undefined) : undefined)));
    throw error;
  }
  return outcomes;
}
