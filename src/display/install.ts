/**
 * Puts the {@link JUPYTER_DISPLAY} method on the classes of the lower
 * layers (`Job`, `Network`, `TaskList`), which cannot import this layer.
 * @module
 */
import { Job } from '../jobs/job.js';
import { Network } from '../network/network.js';
import { TaskList } from '../tes/list.js';
import { JUPYTER_DISPLAY, jobBundle, networkBundle, taskPageBundle, type MimeBundle } from './bundles.js';

const methods: Array<[object, () => MimeBundle | Promise<MimeBundle>]> = [
  [
    Job.prototype,
    function (this: Job) {
      return jobBundle(this);
    },
  ],
  [
    Network.prototype,
    function (this: Network) {
      return networkBundle(this);
    },
  ],
  [
    TaskList.prototype,
    // the first page (fetched once, as awaiting the list does)
    async function (this: TaskList<unknown>) {
      return taskPageBundle(await this);
    },
  ],
];

/**
 * Makes jobs, networks and task lists show themselves richly as the value of
 * a notebook cell. The package entries call it when loaded; calling it again
 * does nothing. Outside a notebook nothing calls the method.
 *
 * @example
 * ```ts
 * installJupyterDisplays();
 * declare const job: Job;
 * console.log(JUPYTER_DISPLAY in job); // true
 * ```
 */
export function installJupyterDisplays(): void {
  for (const [prototype, method] of methods) {
    if (Object.prototype.hasOwnProperty.call(prototype, JUPYTER_DISPLAY)) continue;
    Object.defineProperty(prototype, JUPYTER_DISPLAY, { value: method, writable: true, configurable: true, enumerable: false });
  }
}
