export type {
  CollectedOutput,
  ExecutorLog,
  JobOutcome,
  Site,
  SiteCallOptions,
  SiteJobRef,
  SiteJobStatus,
  SiteKind,
  SiteProbe,
  SubmitOptions,
  TransferProgress,
} from './site.js';
export * from './tes/index.js';
export * from './pulsar/index.js';
