/**
 * Streaming sha256 candidates, hashed over the same bytes in the same run:
 * node:crypto (where the runtime has it), hash-wasm, @noble/hashes and the
 * library's own portable TypeScript one; under Node also inside headless
 * Chromium. Prints MiB/s per candidate and chunk size (see README.md).
 * Run: `npx tsx bench/sha256/main.ts` (Node + Chromium) or
 * `deno run -A --sloppy-imports bench/sha256/main.ts` (Deno).
 */
import { measure } from './candidates.js';

const mib = Number((globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.SHA256_BENCH_MIB ?? 128);
const deno = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
const runtime = deno ? 'Deno' : `Node ${process.version}`;
for (const line of await measure(runtime, mib)) console.log(line);
if (!deno) {
  const { measureInChromium } = await import('./browser.js');
  for (const line of await measureInChromium(mib)) console.log(line);
}
