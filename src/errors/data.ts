/**
 * Bad data: malformed input, a protocol breach, refused addresses, failed transfers and integrity checks.
 * @module
 */
import { PulsarNetworkError, type PulsarNetworkErrorOptions } from './base.js';

/** One problem found in an input, with the JSON path where it is. */
export interface ValidationIssue {
  /** JSON path of the offending value, e.g. `$.executors[0].image`. */
  path: string;
  /** What is wrong there. */
  message: string;
}

/**
 * The input (a task, a job, a config) is malformed. Nothing was sent.
 *
 * @example
 * ```ts
 * try {
 *   validateNetworkConfig({ sites: [] });
 * } catch (error) {
 *   if (error instanceof ValidationError) for (const issue of error.issues) console.error(issue.path, issue.message);
 * }
 * ```
 */
export class ValidationError extends PulsarNetworkError {
  static override readonly kind: string = 'ValidationError';
  /** Every problem found, each with its JSON path. */
  readonly issues: readonly ValidationIssue[];

  constructor(what: string, issues: readonly ValidationIssue[], options: PulsarNetworkErrorOptions = {}) {
    const list = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
    super(`invalid ${what} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${list}`, options);
    this.issues = issues;
  }
}

/**
 * The server answered something its protocol does not allow.
 *
 * @example
 * ```ts
 * await pulsar.status(jobId).catch((error) => {
 *   if (error instanceof ProtocolError) console.error(error.where, error.excerpt);
 *   throw error;
 * });
 * ```
 */
export class ProtocolError extends PulsarNetworkError {
  static override readonly kind: string = 'ProtocolError';
  /** Where the answer came from, e.g. `GET /tasks/{id}`. */
  readonly where: string;
  /** A short, redacted excerpt of the offending answer. */
  readonly excerpt?: string;

  constructor(fields: { where: string; problem: string; excerpt?: string }, options: PulsarNetworkErrorOptions = {}) {
    super(`${fields.where}: ${fields.problem}${fields.excerpt ? ` (got: ${fields.excerpt})` : ''}`, options);
    this.where = fields.where;
    if (fields.excerpt !== undefined) this.excerpt = fields.excerpt;
  }
}

/**
 * An answer was larger than the cap set for it (a JSON document, a status,
 * a file read whole); the rest was not read.
 *
 * @example
 * ```ts
 * await http.json({ path: 'tasks', maxBytes: 1 << 20 }).catch((error) => {
 *   if (error instanceof ResponseTooLargeError) console.error(error.where, error.limitBytes);
 *   throw error;
 * });
 * ```
 */
export class ResponseTooLargeError extends ProtocolError {
  static override readonly kind: string = 'ResponseTooLargeError';
  /** The cap that was passed, in bytes. */
  readonly limitBytes: number;

  constructor(fields: { where: string; limitBytes: number }, options: PulsarNetworkErrorOptions = {}) {
    super({ where: fields.where, problem: `the answer is larger than ${fields.limitBytes} bytes, the most read from it` }, options);
    this.limitBytes = fields.limitBytes;
  }
}

/**
 * A connection was not made because the address it led to is refused by
 * the URL policy (a loopback, private, link-local or metadata address, at
 * the first request or after a redirect). Nothing was sent.
 *
 * @example
 * ```ts
 * const guarded = guardedFetch({});
 * await transfer({ from: urlSourceFor(url, { http: { fetch: guarded } }), to }).catch((error) => {
 *   if (error.cause instanceof BlockedAddressError) console.error(error.cause.rule, error.cause.host);
 *   throw error;
 * });
 * ```
 */
export class BlockedAddressError extends PulsarNetworkError {
  static override readonly kind: string = 'BlockedAddressError';
  /** The URL policy rule that refused it. */
  readonly rule: 'private-address' | 'scheme';
  /** The host name or address asked for. */
  readonly host: string;

  constructor(fields: { host: string; rule: 'private-address' | 'scheme'; reason: string }, options: PulsarNetworkErrorOptions = {}) {
    super(`refused by rule ${fields.rule}: ${fields.reason}`, options);
    this.host = fields.host;
    this.rule = fields.rule;
  }
}

/**
 * Moving a file failed after every allowed attempt.
 *
 * @example
 * ```ts
 * await transfer({ from, to }).catch((error) => {
 *   if (error instanceof TransferError) console.error(error.file, error.attempts, error.bytesDone, error.cause);
 *   throw error;
 * });
 * ```
 */
export class TransferError extends PulsarNetworkError {
  static override readonly kind: string = 'TransferError';
  /** The file (a name or redacted URL) that failed to move. */
  readonly file: string;
  /** Bytes moved before the last failure. */
  readonly bytesDone: number;
  /** Attempts made, the first included. */
  readonly attempts: number;

  constructor(
    fields: { file: string; bytesDone: number; attempts: number; reason: string },
    options: PulsarNetworkErrorOptions = {},
  ) {
    super(`transfer of ${fields.file} failed after ${fields.attempts} attempt(s) at byte ${fields.bytesDone}: ${fields.reason}`, options);
    this.file = fields.file;
    this.bytesDone = fields.bytesDone;
    this.attempts = fields.attempts;
  }
}

/**
 * Bytes arrived whole but are not the expected ones: their size or sha256 differs.
 *
 * @example
 * ```ts
 * await transfer({ from, to, expected: { sha256 } }).catch((error) => {
 *   // after the last attempt, the mismatch is the cause of the TransferError
 *   if (error instanceof TransferError && error.cause instanceof IntegrityError) console.error(error.cause.check, error.cause.expected, error.cause.actual);
 *   throw error;
 * });
 * ```
 */
export class IntegrityError extends PulsarNetworkError {
  static override readonly kind: string = 'IntegrityError';
  /** The file checked (its name or destination; never a URL with secrets). */
  readonly file: string;
  /** Which check failed. */
  readonly check: 'size' | 'sha256';
  /** The expected value: a size in bytes or a hex sha256, as text. */
  readonly expected: string;
  /** The value the bytes have, in the same form. */
  readonly actual: string;

  constructor(
    fields: { file: string; check: 'size' | 'sha256'; expected: string | number; actual: string | number },
    options: PulsarNetworkErrorOptions = {},
  ) {
    super(`${fields.file}: ${fields.check} is ${fields.actual}, expected ${fields.expected}`, options);
    this.file = fields.file;
    this.check = fields.check;
    this.expected = String(fields.expected);
    this.actual = String(fields.actual);
  }
}
