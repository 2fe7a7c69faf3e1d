export type {
  CollectedOutput,
  ExecutorLog,
  JobOutcome,
  LogChunk,
  LogRead,
  ProbeFailure,
  ReadLogsOptions,
  Site,
  SiteCallOptions,
  SiteJobRef,
  SiteJobStatus,
  SiteKind,
  SiteProbe,
  SubmitOptions,
} from './site.js';
export { DEFAULT_LOG_READ_BYTES, readLogStreams } from './log-reader.js';
export { failedProbe, probeFailure } from './probe-failure.js';
export type { LogStream, LogStreamSource } from './log-reader.js';
export * from './tes/index.js';
export * from './pulsar/index.js';
