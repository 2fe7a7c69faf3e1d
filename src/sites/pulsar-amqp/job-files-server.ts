/**
 * The job-files server: the small HTTP API a Pulsar server in message-queue
 * mode pulls inputs from and pushes outputs to (`remote_transfer` actions),
 * as Galaxy's job-files API does. Node-only.
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, constants as fsConstants } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { fileSink } from '../../transfer/node/file-sink.js';
import { sha256Stream } from '../../transfer/sha256.js';
import { streamSource } from '../../transfer/sources.js';
import { transfer } from '../../transfer/transfer.js';

/** Where the bytes of one input come from. */
export type JobFileSource =
  | {
      /** A local file, streamed from disk at each GET. */
      kind: 'file';
      /** Its absolute path. */
      path: string;
    }
  | {
      /** Bytes held in memory (an input with inline content). */
      kind: 'bytes';
      /** The content. */
      bytes: Uint8Array;
    };

/** What one job may read and write. */
export interface JobFilesGrant {
  /** Inputs Pulsar may GET, by the `path` it asks for (with `file_type=input`). */
  inputs: ReadonlyMap<string, JobFileSource>;
  /**
   * Outputs Pulsar may POST, by `path` (with `file_type=output`), each with
   * the local file it is finally delivered to. A received output waits beside
   * that file under a hidden name (`.<name>.<job id>.received`) until its
   * receiver has verified it and moves it into place.
   */
  outputs: ReadonlyMap<string, string>;
}

/** An output as received, not yet delivered. */
export interface ReceivedOutput {
  /** The hidden file beside the destination holding the bytes. */
  file: string;
  /** Where it goes once verified. */
  destination: string;
  /** Bytes received. */
  sizeBytes: number;
  /** Lowercase hex sha256. */
  sha256: string;
}

/** Options of a {@link JobFilesServer}. */
export interface JobFilesServerOptions {
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 asks the OS for a free one. @default 0 */
  port?: number;
  /**
   * Base URL Pulsar reaches this server at, when it differs from the listening
   * address (a proxy, NAT, a public name). @default `http://<host>:<port>`
   */
  publicUrl?: string;
  /** Called after each completed transfer, for progress reports. */
  onTransfer?: (event: { jobId: string; direction: 'in' | 'out'; path: string; sizeBytes: number }) => void;
  /** Largest output accepted, in bytes: a larger upload is answered 413 and nothing of it is kept. @default 64 GiB */
  maxOutputBytes?: number;
}

/** The default of {@link JobFilesServerOptions.maxOutputBytes}. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 ** 3;
/** The largest header of a multipart part (busboy's limit); a larger one is answered 413. */
const PART_HEADER_BYTES = 16 * 1024;
/** Room for the multipart framing around an output when its Content-Length is checked. */
const FRAMING_BYTES = 64 * 1024;

const ROUTE = /^\/api\/jobs\/([A-Za-z0-9_-]{1,128})\/files$/;
/** A job key as {@link newJobFilesKey} makes it: 32 random bytes, base64url. */
export const JOB_FILES_KEY = /^[A-Za-z0-9_-]{43}$/;
/** Bytes of a refused request body read (and dropped) before the connection is cut. */
const DRAIN_LIMIT = 1 << 20;

interface JobEntry {
  keyHash: Buffer;
  grant: JobFilesGrant;
  received: Map<string, ReceivedOutput>;
}

/**
 * Serves the files of registered jobs to Pulsar: `GET ?path=&file_type=input`
 * streams an input, `POST` with a multipart `file` field streams an output to
 * disk (hashed on the way). Each job has its own unguessable key; a request
 * with a wrong key, an unknown job, or a path or type not registered for that
 * job gets 403 and nothing is read or written. The request path must be
 * exactly `/api/jobs/<job id>/files` (nothing normalised), and file paths are
 * looked up, never joined onto a directory, so there is no traversal.
 *
 * @example
 * ```ts
 * const server = new JobFilesServer({ host: '127.0.0.1' });
 * await server.listen();
 * const endpoint = server.register('job1', {
 *   inputs: new Map([['/data/in.txt', { kind: 'file', path: '/home/me/in.txt' }]]),
 *   outputs: new Map([['output-0', '/home/me/out.txt']]),
 * });
 * // endpoint: http://127.0.0.1:PORT/api/jobs/job1/files?job_key=…
 * ```
 */
export class JobFilesServer {
  readonly #options: JobFilesServerOptions;
  readonly #jobs = new Map<string, JobEntry>();
  #server: Server | undefined;
  #base: string | undefined;

  constructor(options: JobFilesServerOptions = {}) {
    this.#options = options;
  }

  /** The base URL (known after {@link listen}). */
  get url(): string {
    if (this.#base === undefined) throw new Error('the job-files server is not listening');
    return this.#base;
  }

  /** Starts listening; resolves with the base URL. */
  async listen(): Promise<string> {
    if (this.#base !== undefined) return this.#base;
    const server = createServer((req, res) => void this.#handle(req, res));
    const host = this.#options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port ?? 0, host, () => resolve());
    });
    this.#server = server;
    const { port } = server.address() as AddressInfo;
    const shown = host.includes(':') ? `[${host}]` : host;
    this.#base = (this.#options.publicUrl ?? `http://${shown}:${port}`).replace(/\/+$/, '');
    return this.#base;
  }

  /**
   * Allows a job its files; returns its files endpoint (the URL with the job's
   * key, to which Pulsar appends `&path=…&file_type=…`). Registering a job
   * again replaces its grant and key. `key` (from {@link newJobFilesKey})
   * registers a job again under the key it had before a restart, so the
   * endpoint Pulsar holds keeps working.
   */
  register(jobId: string, grant: JobFilesGrant, key: string = newJobFilesKey()): string {
    if (!ROUTE.test(`/api/jobs/${jobId}/files`)) throw new RangeError(`job id ${jobId} is not a plain name`);
    if (!JOB_FILES_KEY.test(key)) throw new RangeError('a job key is 43 base64url characters');
    this.#jobs.set(jobId, { keyHash: digest(key), grant, received: new Map() });
    return `${this.url}/api/jobs/${encodeURIComponent(jobId)}/files?job_key=${key}`;
  }

  /**
   * Takes back the outputs of a registered job that an earlier server
   * received (they wait under their hidden names beside their destinations):
   * each granted output whose hidden file is there, a regular file and not a
   * link, is hashed and listed in {@link received} again.
   */
  async recover(jobId: string): Promise<void> {
    const entry = this.#jobs.get(jobId);
    if (!entry) return;
    for (const [path, destination] of entry.grant.outputs) {
      if (entry.received.has(path)) continue;
      const file = receivedName(destination, jobId);
      // Opened without following a link, then checked: what is hashed is the file under that name.
      const handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW).catch(() => undefined);
      if (!handle) continue;
      let hashed: { sha256: string; size: number };
      try {
        if (!(await handle.stat()).isFile()) continue;
        hashed = await sha256Stream(Readable.toWeb(handle.createReadStream({ autoClose: false })) as ReadableStream<Uint8Array>);
      } finally {
        await handle.close();
      }
      const { sha256, size } = hashed;
      // An output that arrived meanwhile wins over the old file.
      if (!entry.received.has(path) && this.#jobs.get(jobId) === entry) entry.received.set(path, { file, destination, sizeBytes: size, sha256 });
    }
  }

  /** The URL Pulsar GETs one input of a job at. */
  inputUrl(endpoint: string, path: string): string {
    const url = new URL(endpoint);
    url.searchParams.set('path', path);
    url.searchParams.set('file_type', 'input');
    return url.href;
  }

  /** Outputs of a job received so far, by path. */
  received(jobId: string): ReadonlyMap<string, ReceivedOutput> {
    return this.#jobs.get(jobId)?.received ?? new Map();
  }

  /** Forgets a job: its key stops working and outputs received but not delivered are deleted. */
  async forget(jobId: string): Promise<void> {
    const entry = this.#jobs.get(jobId);
    this.#jobs.delete(jobId);
    for (const output of entry?.received.values() ?? []) await rm(output.file, { force: true });
  }

  /**
   * Stops listening and forgets every job. Received outputs are deleted,
   * unless `keepReceived` leaves them for a later server to {@link recover}.
   */
  async close(options: { keepReceived?: boolean } = {}): Promise<void> {
    if (options.keepReceived) this.#jobs.clear();
    for (const jobId of [...this.#jobs.keys()]) await this.forget(jobId);
    const server = this.#server;
    this.#server = undefined;
    this.#base = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      // The raw path must be the route itself: no normalising of `..`, `//` or escapes first.
      const target = req.url ?? '/';
      const cut = target.indexOf('?');
      const route = ROUTE.exec(cut === -1 ? target : target.slice(0, cut));
      const query = new URLSearchParams(cut === -1 ? '' : target.slice(cut + 1));
      const entry = route ? this.#jobs.get(route[1] as string) : undefined;
      const key = query.get('job_key') ?? '';
      const path = query.get('path');
      const type = query.get('file_type');
      if (!route || !entry || !timingSafeEqual(digest(key), entry.keyHash) || path === null) return refuse(req, res);
      const jobId = route[1] as string;
      if ((req.method === 'GET' || req.method === 'HEAD') && type === 'input') {
        const source = entry.grant.inputs.get(path);
        if (!source) return refuse(req, res);
        return await this.#sendInput(jobId, path, source, req, res);
      }
      if (req.method === 'POST' && type === 'output') {
        const destination = entry.grant.outputs.get(path);
        if (!destination) return refuse(req, res);
        return await this.#receiveOutput(jobId, path, destination, entry, req, res);
      }
      return refuse(req, res);
    } catch {
      // nothing internal (paths, parser messages) is told to the peer
      if (!res.headersSent) answer(res, 500, 'job-files server: internal error', true);
      else res.destroy();
    }
  }

  async #sendInput(jobId: string, path: string, source: JobFileSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const size = source.kind === 'bytes' ? source.bytes.byteLength : (await stat(source.path)).size;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (source.kind === 'bytes') res.end(source.bytes);
    else await pipeline(createReadStream(source.path), res);
    this.#options.onTransfer?.({ jobId, direction: 'in', path, sizeBytes: size });
  }

  async #receiveOutput(jobId: string, path: string, destination: string, entry: JobEntry, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const file = receivedName(destination, jobId);
    const max = this.#options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max + FRAMING_BYTES) return tooLarge(req, res, `the output may be at most ${max} bytes`);
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 16, fileSize: max } });
    } catch {
      return answer(res, 400, 'expected a multipart/form-data body with a "file" field');
    }
    let written: Promise<{ size: number; sha256: string }> | undefined;
    const stop = new AbortController();
    let overflow = false;
    parser.on('file', (field, stream) => {
      if (field !== 'file' || written) {
        stream.resume();
        return;
      }
      // past the cap the transfer is aborted (its temporary file goes, nothing reaches `file`), the
      // peer is answered and the connection closed; busboy drops what still comes meanwhile
      stream.once('limit', () => {
        overflow = true;
        stop.abort();
        tooLarge(req, res, `the output is larger than ${max} bytes`);
      });
      const bytes = Readable.toWeb(stream) as ReadableStream<Uint8Array>;
      written = transfer({ from: streamSource(bytes, path), to: fileSink(file, { name: path }), retry: false, limiter: false, signal: stop.signal });
      written.catch(() => undefined);
    });
    let seen = 0;
    req.on('data', (chunk: Buffer) => (seen += chunk.length));
    try {
      await pipeline(req, parser);
    } catch {
      stop.abort();
      await written?.catch(() => undefined);
      if (res.headersSent) return;
      // busboy says "Malformed part header" both for a broken header and for one past its 16 KiB
      if (!written && seen > PART_HEADER_BYTES) return tooLarge(req, res, `a multipart part header may be at most ${PART_HEADER_BYTES} bytes`);
      return answer(res, 400, 'the multipart body is malformed', true);
    }
    if (overflow) {
      await written?.catch(() => undefined);
      return;
    }
    if (!written) return answer(res, 400, 'the multipart body has no "file" field');
    const { size: sizeBytes, sha256 } = await written;
    entry.received.set(path, { file, destination, sizeBytes, sha256 });
    this.#options.onTransfer?.({ jobId, direction: 'out', path, sizeBytes });
    answer(res, 200, JSON.stringify({ message: 'received', size: sizeBytes }));
  }
}

/**
 * A new random job key (32 bytes, base64url), for {@link JobFilesServer.register}.
 *
 * @example
 * ```ts
 * declare const server: JobFilesServer;
 * declare const grant: JobFilesGrant;
 * const key = newJobFilesKey(); // keep it to register the job again after a restart
 * const endpoint = server.register('job1', grant, key);
 * ```
 */
export function newJobFilesKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Where an output of a job waits once received: a hidden name beside its destination. */
function receivedName(destination: string, jobId: string): string {
  return join(dirname(destination), `.${basename(destination)}.${jobId}.received`);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function answer(res: ServerResponse, status: number, body: string, close = false): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...(close ? { connection: 'close' } : {}) });
  res.end(body);
}

/** 413, and the rest of the body is not read: the connection is closed. */
function tooLarge(req: IncomingMessage, res: ServerResponse, message: string): void {
  if (res.headersSent) return;
  answer(res, 413, message, true);
  res.once('finish', () => req.destroy());
}

/** 403 without looking at the body: it is dropped unread, and a large one cuts the connection. */
function refuse(req: IncomingMessage, res: ServerResponse): void {
  answer(res, 403, 'forbidden', true);
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT) req.destroy();
  });
  req.on('error', () => undefined);
}
