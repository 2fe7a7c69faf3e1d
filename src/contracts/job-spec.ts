/**
 * The one job spec: the GA4GH TES task shape, for every kind of site.
 * @module
 */
import type { components } from '../../generated/tes.js';

/** A TES task as the TES 1.1 document defines it. */
export type TesTask = components['schemas']['tesTask'];
/** A TES input. `url` may also be a `file://` URL or a local path; `content` is inline data. */
export type JobInput = components['schemas']['tesInput'];
/** A TES output. `url` may also be a `file://` URL or a local path. */
export type JobOutput = components['schemas']['tesOutput'];
/** A TES executor (image, command, workdir, env, stdin, stdout, stderr). */
export type JobExecutor = components['schemas']['tesExecutor'];
/** TES resources. */
export type JobResources = components['schemas']['tesResources'];

/**
 * What to run: a TES task without the fields a server sets.
 *
 * @example
 * ```ts
 * const spec: JobSpec = {
 *   name: 'count-lines',
 *   inputs: [{ path: '/data/in.txt', url: 'file:///home/me/in.txt' }],
 *   outputs: [{ path: '/data/count.txt', url: 'file:///home/me/count.txt' }],
 *   executors: [{ image: 'alpine:3', command: ['sh', '-c', 'wc -l < /data/in.txt > /data/count.txt'] }],
 * };
 * ```
 */
export type JobSpec = Omit<TesTask, 'id' | 'state' | 'logs' | 'creation_time'>;
