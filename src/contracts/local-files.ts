/**
 * `LocalFiles`: what a site that runs elsewhere (TES, Pulsar) needs of the
 * caller's file system — resolving local paths, reading inputs to inline or
 * upload them, writing downloaded outputs and hashing delivered ones. Portable: the interface lives
 * here, the Node.js implementation (`nodeLocalFiles`) in `pulsar-network/node`,
 * so such sites still load in browsers, where they simply have no local files.
 * @module
 */

/** Size and sha256 of one local file. */
export interface LocalFileDigest {
  /** The file's size in bytes. */
  sizeBytes: number;
  /** Lowercase hex sha256 of the file's bytes. */
  sha256: string;
}

/** Access to the caller's local files. */
export interface LocalFiles {
  /** The absolute path of a local path (relative to the working directory) or `file://` URL. */
  resolve(pathOrFileUrl: string): string;
  /** Size of a regular file; `undefined` when it is missing or not a regular file. */
  size(path: string): Promise<number | undefined>;
  /** The whole file. */
  read(path: string, signal?: AbortSignal): Promise<Uint8Array>;
  /** Size and sha256 of a file, streamed. */
  digest(path: string, signal?: AbortSignal): Promise<LocalFileDigest>;
  /** A fresh stream of the file's bytes (called again for each retry of an upload). */
  stream(path: string): ReadableStream<Uint8Array>;
  /**
   * Writes `bytes` to `path` (making its directory), hashing on the way,
   * through a temporary file renamed into place: `path` never holds a partial copy.
   */
  write(path: string, bytes: ReadableStream<Uint8Array>, signal?: AbortSignal, onBytes?: (bytesDone: number) => void): Promise<LocalFileDigest>;
  /**
   * Every regular file below a directory, as `/`-separated paths relative to
   * it, sorted; `undefined` when `path` is not a directory. Needed for
   * DIRECTORY inputs of sites that upload them file by file.
   */
  list?(path: string): Promise<string[] | undefined>;
  /** Deletes a file (a download found corrupt); no error when it is gone. */
  remove(path: string): Promise<void>;
}

/** A `tesInput`/`tesOutput` URL's local file, or `undefined` when it is a remote URL. */
export type LocalRef =
  | {
      /** A plain path, absolute or relative to the working directory. */
      kind: 'path';
      /** The path as given. */
      value: string;
    }
  | {
      /** A `file://` URL. */
      kind: 'file-url';
      /** The URL as given. */
      value: string;
    };

/**
 * Classifies a TES URL: a `file://` URL or a plain (absolute or relative)
 * path is local; any other scheme (`s3://`, `https://`, ...) is not.
 *
 * @example
 * ```ts
 * localRef('file:///data/a.txt'); // { kind: 'file-url', value: 'file:///data/a.txt' }
 * localRef('./a.txt'); // { kind: 'path', value: './a.txt' }
 * localRef('s3://bucket/a.txt'); // undefined
 * ```
 */
export function localRef(url: string): LocalRef | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || /^[a-z]:[\\/]/i.test(url)) return { kind: 'path', value: url };
  if (scheme === 'file') return { kind: 'file-url', value: url };
  return undefined;
}

/**
 * The absolute local path of a local reference: through `files` when given,
 * else only absolute POSIX paths and `file://` URLs are understood.
 */
export function absolutePath(ref: LocalRef, files?: LocalFiles): string | undefined {
  if (files) return files.resolve(ref.value);
  if (ref.kind === 'path') return ref.value.startsWith('/') ? ref.value : undefined;
  const url = new URL(ref.value);
  if (url.host !== '' && url.host !== 'localhost') return undefined;
  return decodeURIComponent(url.pathname);
}

/**
 * The `file://` URL of an absolute POSIX path, percent-encoded as URLs need.
 *
 * @example
 * ```ts
 * fileUrlOf('/tmp/a b.txt'); // 'file:///tmp/a%20b.txt'
 * ```
 */
export function fileUrlOf(path: string): string {
  const url = new URL('file:///');
  url.pathname = path;
  return url.href;
}

/**
 * True when `relative` (a `/`-separated path a site named, to be joined below
 * a local destination) stays below it: no `..`, `.` or empty segment, no
 * backslash, no NUL. `''` is the destination itself. Names from a site never
 * leave the destination they are collected into (DESIGN.md, trust boundaries).
 *
 * @example
 * ```ts
 * staysBelow('sub/b.txt'); // true
 * staysBelow('../../.bashrc'); // false
 * ```
 */
export function staysBelow(relative: string): boolean {
  return relative === '' || relative.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..' && !/[\\\0]/.test(segment));
}
