export { LocalSite } from './local-site.js';
export type { HostExecution } from './local-site.js';
export type { LocalBind, LocalSiteOptions } from './options.js';
export type { LocalCleanup } from './work-dir.js';
export { probeBubblewrap, type SandboxProbe } from './sandbox-probe.js';
export { detectContainerRuntimes, isRuntimeAvailable } from './runtime.js';
export { CONTAINER_RUNTIMES } from '../../executor/script.js';
export type { ContainerRuntime } from '../../executor/script.js';
