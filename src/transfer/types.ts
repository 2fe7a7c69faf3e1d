/**
 * The two ports of a transfer: where bytes come from ({@link TransferSource})
 * and where they go ({@link TransferSink}). Each runtime-specific kind (file,
 * Web stream, Blob, URL, upload) implements one of them.
 * @module
 */

/** What a transfer asks of a source for one attempt. */
export interface SourceReadOptions {
  /** Byte offset to start from; a source that cannot start there starts at 0 and says so. */
  offset: number;
  /** The validator (ETag or Last-Modified) of the bytes already received, for `If-Range`. */
  validator?: string;
  /** Aborts the attempt: the source stops reading and releases what it holds. */
  signal: AbortSignal;
}

/** The bytes of one attempt, as a source opened them. */
export interface OpenedSource {
  /** The bytes, from `offset` to the end. */
  stream: ReadableStream<Uint8Array>;
  /** Where `stream` starts in the whole content: the asked offset, or 0 when the source restarted. */
  offset: number;
  /** Size of the whole content, when known. */
  size?: number;
  /** A validator of this content that later attempts pass back to resume. */
  validator?: string;
  /** The source said it serves byte ranges of this content (`Accept-Ranges: bytes`). */
  acceptsRanges?: boolean;
}

/** What a split download asks of a source for one of its ranges. */
export interface RangeReadOptions {
  /** First byte of the range. */
  start: number;
  /** The byte after the range's last one. */
  end: number;
  /** The validator of the content the other ranges came from: a different content must not be mixed in. */
  validator: string;
  /** Aborts the read. */
  signal: AbortSignal;
}

/**
 * Where bytes come from. `read` hands the opened bytes to `consume` and
 * returns what it returns; the source releases its resources after.
 */
export interface TransferSource {
  /** A display name for progress and errors; never a URL with secrets. */
  readonly name: string;
  /** Size in bytes when known before reading. */
  readonly size?: number;
  /** `host:port` of a remote source, for the per-host transfer cap. */
  readonly host?: string;
  /** False when the bytes can be read only once (a Web stream): such a transfer cannot retry. */
  readonly replayable: boolean;
  /** The bytes as a `Blob`, when the source holds one: a sink with `sendWhole` then sends it in one piece. */
  readonly blob?: Blob;
  /** Opens the bytes for one attempt, passes them to `consume`, releases them after; resolves with what `consume` resolves with. */
  read<T>(options: SourceReadOptions, consume: (opened: OpenedSource) => Promise<T>): Promise<T>;
  /**
   * Opens exactly the bytes `start` to `end` of the content named by `validator`
   * and passes them to `consume`; resolves with `'changed'` when the content is
   * no longer that one, or `'ignored'` when the source would only send it whole.
   * Sources that can, implement it (a URL source); a transfer then may split a
   * large download into ranges.
   */
  readRange?<T>(options: RangeReadOptions, consume: (opened: OpenedSource) => Promise<T>): Promise<T | 'changed' | 'ignored'>;
}

/** What a transfer tells a sink when it starts an attempt. */
export interface SinkOpenOptions {
  /** Where the bytes of this attempt start; 0 means start over. */
  offset: number;
  /** Size of the whole content, when known. */
  size?: number;
  /** Aborts the attempt. */
  signal: AbortSignal;
}

/** Receives the bytes of one attempt. */
export interface SinkWriter {
  /** Accepts one chunk; resolves when it may be given the next (backpressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Every byte of the attempt was written: make them durable, or (uploads) wait for the answer. */
  close(): Promise<void>;
  /** The attempt failed: stop and release what the attempt holds. */
  abort(reason: unknown): Promise<void>;
}

/**
 * Where bytes go. A sink lives for one transfer: attempts `open` it, and
 * once the bytes are verified the transfer calls `commit` (or `discard`).
 */
export interface TransferSink {
  /** A display name for progress and errors; never a URL with secrets. */
  readonly name: string;
  /** `host:port` of a remote sink, for the per-host transfer cap. */
  readonly host?: string;
  /**
   * `'resume'`: keeps the bytes of a failed attempt and can continue after them, or start over;
   * `'append-only'`: keeps them but cannot start over (a Web stream);
   * `'restart'`: every attempt starts from byte 0 (an upload).
   */
  readonly partial: 'resume' | 'append-only' | 'restart';
  /** Starts an attempt at `options.offset` and returns the writer of its bytes. */
  open(options: SinkOpenOptions): Promise<SinkWriter>;
  /**
   * Sends a whole `Blob` instead of a stream, for runtimes that cannot stream a
   * request body (browsers over HTTP/1.1). Used when the source has a `blob`;
   * the transfer hashes the Blob itself, before sending it.
   */
  sendWhole?(blob: Blob, options: SinkOpenOptions): Promise<void>;
  /**
   * Gives random access to the bytes for a download split into ranges, the
   * content being `size` bytes. Sinks that can, implement it (a file sink).
   */
  openPositional?(size: number): Promise<PositionalWriter>;
  /** The ranges' state a run that died left beside its bytes (a resumable file sink), for this run to continue. */
  savedRanges?(): Promise<string | undefined>;
  /** The bytes are complete and verified: publish them (e.g. rename into place). */
  commit(result: { size: number; sha256: string }): Promise<void>;
  /** The transfer failed or was aborted: remove every partial trace. Must not throw. */
  discard(): Promise<void>;
}

/** Random access to a sink's bytes, for a download split into ranges. */
export interface PositionalWriter {
  /** Writes the buffers one after the other from `position`, all of them. */
  write(buffers: Uint8Array[], position: number): Promise<void>;
  /** Reads up to `length` bytes at `position` into `buffer` (from its start); resolves with the count read. */
  read(buffer: Uint8Array, length: number, position: number): Promise<number>;
  /** Every range is written: make the bytes durable. */
  sync(): Promise<void>;
  /** Keeps the state of the ranges beside the bytes, for {@link TransferSink.savedRanges} of a later run. */
  saveRanges?(state: string): Promise<void>;
}
