/**
 * The GA4GH TES client.
 * @module
 */
export { TesClient } from './client.js';
export type { CallOptions, CreateTaskOptions, GetTaskOptions, ListTasksOptions, TesClientOptions, WaitForTaskOptions } from './client.js';
export { TaskList } from './list.js';
export type { PageFetcher } from './list.js';
export { isSuccessful, isTerminal, isTesState, TES_STATES, TES_TERMINAL_STATES } from './states.js';
export type { TesState } from './states.js';
export { IDEMPOTENCY_TAG, isAmbiguousCreateFailure } from './idempotency.js';
export { assertValidTask, validateTask } from './validate.js';
export type { TesWaitOptions } from './wait.js';
export type {
  BasicTask,
  FullTask,
  FullTaskLog,
  MinimalTask,
  TaskForView,
  TaskPage,
  TesExecutor,
  TesExecutorLog,
  TesInput,
  TesOutput,
  TesOutputFileLog,
  TesResources,
  TesServiceInfo,
  TesTaskLog,
  TesView,
} from './types.js';
