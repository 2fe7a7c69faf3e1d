export { TesSite, WATCH_GROUP_TAG } from './tes-site.js';
export type { TesSiteOptions } from './tes-site.js';
export { fileUrlOf, localRef } from '../../contracts/local-files.js';
export type { LocalFileDigest, LocalFiles, LocalRef } from '../../contracts/local-files.js';
export { storageCovers } from './staging.js';
