/**
 * The portable entry: runs on Node.js, Deno and browsers. A network of
 * sites that picks one for every job, jobs with typed events, and a TES
 * client. Also portable, each in an entry of its own so a page loads only
 * what it uses: the site adapters (`pulsar-network/sites`), Pulsar's own
 * protocol (`pulsar-network/pulsar`) and verified transfers
 * (`pulsar-network/transfer`); a network loads its sites' code when it first
 * builds one. The local site, files, AMQP and the TES gateway live in
 * `pulsar-network/node`, which has everything.
 *
 * Every name here is a decision (test/unit/public-api.test.ts lists them);
 * the machinery behind them is not exported.
 *
 * @example
 * ```ts
 * import { TesClient } from 'pulsar-network';
 * const tes = new TesClient({ baseUrl: 'https://tes.example.org/ga4gh/tes/v1' });
 * console.log((await tes.serviceInfo()).name);
 * ```
 * @module pulsar-network
 */
export {
  AbortError,
  AuthenticationError,
  BlockedAddressError,
  ConnectionError,
  HttpError,
  IntegrityError,
  NoEligibleSiteError,
  NotFoundError,
  ProtocolError,
  PulsarNetworkError,
  RateLimitError,
  ResponseTooLargeError,
  ServerError,
  TimeoutError,
  TransferError,
  ValidationError,
} from './errors.js';
export { JobFailedError, UnknownJobError } from './jobs/errors.js';

export type { Auth, TokenProvider } from './http/auth.js';
export { HttpClient } from './http/client.js';
export type { FetchLike, HttpClientOptions } from './http/client.js';
export type { RetryOptions } from './http/retry.js';

export { TesClient } from './tes/client.js';
export type { CallOptions, TesClientOptions } from './tes/client.js';
export type { TesState } from './tes/states.js';
export type { BasicTask, FullTask, MinimalTask, TesServiceInfo } from './tes/types.js';

export { Job } from './jobs/job.js';
export type { JobWaitOptions } from './jobs/job.js';
export { isTerminalState } from './jobs/state.js';
export type { JobState } from './jobs/state.js';
export type { JobSpec, TesTask } from './contracts/job-spec.js';
export type { JobDoneEvent, JobEvent, JobLogEvent, JobResult, JobStateEvent, JobTransferEvent } from './jobs/events.js';
export { attachJob, submitJob } from './jobs/run.js';
export type { SubmitJobOptions } from './jobs/run.js';
export { JobEngine } from './jobs/engine.js';

export type { Site, SiteKind } from './sites/site.js';

export { Network } from './network/network.js';
export type { NetworkOptions, NetworkSubmitOptions } from './network/network.js';
export type { NetworkConfig, SiteConfig } from './network/config-types.js';
// decide() replays a decision record (docs/decision-record.md).
export { decide } from './network/decision.js';
export type { DecisionRecord } from './network/decision.js';
export { SiteRegistry } from './network/registry.js';
export type { SiteFactory } from './network/registry.js';
export type { SelectionRequest, SiteSelector } from './network/types.js';
export {
  balanced,
  composite,
  dataLocality,
  earliestCompletion,
  fastest,
  leastLoaded,
  pinned,
  resourceFit,
  roundRobin,
  tags,
  weightedRandom,
} from './network/strategies/index.js';

// Job transfer events carry it; the transfers themselves are in pulsar-network/transfer.
export type { TransferProgress } from './transfer/progress.js';
