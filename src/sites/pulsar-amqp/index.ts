/**
 * Pulsar over AMQP: the message-queue site and its job-files server. Node-only.
 * @module
 */
export { PulsarMqSite } from './pulsar-mq-site.js';
export type { JobRecordsReport, PulsarMqSiteOptions, StatusUpdateStats } from './mq-options.js';
export type { SkippedRecord } from './job-records.js';
export { JobFilesServer, newJobFilesKey } from './job-files-server.js';
export type { JobFileSource, JobFilesGrant, JobFilesServerOptions, ReceivedOutput } from './job-files-server.js';
export { pulsarQueues, PULSAR_EXCHANGE } from './queues.js';
export type { PulsarQueues } from './queues.js';
export { launchPlan, MANIFEST_NAME } from './launch.js';
export type { LaunchPlan, LaunchSettings, PulsarEnv } from './launch.js';
