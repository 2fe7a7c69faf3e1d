/**
 * A job described locally for staging through Pulsar's REST API, and its
 * validation (a {@link ValidationError} naming each bad field, before anything
 * is sent).
 * @module
 */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import { mustBeOneOf } from '../../util/did-you-mean.js';
import { isPulsarCleanupPolicy, PULSAR_CLEANUP_POLICIES, type PulsarCleanupPolicy } from '../pipeline.js';
import type { PulsarDependenciesDescription, PulsarDynamicFileSource, PulsarEnvEntry } from '../wire.js';

/** One input of a staged job. */
export interface PulsarStagedInput {
  /** Local path of the file (or, for `extra_files`, the directory). */
  path: string;
  /**
   * `dataset` (default): uploaded as `inputs/<basename>`.
   * `extra_files`: a dataset's extra-files directory, uploaded whole as `inputs/<dirname>/…`.
   * `metadata`: an input's metadata file, uploaded as `inputs/metadata_<basename>`.
   */
  kind?: 'dataset' | 'extra_files' | 'metadata';
}

/** An output the command writes in its working directory, copied to a local destination. */
export interface PulsarWorkDirOutput {
  /** Name relative to the working directory (a glob such as `out_*.txt` is allowed), or a path inside the local working directory. */
  source: string;
  /** Local destination file (or directory, when the source is a directory). */
  destination: string;
}

/**
 * A job described with local paths. Staging uploads what it needs, rewrites
 * the paths to server paths, runs it and brings every output back.
 *
 * @example
 * ```ts
 * const job: PulsarStagedJob = {
 *   jobId: 'demo-1',
 *   commandLine: 'python /tools/t/script.py /data/in.txt /data/out.dat',
 *   tool: { directory: '/tools/t', files: ['script.py'] },
 *   inputs: [{ path: '/data/in.txt' }],
 *   outputs: ['/data/out.dat'],
 *   cleanup: 'onsuccess',
 * };
 * ```
 */
export interface PulsarStagedJob {
  /** The id proposed to the server (it may assign another). */
  jobId: string;
  /** Sent to setup as `tool_id`; the server stores it as job metadata. */
  toolId?: string;
  /** Sent to setup as `tool_version`. */
  toolVersion?: string;
  /** The command, naming local paths; they are rewritten to server paths. */
  commandLine: string;
  /** Tool files, uploaded as `tool_files/<relative name>` (sub-directories kept). */
  tool?: {
    /** Absolute local path of the tool directory; paths under it are rewritten to `tool_files/`. */
    directory: string;
    /** Files to upload, relative to `directory`. */
    files: string[];
  };
  /** Input datasets, extra-files directories and input metadata files. Only those the command line or a config file names are staged. */
  inputs?: PulsarStagedInput[];
  /** Files whose text names local paths; rewritten, then uploaded as `configs/<basename>`. */
  configFiles?: string[];
  /** The local working directory: its top-level files are uploaded to `working/`, and outputs from the working directory land here. */
  workingDirectory?: string;
  /** The local metadata directory: its files are uploaded to `metadata/`, metadata outputs land here. */
  metadataDirectory?: string;
  /**
   * Data referenced by path (indexes, reference data): the tree `depth` levels above
   * `path` is uploaded as `unstructured/<hash>/…`. @default depth 0 (the file alone)
   */
  unstructured?: Array<{
    /** Absolute local path the command or a config file names. */
    path: string;
    /** Directory levels above `path` uploaded whole (0: the file alone). @default 0 */
    depth?: number;
  }>;
  /** Local destinations of the named outputs; the command writes them as `outputs/<basename>` (plus `<name>_files/…`). */
  outputs?: string[];
  /** Outputs the command writes in its working directory. */
  workDirOutputs?: PulsarWorkDirOutput[];
  /** Local destination of the tool's version output (`outputs/COMMAND_VERSION` on the server). */
  versionFile?: string;
  /**
   * Patterns of other working- and metadata-directory files to bring back into the
   * local working and metadata directories.
   * @default Galaxy's: primary_*, galaxy.json, metadata_*, dataset_N.dat, dataset_N_files/…, tool_stdout, tool_stderr, …
   */
  dynamicOutputs?: RegExp[];
  /** Files (e.g. `galaxy.json`) whose listed `filename`s and `extra_files` are brought back too. */
  dynamicFileSources?: PulsarDynamicFileSource[];
  /** Environment statements of the job script (submit `env`). */
  env?: PulsarEnvEntry[];
  /** Tool requirements the server may resolve (submit `dependencies_description`). */
  dependenciesDescription?: PulsarDependenciesDescription;
  /** Batch-system parameters. */
  params?: Record<string, unknown>;
  /** Have the server create every named output empty before the job starts. @default false */
  touchOutputs?: boolean;
  /**
   * End the command with a step that writes the size and sha256 of every named
   * output (and version file, and non-glob working-directory output) to a
   * manifest; collection verifies each download against it and fetches a
   * mismatching one again. Skipped on servers with `\` paths. @default true
   */
  manifest?: boolean;
  /** `always` (default), `onsuccess` (the job completed and every output was collected), or `never`. */
  cleanup?: PulsarCleanupPolicy;
}

/** Galaxy's default pattern of extra files collected from the working and metadata directories. */
export const DEFAULT_DYNAMIC_OUTPUTS: readonly RegExp[] = [
  /^primary_.*/,
  /^galaxy\.json$/,
  /^metadata_.*/,
  /^dataset_\d+\.dat$/,
  /^__instrument_.*/,
  /^dataset_\d+_files.+/,
  /^outputs_populated\/.*/,
  /^tool_stdout$/,
  /^tool_stderr$/,
];

/**
 * Checks a staged job; throws one {@link ValidationError} listing every problem.
 *
 * @example
 * ```ts
 * try {
 *   validateStagedJob(stagedJob);
 * } catch (error) {
 *   if (error instanceof ValidationError) for (const issue of error.issues) console.log(issue.path, issue.message);
 * }
 * ```
 */
export function validateStagedJob(job: PulsarStagedJob): void {
  const issues: ValidationIssue[] = [];
  const absolute = (value: unknown, path: string) => {
    if (typeof value !== 'string' || !value.startsWith('/')) issues.push({ path, message: 'must be an absolute local path' });
  };
  if (typeof job.jobId !== 'string' || !job.jobId || job.jobId.includes('/')) {
    issues.push({ path: '$.jobId', message: 'must be a non-empty id without "/"' });
  }
  if (typeof job.commandLine !== 'string' || !job.commandLine.trim()) issues.push({ path: '$.commandLine', message: 'must be a non-empty command' });
  if (job.tool) {
    absolute(job.tool.directory, '$.tool.directory');
    (job.tool.files ?? []).forEach((file, i) => {
      if (typeof file !== 'string' || !file || file.startsWith('/') || file.split('/').includes('..')) {
        issues.push({ path: `$.tool.files[${i}]`, message: 'must be a name relative to tool.directory' });
      }
    });
  }
  (job.inputs ?? []).forEach((input, i) => {
    absolute(input.path, `$.inputs[${i}].path`);
    if (input.kind !== undefined && !['dataset', 'extra_files', 'metadata'].includes(input.kind)) {
      issues.push({ path: `$.inputs[${i}].kind`, message: 'must be dataset, extra_files or metadata' });
    }
  });
  (job.configFiles ?? []).forEach((file, i) => absolute(file, `$.configFiles[${i}]`));
  if (job.workingDirectory !== undefined) absolute(job.workingDirectory, '$.workingDirectory');
  if (job.metadataDirectory !== undefined) absolute(job.metadataDirectory, '$.metadataDirectory');
  (job.unstructured ?? []).forEach((entry, i) => {
    absolute(entry.path, `$.unstructured[${i}].path`);
    if (entry.depth !== undefined && (!Number.isInteger(entry.depth) || entry.depth < 0)) {
      issues.push({ path: `$.unstructured[${i}].depth`, message: 'must be a whole number >= 0' });
    }
  });
  (job.outputs ?? []).forEach((file, i) => absolute(file, `$.outputs[${i}]`));
  const basenames = new Map<string, number>();
  (job.outputs ?? []).forEach((file, i) => {
    const name = file.split('/').pop() ?? '';
    if (basenames.has(name)) issues.push({ path: `$.outputs[${i}]`, message: `has the same basename as outputs[${basenames.get(name)}]` });
    basenames.set(name, i);
  });
  (job.workDirOutputs ?? []).forEach((output, i) => {
    if (typeof output.source !== 'string' || !output.source) issues.push({ path: `$.workDirOutputs[${i}].source`, message: 'must be a name in the working directory' });
    else if (output.source.startsWith('/') && !(job.workingDirectory && output.source.startsWith(`${job.workingDirectory}/`))) {
      issues.push({ path: `$.workDirOutputs[${i}].source`, message: 'an absolute source must be inside workingDirectory' });
    }
    absolute(output.destination, `$.workDirOutputs[${i}].destination`);
  });
  if ((job.workDirOutputs?.length || job.dynamicFileSources?.length) && job.workingDirectory === undefined) {
    issues.push({ path: '$.workingDirectory', message: 'is needed to collect outputs from the working directory' });
  }
  if (job.versionFile !== undefined) absolute(job.versionFile, '$.versionFile');
  if (job.cleanup !== undefined && !isPulsarCleanupPolicy(job.cleanup)) {
    issues.push({ path: '$.cleanup', message: mustBeOneOf(PULSAR_CLEANUP_POLICIES, job.cleanup) });
  }
  if (issues.length > 0) throw new ValidationError('Pulsar staged job', issues);
}
