/**
 * Live logs: following a job's output while it runs, with the site's
 * optional `readLogs`, and keeping the final logs from repeating it.
 * @module
 */
import type { LogChunk, Site } from '../sites/site.js';
import type { JobLogEvent } from './events.js';
import type { JobState } from './state.js';

/** A `log` event's content, before the job stamps it. */
export type LogLine = Omit<JobLogEvent, 'type' | 'jobId' | 'time'>;

/**
 * What a job streamed of each executor's stdout and stderr, counted in bytes
 * of the stream (skipped bytes included), and the rule that keeps the final
 * logs from repeating it.
 *
 * The rule: a stream of which `n` bytes were streamed gets, at the end, only
 * the collected text past its first `n` bytes (UTF-8), and nothing when the
 * collected text is not longer. That is exact when the collected text is the
 * whole stream, and when the job read the stream to its end after the job
 * ended (a job following its logs always does that last read, so then the
 * end adds nothing even when the site collects only a tail of a long log).
 */
export class StreamedLogs {
  readonly #ends = new Map<string, number>();

  /** Forgets what was streamed: the job moved to another site or remote job. */
  reset(): void {
    this.#ends.clear();
  }

  /** The events of a chunk: a `system` line first when bytes were skipped, then the new text. */
  accept(chunk: LogChunk): LogLine[] {
    const key = `${chunk.executor}.${chunk.stream}`;
    const end = this.#ends.get(key) ?? 0;
    if (chunk.offset + chunk.bytes <= end) return [];
    const lines: LogLine[] = [];
    let text = chunk.text;
    if (chunk.offset > end) {
      const skipped = chunk.offset - end;
      lines.push({ stream: 'system', text: `${chunk.stream} of executor ${chunk.executor}: skipped ${skipped} bytes (more arrived between two reads than one read returns)` });
    } else if (chunk.offset < end) {
      text = new TextDecoder().decode(new TextEncoder().encode(text).subarray(end - chunk.offset));
    }
    this.#ends.set(key, chunk.offset + chunk.bytes);
    if (text) lines.push({ stream: chunk.stream, executor: chunk.executor, text });
    return lines;
  }

  /** The part of the collected `text` of a stream that was not streamed (see the class's rule). */
  rest(executor: number, stream: 'stdout' | 'stderr', text: string): string {
    const streamed = this.#ends.get(`${executor}.${stream}`) ?? 0;
    if (streamed === 0) return text;
    const bytes = new TextEncoder().encode(text);
    return bytes.length > streamed ? new TextDecoder().decode(bytes.subarray(streamed)) : '';
  }
}

/** What a {@link LogFollower} feeds: the job's control, in part. */
export interface LogSink {
  /** Whether someone hears `log` events (a `log` listener or a `watch()` stream). */
  readonly wantsLogs: boolean;
  /** Takes a chunk read (see `JobControl.stream`). */
  stream(chunk: LogChunk): void;
  /** Hears the first failed read of a run of failures. */
  error(error: Error): void;
}

/** Options of a {@link LogFollower}. */
export interface LogFollowOptions {
  /** Most bytes of each stream one read returns; see `ReadLogsOptions.maxBytes`. */
  maxBytes?: number;
}

/**
 * Follows one job's logs with `site.readLogs` (it does nothing on a site
 * without it): one read per `poll()` (the driver calls it at each status
 * poll of the job, so the logs come at the job's poll cadence and stop with
 * it), none while one is in flight, while the job is not running, or while
 * nobody hears `log` events. A failed read is reported once per run of
 * failures as a non-fatal error; the next poll tries again.
 *
 * @example
 * ```ts
 * declare const control: JobControl;
 * declare const status: SiteJobStatus;
 * const follower = new LogFollower(site, remoteId, control);
 * // at each poll of the job:
 * follower.poll(status.state);
 * // at its end, before collecting:
 * await follower.drain();
 * ```
 */
export class LogFollower {
  readonly #site: Site;
  readonly #remoteId: string;
  readonly #sink: LogSink;
  readonly #maxBytes: number | undefined;
  #cursor: string | undefined;
  #reading: Promise<void> | undefined;
  #started = false;
  #failing = false;

  constructor(site: Site, remoteId: string, sink: LogSink, options: LogFollowOptions = {}) {
    this.#site = site;
    this.#remoteId = remoteId;
    this.#sink = sink;
    this.#maxBytes = options.maxBytes;
  }

  /** Reads once, unless a read is in flight, the job is not `running` or `canceling`, or nobody listens. */
  poll(state: JobState): void {
    if (this.#reading || (state !== 'running' && state !== 'canceling') || !this.#sink.wantsLogs) return;
    this.#reading = this.#read(false).finally(() => {
      this.#reading = undefined;
    });
  }

  /** After the job ended: waits for a read in flight, then reads what is left, if the logs were followed at all. */
  async drain(): Promise<void> {
    await this.#reading;
    if (this.#started) await this.#read(true);
  }

  async #read(final: boolean): Promise<void> {
    const readLogs = this.#site.readLogs?.bind(this.#site);
    if (!readLogs) return;
    this.#started = true;
    try {
      const options = { final, ...(this.#maxBytes === undefined ? {} : { maxBytes: this.#maxBytes }) };
      const read = await readLogs(this.#remoteId, this.#cursor, options);
      for (const chunk of read.chunks) this.#sink.stream(chunk);
      this.#cursor = read.cursor;
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#sink.error(error instanceof Error ? error : new Error(String(error)));
      this.#failing = true;
    }
  }
}
