/**
 * Timer helpers shared by the pollers: jittered delays, and keeping a timer
 * from holding a Node.js or Deno process open.
 * @module
 */

/** `delayMs` spread by ±`jitter` (a fraction of it), never negative, rounded. */
export function jitteredDelay(delayMs: number, jitter: number, random: () => number = Math.random): number {
  const spread = 1 + jitter * (2 * random() - 1);
  return Math.max(0, Math.round(delayMs * spread));
}

/** Refs (`keep`) or unrefs a pending timer, on Node.js (timer objects) and Deno (numeric ids). */
export function setTimerRef(timer: ReturnType<typeof setTimeout>, keep: boolean): void {
  const handle = timer as unknown;
  if (typeof handle === 'object' && handle !== null && 'ref' in handle && 'unref' in handle) {
    (handle as { ref(): void; unref(): void })[keep ? 'ref' : 'unref']();
  } else if (typeof handle === 'number') {
    const deno = (globalThis as { Deno?: { refTimer?(id: number): void; unrefTimer?(id: number): void } }).Deno;
    (keep ? deno?.refTimer : deno?.unrefTimer)?.(handle);
  }
}
