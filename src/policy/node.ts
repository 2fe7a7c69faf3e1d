/**
 * The URL policy's Node.js part: canonical paths, the resolver, and a fetch
 * that checks every address it connects to.
 * @module
 */
export { canonicalPath, canonicalPathSync, nodeUrlPolicyEnvironment, systemResolver, type HostResolver, type NodeUrlPolicyOptions } from './node-environment.js';
export { guardedFetch, type GuardedFetchOptions } from './guarded-fetch.js';
