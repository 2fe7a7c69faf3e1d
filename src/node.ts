/**
 * The Node.js (and Deno) entry: everything of `pulsar-network`, plus what
 * needs a file system, child processes or raw sockets: the local site, file
 * sources and sinks, network configuration files, Pulsar over AMQP, Pulsar
 * staging of local files, and the TES gateway.
 *
 * @example
 * ```ts
 * import { LocalSite, submitJob } from 'pulsar-network/node';
 * const job = submitJob(new LocalSite({ allowNoContainer: true }), { executors: [{ image: 'alpine', command: ['echo', 'hello'] }] });
 * console.log((await job.wait()).logs.executors[0]?.stdout);
 * ```
 * @module pulsar-network/node
 */
export * from './index.js';
export * from './sites-entry.js';
export * from './pulsar-entry.js';
export * from './transfer-entry.js';

export { LocalSite } from './sites/local/local-site.js';
export type { LocalBind, LocalSiteOptions } from './sites/local/options.js';
export type { LocalCleanup } from './sites/local/work-dir.js';
export { detectContainerRuntimes } from './sites/local/runtime.js';
export type { ContainerRuntime } from './executor/script.js';
export { nodeSiteRegistry } from './node/site-registry.js';
export { nodeLocalFiles } from './sites/node-files.js';
export { nodeHttpFetch } from './node/http-fetch.js';
export { readNetworkConfig } from './network/config-file.js';
// The Node.js Network builds every built-in kind of site by default; it shadows the portable one.
export { Network, networkFromFile } from './node/network.js';
export { fileSource } from './transfer/node/file-source.js';
export { fileSink } from './transfer/node/file-sink.js';
export type { FileSinkOptions } from './transfer/node/file-sink.js';

export { runStagedJob } from './pulsar/staging/run.js';
export type { PulsarStagedResult, RunStagedJobOptions } from './pulsar/staging/run.js';
export type { PulsarStagedJob } from './pulsar/staging/description.js';
export { PulsarMqSite } from './sites/pulsar-amqp/pulsar-mq-site.js';
export type { PulsarMqSiteOptions } from './sites/pulsar-amqp/mq-options.js';

export { createTesGateway } from './gateway/gateway.js';
export type { TesGateway, TesGatewayOptions } from './gateway/gateway.js';
export type { GatewayClient } from './gateway/clients.js';
export { MemoryTaskStore } from './gateway/store.js';
export type { TaskStore } from './gateway/store.js';
export { SqliteTaskStore } from './gateway/sqlite-store.js';
// A service of your own that checks job URLs as the gateway does (docs/security.md): checkJobUrls needs rules and an environment.
export { checkJobUrls } from './policy/url-policy.js';
export { baseUrlRules, compileUrlRules, urlRulesProblems } from './policy/url-rules.js';
export type { UrlRules } from './policy/url-rules.js';
export { canonicalPathSync, nodeUrlPolicyEnvironment } from './policy/node-environment.js';
export type { NodeUrlPolicyOptions } from './policy/node-environment.js';
export { guardedFetch } from './policy/guarded-fetch.js';

export { displayLive } from './display/live.js';
export type { DisplayLiveOptions } from './display/live.js';
export { showDecision } from './display/bundles.js';
export { TimelineRecorder } from './display/timeline.js';
export type { Timeline } from './display/timeline.js';
export { timelineSvg } from './display/timeline-svg.js';
export type { TimelineSvgOptions } from './display/timeline-svg.js';

import { installJupyterDisplays } from './display/install.js';

// Jobs, networks and task lists show themselves in Jupyter notebooks (Deno's kernel); no effect elsewhere.
installJupyterDisplays();
