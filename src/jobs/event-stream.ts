/**
 * The async iterable behind `job.watch()`: a bounded buffer of job events.
 * @module
 */
import { AbortError } from '../errors.js';
import type { JobEvent } from './events.js';

/** Options of `job.watch()`. */
export interface WatchOptions {
  /** Ends the watching (the iteration throws {@link AbortError}); never the job. */
  signal?: AbortSignal;
  /**
   * Most `log`, `transfer`, `site` and `error` events held for a slow reader.
   * When a new one would exceed it, the oldest of them is dropped and
   * {@link JobEventStream.dropped} counts it. `state` and `done` events are
   * never dropped (a job has a dozen of them at most).
   * @default 1000
   */
  bufferSize?: number;
}

/** Source of a stream: registers `push` for every new event, returns how to stop. */
export type JobEventSource = (push: (event: JobEvent) => void) => () => void;

const KEPT: ReadonlySet<JobEvent['type']> = new Set(['state', 'done']);

/**
 * The events of one job as an async iterable. It starts with the job's current
 * state, yields every later event in order, and ends after the `done` event.
 * Breaking out of the loop, or aborting the signal, stops the watching and
 * nothing else.
 *
 * @example
 * ```ts
 * const events = job.watch({ bufferSize: 100 });
 * for await (const event of events) {
 *   if (event.type === 'state') console.log(event.previous, '->', event.state);
 * }
 * console.log(`dropped ${events.dropped} events`);
 * ```
 */
export class JobEventStream implements AsyncIterableIterator<JobEvent> {
  readonly #buffer: JobEvent[] = [];
  readonly #limit: number;
  #droppable = 0;
  #dropped = 0;
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => {
    this.#failure = new AbortError('watching the job', { cause: this.#signal?.reason });
    this.#stop();
  };

  /** @internal Built by `job.watch()`. */
  constructor(initial: readonly JobEvent[], source: JobEventSource | undefined, options: WatchOptions = {}) {
    const limit = options.bufferSize ?? 1000;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`bufferSize must be a positive integer, got ${limit}`);
    this.#limit = limit;
    this.#signal = options.signal;
    for (const event of initial) this.#push(event);
    if (this.#ended) return;
    if (this.#signal?.aborted) {
      this.#onAbort();
      return;
    }
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#unsubscribe = source?.((event) => this.#push(event));
  }

  /** How many events were dropped because the reader fell behind by more than `bufferSize`. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The next event; waits for one; done after `done`; throws {@link AbortError} when the signal aborted. */
  async next(): Promise<IteratorResult<JobEvent, undefined>> {
    for (;;) {
      if (this.#failure) {
        const failure = this.#failure;
        this.#failure = undefined;
        this.#buffer.length = 0;
        this.#ended = true;
        throw failure;
      }
      const event = this.#buffer.shift();
      if (event) {
        if (!KEPT.has(event.type)) this.#droppable--;
        return { done: false, value: event };
      }
      if (this.#ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Stops watching (called by `break` in a `for await` loop). */
  async return(): Promise<IteratorResult<JobEvent, undefined>> {
    this.#stop();
    this.#buffer.length = 0;
    this.#failure = undefined;
    return { done: true, value: undefined };
  }

  /** The stream itself, so it works in `for await`. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  #push(event: JobEvent): void {
    if (this.#ended) return;
    if (!KEPT.has(event.type)) {
      if (this.#droppable >= this.#limit) {
        const oldest = this.#buffer.findIndex((e) => !KEPT.has(e.type));
        this.#buffer.splice(oldest, 1);
        this.#droppable--;
        this.#dropped++;
      }
      this.#droppable++;
    }
    this.#buffer.push(event);
    if (event.type === 'done') this.#stop();
    this.#notify();
  }

  #stop(): void {
    this.#ended = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
