/**
 * The sha256 of a transfer, computed inline or in a worker thread.
 *
 * `transfer()` hashes inline (see OFFLOAD in run.ts): measured again in
 * bench/transfer under load, the worker's copies into 1 MiB batches and its
 * messages cost about as much main-thread CPU as hashing itself and kept the
 * batches alive long enough to cause full GCs. The worker stays available to
 * callers that have a spare core: chunks are copied into 1 MiB batches whose
 * buffers are handed to the worker without a copy, at most four batches in
 * flight per hash (4 MiB), and the worker is only kept referenced while it has
 * work. Elsewhere (Deno, browsers, small sizes) the hash runs inline through
 * {@link createSha256}.
 *
 * `node:worker_threads` is looked up at run time, never imported, so this
 * module stays in the portable entry.
 * @module
 */
import { createSha256 } from './sha256.js';

/** An incremental sha256 whose `update` may ask the caller to wait (back-pressure). */
export interface StreamHash {
  /** Adds bytes (copied before it returns); a promise means: wait for it before the next update. */
  update(bytes: Uint8Array): Promise<void> | undefined;
  /** Finishes and returns the lowercase hex digest. */
  digestHex(): Promise<string>;
  /** Forgets the hash without finishing it (the bytes are started over). */
  drop(): void;
}

/** Transfers smaller than this hash inline: starting a worker costs more than it saves. */
const OFFLOAD_FROM = 8 * 1024 * 1024;
const BATCH = 1024 * 1024;
const MAX_IN_FLIGHT = 4;

/**
 * A new sha256 for a transfer of `size` bytes (when known): in the shared
 * worker when `offload` is asked, the runtime has one and the transfer is
 * large or of unknown size, else inline.
 */
export async function createStreamHash(size: number | undefined, offload = true): Promise<StreamHash> {
  const worker = !offload || (size !== undefined && size < OFFLOAD_FROM) ? undefined : hashWorker();
  if (worker) return worker.open();
  const hash = await createSha256();
  return {
    update: (bytes) => void hash.update(bytes),
    digestHex: async () => hash.digestHex(),
    drop: () => undefined,
  };
}

interface WorkerLike {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  on(event: 'message', listener: (message: Reply) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  ref(): void;
  unref(): void;
}
type WorkerThreads = { Worker: new (code: string, options: { eval: true }) => WorkerLike };
type Reply = { id: number; op: 'ack'; buffer: ArrayBuffer } | { id: number; op: 'digest'; hex: string };

const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = hashes.get(m.id);
    if (!h) hashes.set(m.id, (h = createHash('sha256')));
    h.update(new Uint8Array(m.buffer, 0, m.length));
    parentPort.postMessage({ id: m.id, op: 'ack', buffer: m.buffer }, [m.buffer]);
  } else if (m.op === 'digest') {
    const h = hashes.get(m.id) || createHash('sha256');
    hashes.delete(m.id);
    parentPort.postMessage({ id: m.id, op: 'digest', hex: h.digest('hex') });
  } else if (m.op === 'drop') {
    hashes.delete(m.id);
  }
});
`;

let shared: HashWorker | undefined | null;

/** The shared worker, started on first use; `undefined` where the runtime has none. */
function hashWorker(): HashWorker | undefined {
  if (shared !== undefined) return shared ?? undefined;
  shared = null;
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  // Deno has node:worker_threads too, but its own workers; keep this to Node.
  if (typeof proc?.versions?.node !== 'string' || typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined') return undefined;
  const threads = proc.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined;
  if (!threads?.Worker) return undefined;
  try {
    shared = new HashWorker(new threads.Worker(WORKER_CODE, { eval: true }));
  } catch {
    return undefined;
  }
  return shared;
}

interface Job {
  inFlight: number;
  /** Resolved when a batch of this job is acknowledged. */
  wake?: () => void;
  digest?: { resolve: (hex: string) => void; reject: (error: unknown) => void };
}

class HashWorker {
  readonly #worker: WorkerLike;
  readonly #jobs = new Map<number, Job>();
  readonly #spare: ArrayBuffer[] = [];
  #nextId = 1;
  #busy = 0;
  #failed: Error | undefined;

  constructor(worker: WorkerLike) {
    this.#worker = worker;
    worker.on('message', (reply) => this.#onReply(reply));
    worker.on('error', (error) => {
      this.#failed = error;
      shared = null;
      for (const job of this.#jobs.values()) {
        job.digest?.reject(error);
        job.wake?.();
      }
      this.#jobs.clear();
    });
    // After the listeners: adding a 'message' listener refs the worker again, and a transfer
    // aborted before its first batch (a drop, which gets no reply) would keep the process alive.
    worker.unref();
  }

  open(): StreamHash {
    const id = this.#nextId++;
    const job: Job = { inFlight: 0 };
    this.#jobs.set(id, job);
    let batch = this.#buffer();
    let filled = 0;
    const send = (): void => {
      if (filled === 0) return;
      this.#post({ id, op: 'update', buffer: batch, length: filled }, [batch]);
      job.inFlight++;
      batch = this.#buffer();
      filled = 0;
    };
    const wait = (): Promise<void> => new Promise<void>((resolve) => (job.wake = resolve));
    return {
      update: (bytes) => {
        if (this.#failed) throw this.#failed;
        let at = 0;
        while (at < bytes.byteLength) {
          const take = Math.min(bytes.byteLength - at, BATCH - filled);
          new Uint8Array(batch, filled, take).set(bytes.subarray(at, at + take));
          filled += take;
          at += take;
          if (filled === BATCH) send();
        }
        return job.inFlight >= MAX_IN_FLIGHT ? wait() : undefined;
      },
      digestHex: () => {
        if (this.#failed) return Promise.reject(this.#failed);
        send();
        const done = new Promise<string>((resolve, reject) => (job.digest = { resolve, reject }));
        this.#post({ id, op: 'digest' });
        return done;
      },
      drop: () => {
        if (!this.#jobs.delete(id) || this.#failed) return;
        this.#post({ id, op: 'drop' });
      },
    };
  }

  /** Sends a message; the worker is referenced (keeps the process alive) while any reply is due. */
  #post(message: { id: number; op: string; buffer?: ArrayBuffer; length?: number }, transfer?: ArrayBuffer[]): void {
    if (message.op !== 'drop' && this.#busy++ === 0) this.#worker.ref();
    this.#worker.postMessage(message, transfer);
  }

  #onReply(reply: Reply): void {
    if (--this.#busy === 0) this.#worker.unref();
    const job = this.#jobs.get(reply.id);
    if (reply.op === 'ack') {
      if (this.#spare.length < 8) this.#spare.push(reply.buffer);
      if (!job) return;
      job.inFlight--;
      const wake = job.wake;
      job.wake = undefined;
      wake?.();
      return;
    }
    this.#jobs.delete(reply.id);
    job?.digest?.resolve(reply.hex);
  }

  #buffer(): ArrayBuffer {
    return this.#spare.pop() ?? new ArrayBuffer(BATCH);
  }
}
