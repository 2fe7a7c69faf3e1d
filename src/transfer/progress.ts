/**
 * Throttled progress reports with a guaranteed final one.
 * @module
 */

/** A progress report of one file moving to or from a site. */
export interface TransferProgress {
  /** `up` to the site (inputs), `down` from it (outputs). */
  direction: 'up' | 'down';
  /** The file's name or destination, never a URL with secrets. */
  file: string;
  /** Bytes moved so far. */
  bytesDone: number;
  /** Total bytes, when known. */
  bytesTotal?: number;
  /** True on the last report of this file. */
  done: boolean;
}

/** Options of a {@link ProgressReporter}. */
export interface ProgressReporterOptions {
  /** The file's name in every report. */
  file: string;
  /** The direction in every report. */
  direction: TransferProgress['direction'];
  /** Least time between two reports that are not the final one, in milliseconds. @default 250 */
  intervalMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/**
 * Turns a stream of byte counts into {@link TransferProgress} reports: at most
 * one every `intervalMs`, and always exactly one final report with
 * `done: true`, whether the transfer succeeded or failed. A listener that
 * throws is ignored.
 *
 * @example
 * ```ts
 * const progress = new ProgressReporter((p) => console.log(p.bytesDone), { file: 'a.bam', direction: 'down' });
 * progress.update(1024, 4096);
 * progress.finish(4096, 4096);
 * ```
 */
export class ProgressReporter {
  readonly #emit: ((progress: TransferProgress) => void) | undefined;
  readonly #options: ProgressReporterOptions;
  readonly #now: () => number;
  readonly #interval: number;
  #last = Number.NEGATIVE_INFINITY;
  #finished = false;

  constructor(emit: ((progress: TransferProgress) => void) | undefined, options: ProgressReporterOptions) {
    this.#emit = emit;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#interval = options.intervalMs ?? 250;
  }

  /** Reports the bytes done so far, unless a report went out less than `intervalMs` ago. */
  update(bytesDone: number, bytesTotal?: number): void {
    if (this.#finished || !this.#emit) return;
    const now = this.#now();
    if (now - this.#last < this.#interval) return;
    this.#last = now;
    this.#send(bytesDone, bytesTotal, false);
  }

  /** Sends the final report (once; later calls do nothing). */
  finish(bytesDone: number, bytesTotal?: number): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#send(bytesDone, bytesTotal, true);
  }

  #send(bytesDone: number, bytesTotal: number | undefined, done: boolean): void {
    const progress: TransferProgress = { direction: this.#options.direction, file: this.#options.file, bytesDone, done };
    if (bytesTotal !== undefined) progress.bytesTotal = bytesTotal;
    try {
      this.#emit?.(progress);
    } catch {
      // Listeners must not break transfers.
    }
  }
}
