/**
 * How a {@link PulsarClient} waits for a job and runs one upload or download
 * through the transfer engine with its limits. Portable.
 * @module
 */
import { AbortError, ConnectionError, HttpError, ProtocolError, TimeoutError, TransferError } from '../errors.js';
import { parseJson, readCapped, type HttpClient, type RetryOptions } from '../http/index.js';
import { uploadSink } from '../transfer/sinks.js';
import { transfer, type TransferResult } from '../transfer/transfer.js';
import type { TransferSink, TransferSource } from '../transfer/types.js';
import { anySignal, sleep } from '../util/abort.js';
import type { PulsarCallOptions, PulsarDownloadOptions, PulsarTransferDefaults } from './client-options.js';
import { isPermanent, signal as signalOf } from './requests.js';
import { parsePulsarPath, type PulsarJobStatus } from './status.js';
import type { PulsarUploadType } from './wire.js';

/** Largest answer to an upload read (a path in JSON), in bytes. */
const UPLOAD_ANSWER_BYTES = 1024 * 1024;

/** Options of {@link PulsarClient.wait}. */
export interface PulsarWaitOptions {
  /** Aborts the wait; it then rejects with AbortError. */
  signal?: AbortSignal;
  /** Time between status reads, in milliseconds (at least 50). @default 1000 */
  interval?: number;
  /** Time limit of the whole wait, in milliseconds. @default Infinity */
  timeout?: number;
  /** Called with every status read. */
  onStatus?: (status: PulsarJobStatus) => void;
}

type StatusRead = (options: PulsarCallOptions & { retry: RetryOptions; totalTimeout: number }) => Promise<PulsarJobStatus>;

/** Reads the status until the job is terminal; a {@link TimeoutError} past `timeout`. */
export async function waitForPulsarJob(status: StatusRead, jobId: string, options: PulsarWaitOptions): Promise<PulsarJobStatus> {
  const interval = Math.max(50, options.interval ?? 1000);
  const limit = options.timeout ?? Number.POSITIVE_INFINITY;
  const ends = Date.now() + limit;
  for (;;) {
    // Rides over outages: connection errors and 5xx of this read are retried
    // (backoff capped near the interval) until the wait's own time is up.
    const remaining = ends - Date.now();
    const current = await status({
      ...signalOf(options),
      retry: { retries: Number.MAX_SAFE_INTEGER, unreachableRetries: Number.MAX_SAFE_INTEGER, maxDelay: Math.max(interval, 2000), maxRetryTime: remaining },
      totalTimeout: remaining,
    });
    options.onStatus?.(current);
    if (current.terminal) return current;
    if (Date.now() + interval > ends) {
      throw new TimeoutError({ scope: 'wait', timeoutMs: limit, what: `waiting for Pulsar job ${jobId} (last status ${current.status})` });
    }
    await sleep(interval, options.signal, `waiting for Pulsar job ${jobId}`);
  }
}

/** One file's move, as the client hands it to the transfer engine. */
export interface PulsarFileMove {
  from: TransferSource;
  to: TransferSink;
  direction: 'up' | 'down';
  /** The file's name, for errors. */
  name: string;
}

/**
 * One upload or download through the transfer engine with the client's
 * settings and time limit (a {@link TimeoutError} past it). A permanent HTTP
 * answer (a wrong token, a refused name) is thrown as it is.
 */
export async function pulsarTransfer(client: { timeout: number; defaults: PulsarTransferDefaults }, move: PulsarFileMove, options: PulsarDownloadOptions): Promise<TransferResult> {
  const limit = client.timeout;
  const deadline = Number.isFinite(limit) ? AbortSignal.timeout(limit) : undefined;
  const signal = deadline ? (anySignal([options.signal, deadline]) as AbortSignal) : options.signal;
  try {
    return await transfer({
      from: move.from,
      to: move.to,
      direction: move.direction,
      ...client.defaults,
      ...(options.retry !== undefined && { retry: options.retry }),
      ...(signal && { signal }),
      ...(options.expected && { expected: options.expected }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
  } catch (error) {
    if (error instanceof AbortError && deadline?.aborted && !options.signal?.aborted) {
      throw new TimeoutError({ scope: 'transfer', timeoutMs: limit, what: `${move.direction === 'up' ? 'upload' : 'download'} of ${move.name}` }, { cause: error });
    }
    if (error instanceof TransferError && error.cause instanceof HttpError && isPermanent(error.cause.status)) throw error.cause;
    throw error;
  }
}

/** The sink of one upload (`POST /jobs/{id}/files`), and the server path its answer gave. */
export function uploadTo(http: HttpClient, jobId: string, name: string, type: PulsarUploadType): { sink: TransferSink; path: () => string } {
  const where = 'POST /jobs/{job_id}/files';
  let path: string | undefined;
  const sink = uploadSink(http, {
    method: 'POST',
    path: `jobs/${encodeURIComponent(jobId)}/files`,
    query: { name, type },
    name,
    // The answer comes once the server wrote the whole body; only then is the path known.
    onResponse: async (response) => {
      // The file is written before the answer is sent, so sending it again is safe: an answer
      // cut short is a broken connection, retried like one.
      const text = new TextDecoder().decode(await readCapped(response.body, UPLOAD_ANSWER_BYTES, where));
      try {
        path = parsePulsarPath(parseJson<unknown>(text, where, http.secrets), where);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        throw new ConnectionError({ method: 'POST', url: where, mayHaveBeenSent: true, reason: `unreadable answer: ${error.message}` }, { cause: error });
      }
    },
  });
  return {
    sink,
    path: () => {
      if (path === undefined) throw new ProtocolError({ where, problem: 'the upload was answered without a path' });
      return path;
    },
  };
}
