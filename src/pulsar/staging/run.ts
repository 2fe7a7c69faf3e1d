/**
 * Runs a locally described (Galaxy-style) job through Pulsar's REST API from
 * start to end: setup, stage-in, submit, follow the status, collect, clean up
 * by policy, each step the Pulsar pipeline's. Node only.
 * @module
 */
import { rm } from 'node:fs/promises';
import { AbortError } from '../../errors.js';
import type { TransferProgress } from '../../transfer/progress.js';
import { bestEffort } from '../../util/abort.js';
import type { PulsarClient } from '../client.js';
import { CLEANUP_TIMEOUT_MS } from '../launch.js';
import { cleanupDue, launchJob } from '../pipeline.js';
import type { PulsarJobConfig, PulsarJobStatus } from '../status.js';
import { type PulsarCollectedFile, type PulsarCollectionFailure, type PulsarCollectResult, collectOutputs } from './collect.js';
import { type PulsarStagedJob, validateStagedJob } from './description.js';
import { withOutputManifest } from './output-manifest.js';
import { type PulsarStagedUpload, type PulsarStageInResult, stageIn } from './stage-in.js';

/** Something staging did, for progress displays and logs. */
export type PulsarStagingEvent =
  | {
      /** The server set the job up. */
      type: 'setup';
      /** The job id the server uses. */
      jobId: string;
    }
  | {
      /** A file was uploaded. */
      type: 'upload';
      /** What was uploaded, and where to. */
      upload: PulsarStagedUpload;
    }
  | {
      /** The job was launched. */
      type: 'submitted';
      /** The job id the server uses. */
      jobId: string;
      /** The command line submitted, with server paths. */
      commandLine: string;
    }
  | {
      /** A status poll answered. */
      type: 'status';
      /** What it said. */
      status: PulsarJobStatus;
    }
  | {
      /** An output was downloaded. */
      type: 'download';
      /** What was downloaded, and where to. */
      file: PulsarCollectedFile;
    }
  | {
      /** The server's job directory was removed. */
      type: 'cleaned';
      /** The job id the server uses. */
      jobId: string;
    };

/** Options of {@link runStagedJob}. */
export interface RunStagedJobOptions {
  /** Aborts the run wherever it is (setup, staging, submit, wait, collection, clean-up); what is left on the server is as {@link runStagedJob} says. */
  signal?: AbortSignal;
  /** Status poll interval, in milliseconds. @default 1000 */
  interval?: number;
  /** Longest wait for the job to finish, in milliseconds. @default Infinity */
  timeout?: number;
  /** Told of each step (setup, each upload, submit, each status, each download, clean-up). */
  onEvent?: (event: PulsarStagingEvent) => void;
  /** Throttled progress of every upload and download, each file ending with a `done: true` report. */
  onTransfer?: (progress: TransferProgress) => void;
}

/** How a staged job ended. */
export interface PulsarStagedResult {
  /** The job id the server uses. */
  jobId: string;
  /** The setup answer (server directories, separator). */
  config: PulsarJobConfig;
  /** The command line with server paths, as submitted before the output-manifest step (`job.manifest`) was appended. */
  commandLine: string;
  /** Every file uploaded. */
  uploads: PulsarStagedUpload[];
  /** The final status Pulsar reported (`complete`, `failed`, `cancelled` or `lost`). */
  status: PulsarJobStatus;
  /** True when the job completed and every required output was collected (the exit code is in `status.returnCode`). */
  ok: boolean;
  /** Outputs brought back. */
  collected: PulsarCollectedFile[];
  /** Outputs that could not be brought back. */
  failures: PulsarCollectionFailure[];
  /**
   * Why a `failed` job failed, when the server says so over REST: its captured
   * error output. A launch failure's own message sits in `<job dir>/stderr`,
   * which the REST API cannot download; `launchFailed` is then true.
   */
  serverStderr?: string;
  /** True when Pulsar recorded that the job failed before it ran (the job directory holds `preprocessing_failed`). */
  launchFailed: boolean;
  /** True when the server's job directory was removed. */
  cleaned: boolean;
}

/**
 * Stages a job in, runs it, collects its outputs and cleans up by its policy.
 *
 * A failed or aborted upload removes the half-staged job directory whatever
 * the policy (a file may lie half-written there); a refused submit removes it
 * under `always`. A submit whose answer is lost is resolved from the job's
 * status (the job runs once); a job that may have been launched is never
 * removed for a failed submit (an aborted one is cancelled). A wait that ends
 * early (its `timeout`, or `signal` aborted) leaves the job on the server as
 * it is, neither cancelled nor cleaned: the `setup` event gives the server's
 * job id for that. An abort while the outputs come down rejects with
 * AbortError, removes the outputs already delivered, and still applies
 * `cleanup: 'always'`.
 *
 * The Galaxy-shaped front end of the Pulsar pipeline (`src/pulsar/pipeline.ts`):
 * it describes the job (tool and config files, path rewriting, metadata,
 * unstructured data, dynamic outputs); setting up, launching once, sending
 * and fetching files and the clean-up rule are the pipeline's, as for
 * `PulsarRestSite`.
 *
 * @example
 * ```ts
 * import { PulsarClient } from 'pulsar-network/pulsar';
 * import { runStagedJob } from 'pulsar-network/node';
 *
 * const pulsar = new PulsarClient({ url: 'http://127.0.0.1:8913/', token: process.env.PULSAR_TOKEN });
 * const result = await runStagedJob(pulsar, {
 *   jobId: 'wc-1',
 *   commandLine: 'wc -l /data/reads.txt > /data/count.txt',
 *   inputs: [{ path: '/data/reads.txt' }],
 *   outputs: ['/data/count.txt'],
 *   cleanup: 'onsuccess',
 * });
 * console.log(result.status.status, result.status.returnCode, result.collected.length);
 * ```
 */
export async function runStagedJob(client: PulsarClient, job: PulsarStagedJob, options: RunStagedJobOptions = {}): Promise<PulsarStagedResult> {
  validateStagedJob(job);
  const emit = (event: PulsarStagingEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener must not break staging.
    }
  };
  const signal = options.signal ? { signal: options.signal } : {};
  const policy = job.cleanup ?? 'always';
  const onProgress = options.onTransfer ? { onProgress: options.onTransfer } : {};
  // Set by `stage`, which has run once `launchJob` returns.
  let staged!: PulsarStageInResult;
  const config = await launchJob(
    client,
    job.jobId,
    {
      setup: { ...(job.toolId && { toolId: job.toolId }), ...(job.toolVersion && { toolVersion: job.toolVersion }) },
      stage: async (config) => {
        emit({ type: 'setup', jobId: config.jobId });
        staged = await stageIn(client, config, job, { ...signal, ...onProgress, onUpload: (upload) => emit({ type: 'upload', upload }) });
        return {
          commandLine: withOutputManifest(staged.commandLine, job, config),
          ...(job.env && { env: job.env }),
          ...(job.dependenciesDescription && { dependenciesDescription: job.dependenciesDescription }),
          ...(job.params && { params: job.params }),
          ...(job.touchOutputs && { touchOutputs: (job.outputs ?? []).map((o) => o.split('/').pop() as string) }),
          ...(job.dynamicFileSources && { dynamicFileSources: job.dynamicFileSources }),
        };
      },
      keepRefused: policy !== 'always',
    },
    options.signal,
  );
  emit({ type: 'submitted', jobId: config.jobId, commandLine: staged.commandLine });

  const status = await client.wait(config.jobId, {
    ...signal,
    ...(options.interval !== undefined && { interval: options.interval }),
    ...(options.timeout !== undefined && { timeout: options.timeout }),
    onStatus: (s) => emit({ type: 'status', status: s }),
  });

  let outputs: PulsarCollectResult = { collected: [], failures: [] };
  try {
    if (status.status === 'complete') outputs = await collectOutputs(client, status, job, { ...signal, ...onProgress, onDownload: (file) => emit({ type: 'download', file }) });
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
  if (options.signal?.aborted) {
    // Stopped while collecting: nothing of it stays (collection removed what it had delivered when it
    // saw the abort), and the clean-up policy still holds, with a signal of its own since the caller's is aborted.
    await Promise.all(outputs.collected.map((file) => rm(file.destination, { force: true }).catch(() => undefined)));
    if (policy === 'always') await bestEffort(CLEANUP_TIMEOUT_MS, (abort) => client.clean(config.jobId, { signal: abort }));
    throw new AbortError(`collecting the outputs of Pulsar job ${config.jobId}`, { cause: options.signal.reason });
  }
  const { collected, failures } = outputs;
  const ok = status.status === 'complete' && !failures.some((f) => f.required);

  let cleaned = false;
  if (cleanupDue(policy, ok)) {
    await client.clean(config.jobId, signal);
    cleaned = true;
    emit({ type: 'cleaned', jobId: config.jobId });
  }

  return stagedResult(config, staged, status, { collected, failures }, ok, cleaned);
}

/** The result of a staged job that ran its course. */
function stagedResult(config: PulsarJobConfig, staged: PulsarStageInResult, status: PulsarJobStatus, outputs: PulsarCollectResult, ok: boolean, cleaned: boolean): PulsarStagedResult {
  const result: PulsarStagedResult = {
    jobId: config.jobId,
    config,
    commandLine: staged.commandLine,
    uploads: staged.uploads,
    status,
    ok,
    ...outputs,
    launchFailed: status.status === 'failed' && (status.listings?.job.includes('preprocessing_failed') ?? false),
    cleaned,
  };
  const stderr = [status.jobStderr, status.stderr].filter((s): s is string => !!s && s.trim() !== '').join('\n');
  if (status.status === 'failed' && stderr) result.serverStderr = stderr;
  return result;
}
