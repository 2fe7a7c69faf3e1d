export { TesSite, WATCH_GROUP_TAG } from './tes-site.js';
export type { TesSiteOptions } from './tes-site.js';
export { fileUrlOf, localRef } from '../local-files.js';
export type { LocalFileDigest, LocalFiles, LocalRef } from '../local-files.js';
export { storageCovers } from './staging.js';
export { tesSiteFactory } from './factory.js';
