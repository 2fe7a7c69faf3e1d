/**
 * The sha256 candidates and the measuring loop, free of any runtime API so the
 * same code runs under Node, Deno and (bundled) in a browser.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createSHA256 } from 'hash-wasm';
import { PortableSha256 } from '../../src/transfer/sha256-portable.js';

interface Hasher {
  update(bytes: Uint8Array): unknown;
  hex(): string;
}

interface Candidate {
  name: string;
  make: () => Promise<Hasher>;
}

type NodeCrypto = { createHash(a: 'sha256'): { update(b: Uint8Array): unknown; digest(e: 'hex'): string } };

function candidates(): Candidate[] {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const nodeCrypto = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  const list: Candidate[] = [];
  if (nodeCrypto) {
    list.push({
      name: 'node:crypto createHash',
      make: async () => {
        const h = nodeCrypto.createHash('sha256');
        return { update: (b) => h.update(b), hex: () => h.digest('hex') };
      },
    });
  }
  list.push(
    {
      name: 'hash-wasm createSHA256',
      make: async () => {
        const h = await createSHA256();
        h.init();
        return { update: (b) => h.update(b), hex: () => h.digest('hex') };
      },
    },
    {
      name: '@noble/hashes sha256.create',
      make: async () => {
        const h = nobleSha256.create();
        return { update: (b) => h.update(b), hex: () => Array.from(h.digest(), (x) => x.toString(16).padStart(2, '0')).join('') };
      },
    },
    {
      name: 'portable TS (src/transfer)',
      make: async () => {
        const h = new PortableSha256();
        return { update: (b) => h.update(b), hex: () => h.digestHex() };
      },
    },
  );
  return list;
}

/** Hashes `totalMiB` with every candidate in 64 KiB and 1 MiB chunks, best of 3; lines of text, or an error when they disagree. */
export async function measure(runtime: string, totalMiB: number): Promise<string[]> {
  const total = totalMiB * 1024 * 1024;
  const chunks = [64 * 1024, 1024 * 1024];
  const lines = [`sha256 bench on ${runtime}: ${totalMiB} MiB per run, best of 3`];
  const data = new Uint8Array(chunks[chunks.length - 1]!);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  for (const chunk of chunks) {
    const piece = data.subarray(0, chunk);
    const digests = new Set<string>();
    for (const candidate of candidates()) {
      let best = Infinity;
      let hex = '';
      for (let run = 0; run < 3; run++) {
        const h = await candidate.make();
        const started = performance.now();
        for (let done = 0; done < total; done += chunk) h.update(piece);
        hex = h.hex();
        best = Math.min(best, performance.now() - started);
      }
      digests.add(hex);
      const mibs = totalMiB / (best / 1000);
      lines.push(`  chunk ${String(chunk / 1024).padStart(5)} KiB  ${candidate.name.padEnd(30)} ${mibs.toFixed(0).padStart(6)} MiB/s`);
    }
    if (digests.size !== 1) throw new Error(`candidates disagree: ${[...digests].join(', ')}`);
  }
  return lines;
}
