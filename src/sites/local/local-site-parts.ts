/**
 * Small parts of the {@link LocalSite}: signalling a job's process group,
 * the spec as a job record keeps it, and where a URL points on this machine.
 * @module
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobSpec } from '../../contracts/job-spec.js';
import { redactUrl } from '../../redact.js';
import { locate, type LocalLocation } from '../../executor/validate.js';

/** Sends a signal to a job's process group; one already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The spec as the job record keeps it: secrets of input URLs redacted, and
 * relative output paths made absolute (a later process may have another
 * working directory).
 */
export function recordedSpec(spec: JobSpec): JobSpec {
  const recorded: JobSpec = { ...spec };
  if (spec.inputs) recorded.inputs = spec.inputs.map((input) => (input.url && /^https?:/i.test(input.url) ? { ...input, url: redactUrl(input.url) } : input));
  if (spec.outputs) {
    recorded.outputs = spec.outputs.map((output) => {
      const where = whereLocally(output.url);
      return where?.kind === 'file' ? { ...output, url: where.path } : output;
    });
  }
  return recorded;
}

/** Where a URL of a job points on this machine (relative paths from the working directory). */
export function whereLocally(url: string): LocalLocation | undefined {
  return locate(url, (p) => resolve(p), (u) => fileURLToPath(u));
}
