/**
 * Streaming SHA-256 behind one interface, using the fastest implementation
 * the runtime offers (measured in `bench/sha256`):
 *
 * 1. `node:crypto` where the runtime has `process.getBuiltinModule`
 *    (Node >= 20.16, Deno 2): about 1.2–1.4 GiB/s;
 * 2. hash-wasm's WebAssembly SHA-256 (browsers, older Node): about 220–255 MiB/s;
 * 3. the portable TypeScript one where WebAssembly is refused (a strict CSP):
 *    about 110–150 MiB/s.
 *
 * `node:crypto` is looked up at run time, never imported, so this module
 * stays in the portable entry; hash-wasm (18 kB of WebAssembly) is imported
 * on first use, so a page that never hashes does not load it.
 * @module
 */
import { PortableSha256 } from './sha256-portable.js';

/** An incremental SHA-256: feed it chunks, then read the hex digest once. */
export interface Sha256 {
  /** Adds bytes to the digest. */
  update(bytes: Uint8Array): void;
  /** Finishes and returns the lowercase hex digest. */
  digestHex(): string;
}

/** Which implementation {@link createSha256} picked. */
export type Sha256Implementation = 'node:crypto' | 'hash-wasm' | 'portable';

interface NodeHash {
  update(data: Uint8Array): unknown;
  digest(encoding: 'hex'): string;
}
type CreateHash = (algorithm: 'sha256') => NodeHash;

const ORDER: readonly Sha256Implementation[] = ['node:crypto', 'hash-wasm', 'portable'];
let chosen: Sha256Implementation | undefined;

function nodeCreateHash(): CreateHash | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.('node:crypto') as { createHash?: CreateHash } | undefined;
  return typeof crypto?.createHash === 'function' ? crypto.createHash : undefined;
}

async function make(implementation: Sha256Implementation): Promise<Sha256 | undefined> {
  switch (implementation) {
    case 'node:crypto': {
      const createHash = nodeCreateHash();
      if (!createHash) return undefined;
      const hash = createHash('sha256');
      return { update: (bytes) => void hash.update(bytes), digestHex: () => hash.digest('hex') };
    }
    case 'hash-wasm': {
      try {
        const { createSHA256 } = await import('hash-wasm');
        const hash = await createSHA256();
        hash.init();
        return { update: (bytes) => void hash.update(bytes), digestHex: () => hash.digest('hex') };
      } catch {
        return undefined; // WebAssembly is unavailable or refused here (a strict CSP).
      }
    }
    case 'portable': {
      const hash = new PortableSha256();
      return { update: (bytes) => void hash.update(bytes), digestHex: () => hash.digestHex() };
    }
  }
}

/**
 * Starts a new incremental SHA-256 with the fastest implementation available
 * (or, for tests and benchmarks, the first available from `prefer` on).
 *
 * @example
 * ```ts
 * const hash = await createSha256();
 * const reader = stream.getReader();
 * for (let read = await reader.read(); !read.done; read = await reader.read()) hash.update(read.value);
 * console.log(hash.digestHex());
 * ```
 */
export async function createSha256(prefer?: Sha256Implementation): Promise<Sha256> {
  const order = prefer ? ORDER.slice(ORDER.indexOf(prefer)) : chosen ? [chosen] : ORDER;
  for (const implementation of order) {
    const hash = await make(implementation);
    if (!hash) continue;
    if (!prefer) chosen = implementation;
    return hash;
  }
  /* c8 ignore next */
  throw new Error('sha256: no implementation available');
}

/**
 * The implementation {@link createSha256} uses on this runtime (known after its first call).
 *
 * @example
 * ```ts
 * await createSha256();
 * console.log(sha256Implementation()); // 'node:crypto' on Node and Deno, 'hash-wasm' in browsers
 * ```
 */
export function sha256Implementation(): Sha256Implementation | undefined {
  return chosen;
}

/**
 * Hashes a whole stream of bytes in bounded memory.
 *
 * @example
 * ```ts
 * const { sha256, size } = await sha256Stream(blob.stream());
 * ```
 */
export async function sha256Stream(stream: ReadableStream<Uint8Array>): Promise<{
  /** Lowercase hex sha256 of the bytes. */
  sha256: string;
  /** Number of bytes read. */
  size: number;
}> {
  const hash = await createSha256();
  let size = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      size += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return { sha256: hash.digestHex(), size };
}
