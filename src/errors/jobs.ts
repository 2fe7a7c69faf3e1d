/**
 * Job-level errors: no site may run a job; a job ended without success.
 * @module
 */
import { PulsarNetworkError, type PulsarNetworkErrorOptions } from './base.js';

/**
 * No site of the network may run the job. `decision` explains why.
 *
 * @example
 * ```ts
 * const result = await network.submit(spec).wait();
 * if (result.error instanceof NoEligibleSiteError) console.error(result.error.message, result.error.decision);
 * ```
 */
export class NoEligibleSiteError extends PulsarNetworkError {
  static override readonly kind: string = 'NoEligibleSiteError';
  /** The site selection's decision record: why each site was ruled out. */
  readonly decision: unknown;

  constructor(decision: unknown, message = 'no eligible site for this job', options: PulsarNetworkErrorOptions = {}) {
    super(message, options);
    this.decision = decision;
  }
}
