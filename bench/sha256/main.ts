/**
 * Streaming sha256 candidates, hashed over the same bytes in the same run:
 * node:crypto (where the runtime has it), hash-wasm, @noble/hashes and the
 * library's own portable TypeScript one. Prints MiB/s per candidate and chunk
 * size. Run: `npx tsx bench/sha256/main.ts` (Node) or
 * `deno run -A bench/sha256/main.ts` (Deno).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createSHA256 } from 'hash-wasm';
import { PortableSha256 } from '../../src/transfer/sha256-portable.js';

interface Candidate {
  name: string;
  make: () => Promise<{ update(bytes: Uint8Array): unknown; hex(): string }>;
}

const TOTAL = Number(process.env.SHA256_BENCH_MIB ?? 256) * 1024 * 1024;
const CHUNKS = [64 * 1024, 1024 * 1024];

const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
  'node:crypto',
) as typeof import('node:crypto') | undefined;

const candidates: Candidate[] = [
  ...(nodeCrypto
    ? [{
        name: 'node:crypto createHash',
        make: async () => {
          const h = nodeCrypto.createHash('sha256');
          return { update: (b: Uint8Array) => h.update(b), hex: () => h.digest('hex') };
        },
      }]
    : []),
  {
    name: 'hash-wasm createSHA256',
    make: async () => {
      const h = await createSHA256();
      h.init();
      return { update: (b: Uint8Array) => h.update(b), hex: () => h.digest('hex') };
    },
  },
  {
    name: '@noble/hashes sha256.create',
    make: async () => {
      const h = nobleSha256.create();
      return {
        update: (b: Uint8Array) => h.update(b),
        hex: () => Array.from(h.digest(), (x) => x.toString(16).padStart(2, '0')).join(''),
      };
    },
  },
  {
    name: 'portable TS (src/transfer)',
    make: async () => {
      const h = new PortableSha256();
      return { update: (b: Uint8Array) => h.update(b), hex: () => h.digestHex() };
    },
  },
];

const runtime = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined' ? 'deno' : `node ${process.version}`;
console.log(`sha256 bench on ${runtime}: ${TOTAL / 1024 / 1024} MiB per run, best of 3`);
const data = new Uint8Array(CHUNKS[CHUNKS.length - 1]!);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;

for (const chunk of CHUNKS) {
  const piece = data.subarray(0, chunk);
  const digests = new Set<string>();
  for (const candidate of candidates) {
    let best = Infinity;
    let hex = '';
    for (let run = 0; run < 3; run++) {
      const h = await candidate.make();
      const started = performance.now();
      for (let done = 0; done < TOTAL; done += chunk) h.update(piece);
      hex = h.hex();
      best = Math.min(best, performance.now() - started);
    }
    digests.add(hex);
    const mibs = TOTAL / 1024 / 1024 / (best / 1000);
    console.log(`  chunk ${String(chunk / 1024).padStart(5)} KiB  ${candidate.name.padEnd(30)} ${mibs.toFixed(0).padStart(6)} MiB/s`);
  }
  if (digests.size !== 1) {
    console.error(`candidates disagree: ${[...digests].join(', ')}`);
    process.exitCode = 1;
  }
}
