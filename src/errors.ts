/**
 * The error hierarchy. Every error this library throws extends
 * {@link PulsarNetworkError}, carries `cause`, and never contains a secret.
 * One file per family under `errors/`; this module gathers them.
 * @module
 */
export { isPulsarNetworkError, PulsarNetworkError, type PulsarNetworkErrorOptions } from './errors/base.js';
export {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  HttpError,
  type HttpErrorFields,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
} from './errors/http.js';
export { AbortError, ConnectionError, TimeoutError, type TimeoutScope } from './errors/transport.js';
export {
  BlockedAddressError,
  IntegrityError,
  ProtocolError,
  ResponseTooLargeError,
  TransferError,
  ValidationError,
  type ValidationIssue,
} from './errors/data.js';
export { NoEligibleSiteError } from './errors/jobs.js';
