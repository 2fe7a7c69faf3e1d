// Transfers through the chaos proxy (resets, stalls, 502/503, silent
// truncation at a 20% fault rate, fixed seed) against the local static
// server end byte-identical, up and down.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/index.js';
import { transfer, uploadSink, urlSource } from '../../src/transfer-entry.js';
import { fileSink, fileSource } from '../../src/node.js';
import { HostLimiter } from '../../src/internal.js';
import { type ChaosProxy, startChaosProxy } from '../support/chaos-proxy.js';
import { type StaticServer, startStaticServer } from '../support/static-range-server.js';

const SIZES = [0, 1, 1024 * 1024, 8 * 1024 * 1024, 1, 0, 300_000, 1024 * 1024, 2 * 1024 * 1024, 5];
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let root: string;
let out: string;
let server: StaticServer;
let proxy: ChaosProxy;
const files: Array<{ name: string; data: Buffer }> = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pn-chaos-src-'));
  out = await mkdtemp(join(tmpdir(), 'pn-chaos-out-'));
  for (const [i, size] of SIZES.entries()) {
    const file = { name: `f${i}-${size}.bin`, data: randomBytes(size) };
    files.push(file);
    await writeFile(join(root, file.name), file.data);
  }
  server = await startStaticServer({ root });
  proxy = await startChaosProxy({ target: server.url, seed: 20260501, rate: 0.2, stallMs: 10_000 });
});
afterAll(async () => {
  await proxy.close();
  await server.close();
  await rm(root, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

describe('transfers through the chaos proxy', () => {
  it('end byte-identical up and down, with faults injected', async () => {
    const http = new HttpClient({ baseUrl: proxy.url });
    const limiter = new HostLimiter(3);
    const common = { limiter, idleTimeout: 1000, retry: { minDelay: 5, maxDelay: 50, retries: 10 } };
    const down = files.map((file) =>
      transfer({
        ...common,
        from: urlSource(http, { path: file.name }),
        to: fileSink(join(out, file.name)),
        // What an output manifest would say: catches bodies cut short without an error.
        expected: { sha256: sha(file.data), size: file.data.length },
      }),
    );
    const up = files.map(async (file) =>
      transfer({ ...common, from: await fileSource(join(root, file.name)), to: uploadSink(http, { path: `up-${file.name}` }) }),
    );
    const results = await Promise.all([...down, ...up]);

    for (const [i, file] of files.entries()) {
      expect(results[i]!.sha256, file.name).toBe(sha(file.data));
      expect((await readFile(join(out, file.name))).equals(file.data), file.name).toBe(true);
      expect(results[files.length + i]!.sha256).toBe(sha(file.data));
      expect((await readFile(join(root, `up-${file.name}`))).equals(file.data), `up-${file.name}`).toBe(true);
    }
    expect((await readdir(out)).sort()).toEqual(files.map((f) => f.name).sort());
    expect(proxy.total).toBeGreaterThan(0);
    expect(results.some((r) => r.attempts > 1)).toBe(true);
  });

  it('catch a body cut short without an error by its expected size and sha256, and fetch it again', async () => {
    const cutter = await startChaosProxy({ target: server.url, seed: 7, rate: 0.5, faults: ['truncate'] });
    try {
      const http = new HttpClient({ baseUrl: cutter.url });
      const big = files.filter((f) => f.data.length >= 300_000);
      const results = [];
      for (const file of big) {
        results.push(
          await transfer({
            from: urlSource(http, { path: file.name }),
            to: fileSink(join(out, `again-${file.name}`)),
            expected: { sha256: sha(file.data), size: file.data.length },
            retry: { minDelay: 5, maxDelay: 50, retries: 10 },
          }),
        );
      }
      expect(cutter.counts.truncate).toBeGreaterThan(0);
      expect(results.reduce((n, r) => n + r.attempts, 0)).toBe(big.length + cutter.counts.truncate);
      for (const [i, file] of big.entries()) {
        expect(results[i]!.sha256).toBe(sha(file.data));
        expect((await readFile(join(out, `again-${file.name}`))).equals(file.data)).toBe(true);
      }
    } finally {
      await cutter.close();
    }
  });
});
