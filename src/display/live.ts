/**
 * `displayLive`: a job's display in a notebook that updates in place while
 * the cell runs (Deno's kernel: `Deno.jupyter.display` with a `display_id`,
 * then `update: true`, which Jupyter sends as `update_display_data`).
 * @module
 */
import type { JobResult } from '../jobs/events.js';
import type { Job } from '../jobs/job.js';
import type { TransferProgress } from '../transfer/progress.js';
import { jobBundle, type MimeBundle } from './bundles.js';

/** The display function of Deno's Jupyter kernel. */
type KernelDisplay = (bundle: MimeBundle, options: { raw: true; display_id: string; update?: boolean }) => Promise<void>;

/**
 * Deno's `Deno.jupyter.display`, or undefined outside `deno jupyter` (where
 * reading `Deno.jupyter` throws) and on other runtimes.
 */
export function kernelDisplay(): KernelDisplay | undefined {
  try {
    const deno = (globalThis as { Deno?: { jupyter?: { display?: unknown } } }).Deno;
    const display = deno?.jupyter?.display;
    return typeof display === 'function' ? (display as KernelDisplay) : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link displayLive}. */
export interface DisplayLiveOptions {
  /** Least time between two updates for transfer progress, in milliseconds (state changes always update). @default 250 */
  intervalMs?: number;
  /** The kernel's display function; found from `Deno.jupyter` by default (tests pass their own). */
  display?: KernelDisplay;
}

let displays = 0;

/**
 * Shows a job in the notebook and keeps that one output up to date (state,
 * timings, transfer progress) until the job ends; resolves with the job's
 * result. Outside a Jupyter kernel it only waits for the result.
 *
 * @example
 * ```ts
 * declare const job: Job;
 * const result = await displayLive(job); // in a Deno notebook cell
 * console.log(result.state);
 * ```
 */
export async function displayLive(job: Job, options: DisplayLiveOptions = {}): Promise<JobResult> {
  const display = options.display ?? kernelDisplay();
  if (!display) return job.wait();
  const interval = options.intervalMs ?? 250;
  const displayId = `pulsar-network-job-${job.id}-${++displays}`;
  const transfers = new Map<string, TransferProgress>();
  let last = 0;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  let sending = Promise.resolve();
  const show = (update: boolean): Promise<void> => {
    clearTimeout(trailing);
    trailing = undefined;
    last = Date.now();
    const bundle = jobBundle(job, transfers.values());
    // in order, one at a time; a kernel that cannot show it does not stop the job
    sending = sending.then(() => display(bundle, { raw: true, display_id: displayId, ...(update ? { update: true } : {}) })).catch(() => undefined);
    return sending;
  };
  await show(false);
  for await (const event of job.watch()) {
    if (event.type === 'state' || event.type === 'site' || event.type === 'done') void show(true);
    else if (event.type === 'transfer') {
      transfers.set(`${event.direction}:${event.file}`, progressOf(event));
      // Transfers (progress and ends alike) redraw at most once per interval, the latest shown
      // when it is due: a job of thousands of files is not redrawn once per file.
      if (Date.now() - last >= interval) void show(true);
      else trailing ??= setTimeout(() => void show(true), interval - (Date.now() - last));
    }
  }
  clearTimeout(trailing);
  await show(true);
  return job.wait();
}

function progressOf(event: TransferProgress): TransferProgress {
  const { direction, file, bytesDone, bytesTotal, done } = event;
  return bytesTotal === undefined ? { direction, file, bytesDone, done } : { direction, file, bytesDone, bytesTotal, done };
}
