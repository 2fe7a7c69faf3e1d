/**
 * A set of callbacks told about one kind of change, each in isolation: a
 * listener that throws neither stops the others nor reaches the notifier.
 * @module
 */

/** Callbacks for one kind of change. */
export class Listeners<T> {
  readonly #callbacks = new Set<(value: T) => void>();

  /**
   * Adds a callback; the function returned removes it.
   *
   * @example
   * ```ts
   * const changes = new Listeners<string>();
   * const stop = changes.add((id) => console.log(id));
   * changes.notify('job-1');
   * stop();
   * ```
   */
  add(callback: (value: T) => void): () => void {
    this.#callbacks.add(callback);
    return () => this.#callbacks.delete(callback);
  }

  /** Calls every callback registered now (one added meanwhile waits for the next change). */
  notify(value: T): void {
    for (const callback of [...this.#callbacks]) {
      try {
        callback(value);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  /** Removes every callback. */
  clear(): void {
    this.#callbacks.clear();
  }
}
