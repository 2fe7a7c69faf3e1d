/**
 * A job spec as Pulsar's message-queue launch dict: the command line that
 * runs the executors in the Pulsar job directory, `setup_params` so Pulsar
 * sets the job up itself, and a `remote_staging` whose actions make Pulsar
 * pull the inputs from, and push the outputs and their manifest to, the
 * job-files server. Portable (no `node:` imports).
 * @module
 */
import type { JobInput, JobSpec } from '../../contracts/job-spec.js';
import { manifestScript, shellQuote } from '../../transfer/manifest.js';
import { containerDirs, PathMap } from '../../executor/paths.js';
import { planExecutor } from '../../executor/plan.js';
import { runScript, SCRIPT_FILES } from '../../executor/script.js';

/** Name, in Pulsar's outputs directory and in the files API, of the manifest the job writes last. */
export const MANIFEST_NAME = 'pulsar-network-manifest';
/** Files of the working directory whose text comes back in the final status (`realized_dynamic_file_sources`). */
export const REPORTED_FILES = {
  exitCodes: SCRIPT_FILES.exitCodes,
  stdout: (i: number) => `logs/${i}.stdout.tail`,
  stderr: (i: number) => `logs/${i}.stderr.tail`,
} as const;
/** Most bytes of each executor's stdout and stderr reported back (the end of them). */
export const LOG_TAIL_BYTES = 64 * 1024;

/** One element of Pulsar's launch `env`. */
export type PulsarEnv =
  | {
      /** The variable's name. */
      name: string;
      /** Its value (quoted for the shell by Pulsar unless `raw`). */
      value: string;
      /** True leaves the value unquoted, so the job script expands it. @default false */
      raw?: boolean;
    }
  | {
      /** A file the job script sources before the command. */
      file: string;
    }
  | {
      /** A shell command the job script runs before the command. */
      execute: string;
    };

/** What a site adds to every launch. */
export interface LaunchSettings {
  /** Pulsar's `staging_directory` (Galaxy's `jobs_directory`): the job runs in `<jobsDirectory>/<jobId>`. */
  jobsDirectory: string;
  /** Environment of the whole job (Pulsar `env`). */
  env?: readonly PulsarEnv[];
  /** Pulsar `dependencies_description` (`{requirements, installed_tool_dependencies}`) or null. */
  dependenciesDescription?: Record<string, unknown> | null;
  /** Parameters for the manager's batch system (Pulsar `submit_params`, e.g. `{native_specification}`). */
  submitParams?: Record<string, unknown>;
  /** `tool_id` Pulsar records for the job. @default 'pulsar-network' */
  toolId?: string;
  /** `tool_version` Pulsar records for the job. @default '1' */
  toolVersion?: string;
}

/** How each input reaches Pulsar. */
export type InputRoute = { input: JobInput; path: string } & ({ via: 'job-files' } | { via: 'url'; url: string });

/** A launch dict and what the job-files server must grant for it. */
export interface LaunchPlan {
  /** The setup message body (real JSON, not JSON strings). */
  launch: Record<string, unknown>;
  /** Inputs by the path Pulsar asks the files API for (the container path). */
  inputs: InputRoute[];
  /** Outputs by the path Pulsar posts them to (`output-<i>`), with the spec output. */
  outputs: Array<{
    /** The path Pulsar posts the output to (`output-<i>`). */
    path: string;
    /** The output's index in the spec's `outputs`. */
    index: number;
  }>;
}

/**
 * Builds the launch dict of one job. `filesEndpoint` is the job's URL on the
 * job-files server (with its key); `inputUrl` makes the URL of one input on it.
 *
 * @example
 * ```ts
 * declare const server: { inputUrl(endpoint: string, path: string): string };
 * declare const endpoint: string;
 * declare const broker: { publish(queue: string, body: unknown): Promise<void> };
 * const plan = launchPlan(spec, 'a1b2', { jobsDirectory: '/srv/pulsar/staging' }, endpoint, (p) => server.inputUrl(endpoint, p));
 * await broker.publish('setup', plan.launch);
 * ```
 */
export function launchPlan(
  spec: JobSpec,
  jobId: string,
  settings: LaunchSettings,
  filesEndpoint: string,
  inputUrl: (path: string) => string,
): LaunchPlan {
  const jobDir = `${settings.jobsDirectory.replace(/\/+$/, '')}/${jobId}`;
  const working = `${jobDir}/working`;
  // Inputs are staged as Pulsar `input` files, so container paths live under <job>/inputs.
  const map = new PathMap(`${jobDir}/inputs`, containerDirs(spec));
  const steps = spec.executors.map((executor, i) => planExecutor(executor, i, working, map, undefined));
  const outputs = (spec.outputs ?? []).map((_, index) => ({ path: `output-${index}`, index }));

  const lines = [`mkdir -p logs ${map.dirs.map((d) => shellQuote(map.host(d))).join(' ')}`, '(', runScript(steps), ')'];
  lines.push(`__pn_out() { if [ -f "$1" ]; then ln -f "$1" "$2" 2>/dev/null || cp -f "$1" "$2"; fi; }`);
  (spec.outputs ?? []).forEach((output, i) => lines.push(`__pn_out ${shellQuote(map.host(output.path))} ${shellQuote(`../outputs/output-${i}`)}`));
  steps.forEach((step, i) => {
    lines.push(`tail -c ${LOG_TAIL_BYTES} ${shellQuote(step.stdout)} > ${REPORTED_FILES.stdout(i)} 2>/dev/null`);
    lines.push(`tail -c ${LOG_TAIL_BYTES} ${shellQuote(step.stderr)} > ${REPORTED_FILES.stderr(i)} 2>/dev/null`);
  });
  lines.push('true');
  lines.push(
    manifestScript(
      (spec.outputs ?? []).map((output, i) => ({ name: output.path, path: `../outputs/output-${i}` })),
      `../outputs/${MANIFEST_NAME}`,
    ),
  );

  const inputs: InputRoute[] = (spec.inputs ?? []).map((input) =>
    input.content === undefined && input.url !== undefined && /^https?:\/\//i.test(input.url)
      ? { input, path: input.path, via: 'url', url: input.url }
      : { input, path: input.path, via: 'job-files' },
  );
  const setup = inputs.map((route) => {
    const url = route.via === 'url' ? route.url : inputUrl(route.path);
    return {
      name: route.path.replace(/^\/+/, ''),
      type: 'input',
      action: { action_type: 'remote_transfer', path: route.path, source: { path: route.path }, url },
    };
  });
  const dynamic = [
    REPORTED_FILES.exitCodes,
    ...steps.flatMap((_, i) => [REPORTED_FILES.stdout(i), REPORTED_FILES.stderr(i)]),
  ].map((path) => ({ type: 'galaxy', path }));

  const launch: Record<string, unknown> = {
    job_id: jobId,
    command_line: lines.join('\n'),
    setup_params: { job_id: jobId, tool_id: settings.toolId ?? 'pulsar-network', tool_version: settings.toolVersion ?? '1', use_metadata: true },
    remote_staging: {
      setup,
      action_mapper: { default_action: 'remote_transfer', files_endpoint: filesEndpoint, paths: [] },
      client_outputs: {
        working_directory: null,
        metadata_directory: null,
        job_directory: null,
        work_dir_outputs: [],
        output_files: [...outputs.map((o) => o.path), MANIFEST_NAME],
        version_file: null,
        dynamic_file_sources: null,
        dataset_collector_descriptions: [],
      },
    },
    env: [...(settings.env ?? [])],
    dependencies_description: settings.dependenciesDescription ?? null,
    submit_params: { ...settings.submitParams },
    dynamic_file_sources: dynamic,
  };
  return { launch, inputs, outputs };
}
