export { isTerminalState, JOB_STATES, TERMINAL_STATES } from './state.js';
export type { JobState } from './state.js';
export type { JobExecutor, JobInput, JobOutput, JobResources, JobSpec, TesTask } from './spec.js';
