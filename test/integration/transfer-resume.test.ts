// Acceptance 2: a download broken mid-way resumes by Range against a real
// static server that supports ranges; the bytes sent again are counted at the
// server and are fewer than the file size.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/index.js';
import { transfer, urlSource } from '../../src/transfer-entry.js';
import { fileSink } from '../../src/node.js';
import { type ChaosProxy, startChaosProxy } from '../support/chaos-proxy.js';
import { type ServedRandomFile, type StaticServer, servedRandomFile, startStaticServer } from '../support/static-range-server.js';

const SIZE = 24 * 1024 * 1024;
let root: string;
let out: string;
let server: StaticServer;
let data: Buffer;

let served: ServedRandomFile;

beforeAll(async () => {
  served = await servedRandomFile('pn-resume', SIZE);
  ({ root, out, server, data } = served);
});
afterAll(() => served.close());

describe('download resume by Range (acceptance 2)', () => {
  it('resends fewer bytes than the file size after connection resets', async () => {
    // Reset the first two answers somewhere in the first 12 MiB; let the rest through.
    let faulted = 0;
    const proxy: ChaosProxy = await startChaosProxy({
      target: server.url,
      seed: 42,
      rate: 1,
      faults: ['reset'],
      maxOffset: 12 * 1024 * 1024,
      eligible: () => faulted++ < 2,
    });
    try {
      const http = new HttpClient({ baseUrl: proxy.url });
      const before = server.requests.length;
      const result = await transfer({
        from: urlSource(http, { path: 'big.bin' }),
        to: fileSink(join(out, 'big.bin')),
        retry: { minDelay: 5, maxDelay: 20 },
      });
      const requests = server.requests.slice(before);
      const sent = requests.reduce((n, r) => n + r.bodyBytes, 0);
      const resent = sent - SIZE;
      expect(proxy.counts.reset).toBe(2);
      // The seed puts both resets megabytes into the answers, far past what a reset can lose in flight.
      expect(proxy.injected.map((f) => f.atByte).every((at) => at > 4 * 1024 * 1024)).toBe(true);
      expect(result.attempts).toBe(3);
      expect(requests.map((r) => r.status)).toEqual([200, 206, 206]);
      expect(requests[1]!.range).toMatch(/^bytes=\d+-$/);
      expect(requests[1]!.ifRange).toMatch(/^"/);
      expect(result.bytesMoved).toBe(SIZE);
      expect(resent).toBeGreaterThanOrEqual(0);
      expect(resent).toBeLessThan(SIZE);
      expect(result.sha256).toBe(createHash('sha256').update(data).digest('hex'));
      expect((await readFile(join(out, 'big.bin'))).equals(data)).toBe(true);
      expect(await readdir(out)).toEqual(['big.bin']);
    } finally {
      await proxy.close();
    }
  });

  it('restarts from byte 0 when the file changed between attempts', async () => {
    const path = join(root, 'changing.bin');
    await writeFile(path, randomBytes(4 * 1024 * 1024));
    const fresh = randomBytes(3 * 1024 * 1024);
    let calls = 0;
    // A stall (not a reset) ends the first attempt: every byte before it reaches the client,
    // so the second attempt certainly asks for a range.
    const proxy = await startChaosProxy({
      target: server.url,
      seed: 1,
      rate: 1,
      faults: ['stall'],
      stallMs: 5000,
      maxOffset: 2 * 1024 * 1024,
      eligible: () => calls++ === 0,
    });
    try {
      // The file is replaced when the first attempt fails, before the second starts.
      const http = new HttpClient({ baseUrl: proxy.url, onEvent: (e) => e.type === 'failure' && writeFileSync(path, fresh) });
      const before = server.requests.length;
      const sink = join(out, 'changing.bin');
      const result = await transfer({
        from: urlSource(http, { path: 'changing.bin' }),
        to: fileSink(sink),
        idleTimeout: 300,
        retry: { minDelay: 5, maxDelay: 20 },
      });
      const requests = server.requests.slice(before);
      expect(proxy.counts.stall).toBe(1);
      expect(proxy.injected[0]!.atByte).toBeGreaterThan(0);
      expect(requests.map((r) => [r.status, r.range !== undefined, r.ifRange !== undefined])).toEqual([
        [200, false, false],
        [200, true, true],
      ]);
      expect(result.sha256).toBe(createHash('sha256').update(fresh).digest('hex'));
      expect((await readFile(sink)).equals(fresh)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    const plain = await startStaticServer({ root, ranges: false });
    let calls = 0;
    const proxy = await startChaosProxy({ target: plain.url, seed: 3, rate: 1, faults: ['reset'], maxOffset: 8 * 1024 * 1024, eligible: () => calls++ === 0 });
    try {
      const http = new HttpClient({ baseUrl: proxy.url });
      const result = await transfer({ from: urlSource(http, { path: 'big.bin' }), to: fileSink(join(out, 'plain.bin')), retry: { minDelay: 5, maxDelay: 20 } });
      expect(plain.requests.map((r) => [r.status, r.range !== undefined])).toEqual([
        [200, false],
        [200, true],
      ]);
      expect(result.bytesMoved).toBeGreaterThan(SIZE);
      expect((await readFile(join(out, 'plain.bin'))).equals(data)).toBe(true);
    } finally {
      await proxy.close();
      await plain.close();
    }
  });
});
