/**
 * TES document types, with task shapes that follow the requested view.
 * @module
 */
import type { components } from '../../generated/tes.js';
import type { TesTask } from '../contracts/job-spec.js';
import type { TesState } from './states.js';

type Schemas = components['schemas'];

/** A TES input. */
export type TesInput = Schemas['tesInput'];
/** A TES output. */
export type TesOutput = Schemas['tesOutput'];
/** A TES executor. */
export type TesExecutor = Schemas['tesExecutor'];
/** TES resources. */
export type TesResources = Schemas['tesResources'];
/** The log of one attempt of a task. */
export type TesTaskLog = Schemas['tesTaskLog'];
/** The log of one executor run. */
export type TesExecutorLog = Schemas['tesExecutorLog'];
/** One uploaded output file. `size_bytes` is an int64 as a string (some servers send a number). */
export type TesOutputFileLog = Omit<Schemas['tesOutputFileLog'], 'size_bytes'> & {
  /** Size of the file in bytes: an int64 as a string, or a number from some servers. */
  size_bytes: string | number;
};
/** The service-info document of a TES server (GA4GH service-info plus `storage` and backend parameters). */
export type TesServiceInfo = Schemas['tesServiceInfo'];

/** How much of a task the server returns: `MINIMAL` (id and state; the default), `BASIC` or `FULL`. */
export type TesView = 'MINIMAL' | 'BASIC' | 'FULL';

/** A task in the `MINIMAL` view: only `id` and `state`. */
export interface MinimalTask {
  /** The task's id on the server. */
  id: string;
  /** The task's TES state. */
  state: TesState;
}

/** An attempt log with every field (`FULL` view). */
export type FullTaskLog = Omit<TesTaskLog, 'outputs'> & {
  /** The output files the attempt uploaded. */
  outputs: TesOutputFileLog[];
};

/** A task in the `FULL` view: everything, including stdout/stderr tails, input `content` and system logs. */
export type FullTask = Omit<TesTask, 'id' | 'state' | 'logs'> & {
  /** The task's id on the server. */
  id: string;
  /** The task's TES state. */
  state: TesState;
  /** One log per attempt; absent when the server has none yet. */
  logs?: FullTaskLog[];
};

/**
 * A task in the `BASIC` view: everything except executor stdout/stderr,
 * input `content` and `system_logs`.
 */
export type BasicTask = Omit<FullTask, 'inputs' | 'logs'> & {
  /** The inputs, without `content`. */
  inputs?: Array<Omit<TesInput, 'content'>>;
  /** One log per attempt, without `system_logs`; absent when the server has none yet. */
  logs?: Array<
    Omit<FullTaskLog, 'system_logs' | 'logs'> & {
      /** One log per executor run, without `stdout` and `stderr`. */
      logs: Array<Omit<TesExecutorLog, 'stdout' | 'stderr'>>;
    }
  >;
};

/** The task shape a view returns. */
export type TaskForView<V extends TesView | undefined> = V extends 'FULL'
  ? FullTask
  : V extends 'BASIC'
    ? BasicTask
    : MinimalTask;

/** One page of `listTasks`. */
export interface TaskPage<T> {
  /** The tasks of this page, in the server's order. */
  tasks: T[];
  /** The token of the next page; absent on the last page. */
  nextPageToken?: string;
}
