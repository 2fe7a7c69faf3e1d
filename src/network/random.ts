/**
 * Seeded random sources, so that every random choice of the network can be
 * replayed from the seed written in its decision record.
 * @module
 */
import { randomId } from '../util/random-id.js';

/** A source of numbers uniformly spread in [0, 1). */
export interface RandomSource {
  /** The next number in [0, 1). */
  next(): number;
}

/**
 * Hashes text to a 32-bit unsigned integer (FNV-1a): how text seeds become numbers.
 *
 * @example
 * ```ts
 * hashSeed('run-42') === hashSeed('run-42'); // true, on every runtime
 * ```
 */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A small, fast, seeded generator (mulberry32). The same seed always gives the
 * same sequence, on every runtime.
 *
 * @example
 * ```ts
 * const random = seededRandom('run-42');
 * random.next(); // always the same first number for 'run-42'
 * ```
 */
export function seededRandom(seed: string | number): RandomSource {
  let state = typeof seed === 'number' ? seed >>> 0 : hashSeed(seed);
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/**
 * A generator for one purpose, derived from a run's seed and labels (for
 * example the job's sequence number), so that decisions do not depend on how
 * many numbers other decisions drew.
 *
 * @example
 * ```ts
 * const random = deriveRandom('run-42', 'job', 7);
 * ```
 */
export function deriveRandom(seed: string | number, ...labels: Array<string | number>): RandomSource {
  return seededRandom([String(seed), ...labels.map(String)].join('\u0000'));
}

/**
 * A random version-4 UUID from the platform's cryptographic source. Works
 * where `crypto.randomUUID` does not (browser pages outside secure contexts).
 *
 * @example
 * ```ts
 * freshId(); // '3b1f…-…'
 * ```
 */
export function freshId(): string {
  return randomId();
}
