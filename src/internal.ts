/**
 * Everything the modules export, public or not: the machinery behind the
 * curated entries (`src/index.ts`, `src/node.ts`), for this repository's
 * tests, benches and scripts. Not part of the package and not a stable API:
 * names come and go here without notice.
 * @internal
 * @module
 */
export * from './errors.js';
export { REDACTED, redactUrl } from './redact.js';
export * from './http/index.js';
export * from './tes/index.js';
export * from './pulsar/index.js';
export * from './transfer/index.js';
export * from './jobs/index.js';
export * from './sites/index.js';
export * from './network/index.js';
export * from './policy/index.js';
export * from './display/index.js';
export * from './node/index.js';
