/**
 * A job's submission to a Pulsar site: checked, set up under an id derived
 * from its idempotency key, staged, and launched once, whatever answers are
 * lost on the way; on failure, nothing that may run is removed, and nothing
 * that cannot is left behind. Portable.
 * @module
 */
import { ValidationError } from '../../errors.js';
import type { JobSpec } from '../../contracts/job-spec.js';
import { launchJob } from '../../pulsar/pipeline.js';
import type { PulsarJobStatus } from '../../pulsar/status.js';
import { redactUrl } from '../../redact.js';
import { sleep, throwIfAborted } from '../../util/abort.js';
import type { SandboxSettings } from '../../executor/plan.js';
import type { ContainerRuntime } from '../../executor/script.js';
import type { SubmitOptions } from '../site.js';
import { commandLineFor, SPEC_FILE } from './command.js';
import { absoluteOutputs, uploadInputs, type InputStaging } from './inputs.js';

/** What a submission needs of its site. */
export interface Submission extends InputStaging {
  /** The runtime the server's nodes run images with, when the command line wraps them in it. */
  runtime?: ContainerRuntime;
  /** The sandbox of a job whose working directory is `working`, when executors run in one. */
  sandbox?: (working: string) => SandboxSettings;
}

/**
 * How long a job found set up but not launched must stay so before it is
 * set up again, and how long a lost submit answer is given to show in the
 * job's status, in milliseconds.
 */
const SETTLE_MS = 2000;
const JOB_ID = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * `PulsarRestSite.submit`, once the spec is checked: the job's id and the
 * spec as the site keeps it (outputs made absolute). A job left set up but
 * never launched by an earlier submit is removed and set up again; the rest
 * is the pipeline's {@link launchJob}.
 */
export async function submitToPulsar(site: Submission, spec: JobSpec, options: SubmitOptions): Promise<{ remoteId: string; spec: JobSpec }> {
  throwIfAborted(options.signal, `submitting to Pulsar site ${site.siteId}`);
  spec = absoluteOutputs(spec, site.files);
  const jobId = await jobIdFor(options.idempotencyKey);
  if (await launchedBefore(site, jobId, options.signal)) return { remoteId: jobId, spec };
  const signal = options.signal ? { signal: options.signal } : {};
  const config = await launchJob(
    site.client,
    jobId,
    {
      stage: async (config) => {
        if (config.separator !== '/') {
          throw new ValidationError(`Pulsar site ${site.siteId}`, [{ path: 'separator', message: `the server uses ${JSON.stringify(config.separator)} as path separator; only POSIX servers run the job script` }]);
        }
        const uploaded = await uploadInputs(site, config.jobId, spec, options);
        await site.client.upload(config.jobId, SPEC_FILE, 'workdir', JSON.stringify(recordedSpec(spec)), undefined, signal);
        const working = config.directories.working;
        return { commandLine: commandLineFor(spec, working, site.runtime, uploaded, site.sandbox?.(working)), settleMs: SETTLE_MS };
      },
    },
    options.signal,
  );
  return { remoteId: config.jobId, spec };
}

/**
 * Whether a job set up under this id was launched already (it is then taken
 * over). A job set up but never launched is removed, so the submit starts it
 * cleanly; one whose submit may still be in flight gets time to show it first.
 */
async function launchedBefore(site: Submission, jobId: string, signal: AbortSignal | undefined): Promise<boolean> {
  // A server that cannot be reached fails the submit here, not after set-up has waited out its retries too.
  // Only a `lost` says there is no job: a status that cannot be read may hide a launched one (removed
  // or set up again over it, it would be stranded), so it fails the submit.
  const read = (): Promise<PulsarJobStatus> => site.client.status(jobId, signal ? { signal } : {});
  let existing = await read();
  if (existing.status === 'preprocessing') {
    await sleep(SETTLE_MS, signal, `submitting to Pulsar site ${site.siteId}`);
    existing = await read();
    if (existing.status === 'preprocessing') {
      await site.client.clean(jobId, signal ? { signal } : {});
      return false;
    }
  }
  return existing.status !== 'lost';
}

/** A Pulsar job id for an idempotency key: the key itself when it is a plain name, else its sha256. */
export async function jobIdFor(key: string): Promise<string> {
  if (JOB_ID.test(key) && key.length <= 64) return key;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('').slice(0, 40);
}

/** The spec as kept on the server: secrets of input URLs redacted. */
function recordedSpec(spec: JobSpec): JobSpec {
  if (!spec.inputs) return spec;
  return { ...spec, inputs: spec.inputs.map((input) => (input.url && /^https?:/i.test(input.url) ? { ...input, url: redactUrl(input.url) } : input)) };
}
