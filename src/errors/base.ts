/**
 * The base of the error hierarchy: {@link PulsarNetworkError} and its brand.
 *
 * `instanceof` works across duplicated copies of the library (ESM and CJS
 * loaded side by side) because classes are matched by a registered brand,
 * not by identity.
 * @module
 */

const KINDS = Symbol.for('pulsar-network.error-kinds');

/** Options shared by every error constructor. */
export interface PulsarNetworkErrorOptions {
  /** The underlying error. */
  cause?: unknown;
}

/**
 * Base class of every error thrown by pulsar-network.
 *
 * @example
 * ```ts
 * try {
 *   await tes.getTask('nope');
 * } catch (error) {
 *   if (error instanceof NotFoundError) console.log('no such task');
 *   else if (error instanceof PulsarNetworkError) console.log(error.toJSON());
 *   else throw error;
 * }
 * ```
 */
export class PulsarNetworkError extends Error {
  /** Brand used by `instanceof`; each subclass sets its own. */
  static readonly kind: string = 'PulsarNetworkError';

  constructor(message: string, options: PulsarNetworkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, 'kind')) kinds.push((c as unknown as { kind: string }).kind);
    }
    Object.defineProperty(this, KINDS, { value: kinds, enumerable: false });
    Object.defineProperty(this, 'name', { value: new.target.kind, enumerable: false, writable: true, configurable: true });
  }

  /** Matches by brand, so errors from another copy of the library match too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const kinds = (value as { [KINDS]?: unknown })[KINDS];
    return Array.isArray(kinds) && kinds.includes(this.kind);
  }

  /** A plain, secret-free description for logs and provenance records. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) json[key] = value;
    const cause = (this as { cause?: unknown }).cause;
    if (cause !== undefined) {
      json.cause =
        cause instanceof PulsarNetworkError
          ? cause.toJSON()
          : cause instanceof Error
            ? { name: cause.name, message: cause.message }
            : cause;
    }
    return json;
  }
}

/**
 * True when the value is any pulsar-network error.
 *
 * @example
 * ```ts
 * try {
 *   await tes.getTask(id);
 * } catch (error) {
 *   if (isPulsarNetworkError(error)) console.error(error.toJSON());
 *   else throw error;
 * }
 * ```
 */
export function isPulsarNetworkError(value: unknown): value is PulsarNetworkError {
  return value instanceof PulsarNetworkError;
}
