/**
 * Builds the {@link SelectionRequest} of a job from its spec.
 * @module
 */
import type { JobResources, JobSpec } from '../contracts/job-spec.js';
import type { SelectionRequest, TagConstraints } from './types.js';

/** What a submit adds to the spec for selection. */
export interface SelectionHints {
  /** Tag constraints of the job (TPV `scheduling`). */
  scheduling?: TagConstraints;
  /** Sizes of inputs by URL, in bytes (the spec has no sizes). */
  inputSizes?: Record<string, number>;
  /** GPUs the job needs (TES has no field; also read from `backend_parameters.gpus`). */
  gpus?: number;
}

/**
 * The request selection sees: cores (default 1), memory (default 0), GPUs,
 * inputs fetched by URL with their sizes, tags and backend parameter keys.
 *
 * @example
 * ```ts
 * const request = selectionRequest(spec, { inputSizes: { 's3://b/x.bam': 2e9 } }, 0);
 * ```
 */
export function selectionRequest(spec: JobSpec, hints: SelectionHints, sequence: number): SelectionRequest {
  const resources: Partial<JobResources> = spec.resources ?? {};
  const parameters = resources.backend_parameters ?? {};
  const gpuParameter = Object.entries(parameters).find(([key]) => /^gpus?$/i.test(key))?.[1];
  const gpus = hints.gpus ?? (gpuParameter !== undefined && Number.isFinite(Number(gpuParameter)) ? Number(gpuParameter) : 0);
  const request: SelectionRequest = {
    resources: { cores: resources.cpu_cores ?? 1, memoryGb: resources.ram_gb ?? 0, gpus },
    inputs: (spec.inputs ?? [])
      .filter((input) => input.url !== undefined && input.content === undefined)
      .map((input) => ({ url: input.url as string, bytes: hints.inputSizes?.[input.url as string] ?? 0 })),
    scheduling: hints.scheduling ?? {},
    backendParameters: Object.keys(parameters),
    backendParametersStrict: resources.backend_parameters_strict === true,
    sequence,
  };
  if (spec.name !== undefined) request.name = spec.name;
  return request;
}
