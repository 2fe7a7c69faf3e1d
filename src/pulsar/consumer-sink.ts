/**
 * A transfer sink that hands each attempt's bytes to a consumer function as a
 * stream (what `PulsarClient.downloadWith` offers).
 * @module
 */
import { TransferError } from '../errors.js';
import type { SinkWriter, TransferSink } from '../transfer/types.js';

/** A sink over `consume`, with the value of the attempt that succeeded. */
export interface ConsumerSink<T> extends TransferSink {
  /** What `consume` returned in the verified attempt. */
  value(): T;
  /** The error `consume` threw, if it threw (the transfer then failed). */
  consumerError(): unknown;
}

/**
 * Every attempt (uploads and Pulsar downloads restart whole) calls `consume`
 * with a fresh stream. A consumer that returns before the stream ended lets the
 * rest of the bytes through unread; one that throws stops the transfer.
 */
export function consumerSink<T>(
  name: string,
  consume: (body: ReadableStream<Uint8Array>, signal: AbortSignal) => Promise<T>,
): ConsumerSink<T> {
  let result: { value: T } | undefined;
  let failure: { error: unknown } | undefined;
  return {
    name,
    partial: 'restart',
    open: async ({ signal }): Promise<SinkWriter> => {
      result = undefined;
      failure = undefined;
      // Set when the transfer gave up on this attempt: the consumer then fails because of it, not on its own.
      let aborting = false;
      const pipe = new TransformStream<Uint8Array, Uint8Array>(undefined, { highWaterMark: 1 }, { highWaterMark: 1 });
      const writer = pipe.writable.getWriter();
      let returned = false;
      const consumed = (async () => consume(pipe.readable, signal))().then(
        (value) => {
          returned = true;
          return value;
        },
        (error: unknown) => {
          if (!signal.aborted && !aborting) failure = { error };
          throw error;
        },
      );
      // A consumer that fails or returns early must not leave a write waiting for a reader.
      consumed.then(
        () => writer.abort(new Error('the consumer returned')).catch(() => undefined),
        (error: unknown) => writer.abort(error).catch(() => undefined),
      );
      return {
        write: async (chunk) => {
          if (returned) return;
          try {
            await writer.ready;
            await writer.write(chunk);
          } catch (error) {
            if (!returned) throw failure ? stopped(name, failure.error) : error;
          }
        },
        close: async () => {
          if (!returned) await writer.close().catch(() => undefined);
          try {
            result = { value: await consumed };
          } catch (error) {
            throw failure ? stopped(name, failure.error) : error;
          }
        },
        abort: async (reason) => {
          aborting = true;
          await writer.abort(reason).catch(() => undefined);
          await consumed.catch(() => undefined);
        },
      };
    },
    commit: async () => undefined,
    discard: async () => undefined,
    value: () => {
      if (!result) throw new Error(`${name}: no attempt completed`);
      return result.value;
    },
    consumerError: () => failure?.error,
  };
}

/** A consumer's own failure, typed so that no layer retries it (the caller unwraps it again). */
function stopped(name: string, error: unknown): TransferError {
  const reason = error instanceof Error ? error.message : String(error);
  return new TransferError({ file: name, bytesDone: 0, attempts: 1, reason: `the consumer failed: ${reason}` }, { cause: error });
}
