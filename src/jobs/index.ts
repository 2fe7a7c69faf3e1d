export { isTerminalState, JOB_STATES, TERMINAL_STATES } from './state.js';
export type { JobState } from './state.js';
export type { JobExecutor, JobInput, JobOutput, JobResources, JobSpec, TesTask } from '../contracts/job-spec.js';
export { fromPulsarStatus, fromTesState, PULSAR_STATUS_MAP, stateFromExitCodes, TES_STATE_MAP, TES_STATE_OF_JOB_STATE, toTesState } from './state-map.js';
export { STATE_RANK, StateTracker } from './tracker.js';
export type { DropReason, StateChange, StateUpdate } from './tracker.js';
export type {
  JobDoneEvent,
  JobErrorEvent,
  JobEvent,
  JobEventMap,
  JobEventName,
  JobLogEvent,
  JobLogs,
  JobResult,
  JobSiteEvent,
  JobStateEvent,
  JobStateRecord,
  JobTransferEvent,
} from './events.js';
export { JobEventStream } from './event-stream.js';
export type { JobEventSource, WatchOptions } from './event-stream.js';
export { createJob, Job } from './job.js';
export type { CancelOptions, JobSummary, JobWaitOptions, ThrowingWaitOptions } from './job.js';
export type { JobControl, JobInit } from './job-control.js';
export { JobFailedError, UnknownJobError } from './errors.js';
export { attachJob, submitJob } from './run.js';
export type { AttachJobOptions, SubmitJobOptions } from './run.js';
export { defaultEngine, JobEngine } from './engine.js';
export type { EngineAttachOptions, EngineSubmitOptions, JobEngineOptions } from './engine.js';
export { LogFollower } from './follow-logs.js';
export type { LogFollowOptions, LogLine, LogSink } from './follow-logs.js';
export { SitePoller } from './poller.js';
export type { PollListener, PollOptions, SitePollerOptions } from './poller.js';
