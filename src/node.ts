/**
 * The Node.js (and Deno) entry: everything of the portable entry, plus what
 * needs a file system, child processes or raw sockets.
 *
 * @example
 * ```ts
 * import { HttpClient } from 'pulsar-network/node';
 * ```
 * @module
 */
export * from './index.js';

export * from './node/index.js';
// The Node.js Network builds every built-in kind of site by default; it shadows the portable one.
export { Network } from './node/network.js';
