/**
 * The TES gateway (Node.js only): TES 1.1 in front of a network of sites.
 * @module
 */
export { createTesGateway, TES_BASE_PATH, type TesGateway, type TesGatewayOptions } from './gateway.js';
export { MIN_TOKEN_LENGTH, tokenProblem, type GatewayClient } from './clients.js';
export { DEFAULT_CLIENT_LIMITS, DEFAULT_TASK_LIMITS, taskLimitProblems, type ClientLimits, type TaskLimits } from './fair-use.js';
export { SqliteTaskStore } from './sqlite-store.js';
export { TaskTracker } from './task-tracker.js';
export { FINAL_TES_STATES, MemoryTaskStore, type GatewayTask, type GatewayTaskPatch, type StoreUsage, type TaskQuery, type TaskStore } from './store.js';
export { PROVENANCE_TAG_PREFIX } from './views.js';
export { connectAllowList } from './url-guard.js';
export { formatAccessLog, withAccessLog, type AccessLogEntry } from './access-log.js';
export { legacyServiceInfo, type LegacyServiceInfo } from './compat.js';
