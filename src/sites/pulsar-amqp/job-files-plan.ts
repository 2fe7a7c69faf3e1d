/**
 * Which files a job spec lets Pulsar read from and write to the job-files
 * server: derived from the spec alone, so a submit and a job record reloaded
 * after a restart grant exactly the same files. Node-only.
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stat } from 'node:fs/promises';
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { JobSpec } from '../../contracts/job-spec.js';
import { checkSpec, locate } from '../../executor/validate.js';
import type { JobFileSource } from './job-files-server.js';

/** The files of one job, by the names Pulsar uses on the job-files server. */
export interface JobFilesPlan {
  /** Inputs by container path: local files and inline contents (http(s) inputs Pulsar fetches itself). */
  inputs: Map<string, JobFileSource>;
  /** Local destination of each output, by its name in the files API (`output-<i>`). */
  outputs: Map<string, string>;
  /** Everything about the spec the AMQP site cannot run; empty when it can. */
  issues: ValidationIssue[];
}

/**
 * The files `spec` grants, with relative local paths resolved against `cwd`
 * (the caller's working directory at submit time). Does not look at the
 * disk: whether an input file exists is the submit's check.
 *
 * @example
 * ```ts
 * const { inputs, outputs, issues } = jobFilesPlan(spec, process.cwd());
 * ```
 */
export function jobFilesPlan(spec: JobSpec, cwd: string): JobFilesPlan {
  const where = (url: string) => locate(url, (p) => resolve(cwd, p), (u) => fileURLToPath(u));
  const issues = isAbsolute(cwd) ? checkSpec(spec, { mode: 'ignore' }, { locate: where }) : [{ path: 'cwd', message: 'must be an absolute path' }];
  const inputs = new Map<string, JobFileSource>();
  const outputs = new Map<string, string>();
  if (issues.length > 0) return { inputs, outputs, issues };
  for (const [i, input] of (spec.inputs ?? []).entries()) {
    if (input.type === 'DIRECTORY') issues.push({ path: `$.inputs[${i}].type`, message: 'Pulsar fetches single files: DIRECTORY inputs are not supported over AMQP' });
    else if (typeof input.content === 'string') inputs.set(input.path, { kind: 'bytes', bytes: new TextEncoder().encode(input.content) });
    else {
      const at = where(input.url ?? '');
      if (at?.kind === 'file') inputs.set(input.path, { kind: 'file', path: at.path });
    }
  }
  for (const [i, output] of (spec.outputs ?? []).entries()) {
    if (output.type === 'DIRECTORY' || /[*?[]/.test(output.path)) {
      issues.push({ path: `$.outputs[${i}]`, message: 'only single-file outputs (no DIRECTORY, no wildcards) are supported over AMQP' });
    }
    const at = where(output.url);
    if (at?.kind === 'file') outputs.set(`output-${i}`, at.path);
  }
  return { inputs, outputs, issues };
}

/** Throws a {@link ValidationError} for what the site cannot run, in the spec's order, including input files that are not readable. */
export async function checkJobFiles(spec: JobSpec, cwd: string): Promise<void> {
  const { inputs, issues } = jobFilesPlan(spec, cwd);
  for (const [i, input] of (inputs.size > 0 ? (spec.inputs ?? []) : []).entries()) {
    const source = input.type === 'DIRECTORY' ? undefined : inputs.get(input.path);
    if (source?.kind !== 'file') continue;
    const info = await stat(source.path).catch(() => undefined);
    if (!info?.isFile()) issues.push({ path: `$.inputs[${i}].url`, message: `${source.path} is not a readable file` });
  }
  // In the spec's order ($.inputs[2] before $.inputs[10]).
  issues.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  if (issues.length > 0) throw new ValidationError('job spec for the Pulsar AMQP site', issues);
}
