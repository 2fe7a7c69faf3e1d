// Issue 18: a download split into ranges over their own connections. Against
// the real static range server (through the chaos proxy where connections
// must break): each range resumes on its own, a changed file restarts it all,
// a server that ignores Range gets one stream, an abort leaves nothing.
import { createHash, randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, HttpClient } from '../../src/index.js';
import { transfer, urlSource, type TransferSink } from '../../src/transfer-entry.js';
import { fileSink } from '../../src/node.js';
import { startChaosProxy } from '../support/chaos-proxy.js';
import { type ServedRandomFile, type StaticServer, servedRandomFile } from '../support/static-range-server.js';

const MIB = 1024 * 1024;
const SIZE = 32 * MIB;
const RANGES = 4;
const STEP = SIZE / RANGES;
const FAST = { minDelay: 5, maxDelay: 20 };
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
let root: string;
let out: string;
let server: StaticServer;
let data: Buffer;

let served: ServedRandomFile;

beforeAll(async () => {
  served = await servedRandomFile('pn-ranges', SIZE);
  ({ root, out, server, data } = served);
});
afterAll(() => served.close());

/** The `bytes=S-E` ranges the server was asked for, in order. */
const rangesAsked = (from: number): Array<{ start: number; end: number }> =>
  server.requests.slice(from).flatMap((r) => {
    const match = /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '');
    return match ? [{ start: Number(match[1]), end: Number(match[2]) }] : [];
  });

/** Runs `use` against a server that advertises ranges but answers every request whole; `seen` lists the Range header of each request. */
async function withRangeIgnoringServer(body: Buffer, use: (url: string, seen: Array<string | undefined>) => Promise<void>): Promise<void> {
  const seen: Array<string | undefined> = [];
  const ignoring: Server = createServer((req, res) => {
    seen.push(req.headers.range);
    res.writeHead(200, { 'accept-ranges': 'bytes', etag: '"v1"', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => ignoring.listen(0, '127.0.0.1', resolve));
  try {
    await use(`http://127.0.0.1:${(ignoring.address() as AddressInfo).port}/`, seen);
  } finally {
    ignoring.closeAllConnections();
    await new Promise<void>((resolve) => ignoring.close(() => resolve()));
    await rm(join(out, 'whole.bin'), { force: true });
  }
}

describe('parallel ranges', () => {
  it('splits a download, and after every connection broke mid-way resumes each range where it stopped', async () => {
    let faulted = 0;
    const proxy = await startChaosProxy({ target: server.url, seed: 7, rate: 1, faults: ['reset'], maxOffset: 6 * MIB, eligible: () => faulted++ < RANGES });
    try {
      const before = server.requests.length;
      const target = join(out, 'split.bin');
      const result = await transfer({ from: urlSource(new HttpClient({ baseUrl: proxy.url }), { path: 'big.bin' }), to: fileSink(target), ranges: RANGES, retry: FAST });
      expect(result.sha256).toBe(sha(data));
      expect((await readFile(target)).equals(data)).toBe(true);
      // Every first answer was planned to break; a break that strikes as the client already went away is not counted.
      expect(proxy.counts.reset).toBeGreaterThan(0);
      const asked = rangesAsked(before);
      for (let i = 0; i < RANGES; i++) {
        const start = i * STEP;
        const end = start + STEP - 1;
        // Resumed from past its start, up to its own end, under If-Range.
        expect(asked.some((r) => r.start > start && r.start < end && r.end === end), `range ${i} resumed`).toBe(true);
      }
      expect(server.requests.slice(before).filter((r) => r.range).every((r) => r.ifRange !== undefined)).toBe(true);
      // Every byte that reached the client was kept: none was fetched twice.
      expect(result.bytesMoved).toBe(SIZE);
      expect(result.attempts).toBe(2);
      expect(await readdir(out)).toEqual(['split.bin']);
    } finally {
      await proxy.close();
      await rm(join(out, 'split.bin'), { force: true });
    }
  });

  it('restarts every range when the file changed between attempts (a new validator)', async () => {
    const fresh = randomBytes(SIZE);
    let faulted = 0;
    let swapped = false;
    const proxy = await startChaosProxy({
      target: server.url,
      seed: 7,
      rate: 1,
      faults: ['reset'],
      maxOffset: 6 * MIB,
      eligible: ({ headers }) => {
        // The first resumed range: the file is replaced (a new inode, so a new ETag) before the server sees it.
        if (headers['if-range'] !== undefined && !swapped) {
          swapped = true;
          writeFileSync(join(root, 'next.bin'), fresh);
          renameSync(join(root, 'next.bin'), join(root, 'big.bin'));
        }
        return faulted++ < RANGES;
      },
    });
    try {
      const target = join(out, 'changed.bin');
      const result = await transfer({ from: urlSource(new HttpClient({ baseUrl: proxy.url }), { path: 'big.bin' }), to: fileSink(target), ranges: RANGES, retry: FAST });
      expect(swapped).toBe(true);
      expect(result.sha256).toBe(sha(fresh));
      expect((await readFile(target)).equals(fresh)).toBe(true);
      expect(await readdir(out)).toEqual(['changed.bin']);
    } finally {
      await proxy.close();
      await writeFile(join(root, 'big.bin'), data);
      await rm(join(out, 'changed.bin'), { force: true });
    }
  });

  it('falls back to one stream when the server advertises ranges but answers every request whole', async () => {
    const small = randomBytes(8 * MIB);
    await withRangeIgnoringServer(small, async (url, seen) => {
      const target = join(out, 'whole.bin');
      const result = await transfer({ from: urlSource(new HttpClient({ baseUrl: url }), { path: 'x' }), to: fileSink(target), ranges: RANGES, retry: FAST });
      expect(result.sha256).toBe(sha(small));
      expect((await readFile(target)).equals(small)).toBe(true);
      // The first answer, the ranges it refused, then one plain stream; nothing more.
      expect(seen[0]).toBeUndefined();
      expect(seen.slice(1, RANGES).every((range) => range?.startsWith('bytes='))).toBe(true);
      expect(seen.slice(RANGES)).toEqual([undefined]);
      expect(result.attempts).toBe(1);
      expect(await readdir(out)).toEqual(['whole.bin']);
    });
  });

  it('clears the saved range state when it falls back to one stream, so a run resumed after a crash does not split again', async () => {
    const small = randomBytes(8 * MIB);
    await withRangeIgnoringServer(small, async (url) => {
      const sink = fileSink(join(out, 'whole.bin'), { resume: true });
      const saved: string[] = [];
      const spied: TransferSink = {
        ...sink,
        openPositional: async (size) => {
          const writer = await (sink.openPositional as NonNullable<TransferSink['openPositional']>)(size);
          return { ...writer, saveRanges: async (state) => (saved.push(state), writer.saveRanges?.(state)) };
        },
      };
      const result = await transfer({ from: urlSource(new HttpClient({ baseUrl: url }), { path: 'x' }), to: spied, ranges: RANGES, retry: FAST });
      expect(result.sha256).toBe(sha(small));
      // The last word on the ranges, before the single stream began, was to forget them.
      expect(saved.at(-1)).toBe('');
    });
  });

  it('a process killed mid-way leaves its ranges, and the next run continues each one and verifies', async () => {
    // Every first answer stalls a few MiB in, so the child holds part of each range when it is killed.
    const proxy = await startChaosProxy({ target: server.url, seed: 7, rate: 1, faults: ['stall'], maxOffset: 6 * MIB, stallMs: 60_000 });
    const target = join(out, 'killed.bin');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'support', 'ranged-download-child.ts'), proxy.url, target], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let last = 0;
      let lastChange = Date.now();
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const bytes = Number(line.split(' ')[1]);
        if (bytes > last) [last, lastChange] = [bytes, Date.now()];
      });
      // Killed once every range stalled: nothing moved for a second (the state is saved every 200 ms).
      while (!(last > 0 && Date.now() - lastChange > 1000)) await new Promise((resolve) => setTimeout(resolve, 100));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(last).toBeGreaterThan(RANGES * MIB);
      expect((await readdir(out)).sort()).toEqual(['.killed.bin.partial', '.killed.bin.partial.ranges']);

      const saved = JSON.parse(await readFile(join(out, '.killed.bin.partial.ranges'), 'utf8')) as { ranges: Array<[number, number, number]> };
      expect(saved.ranges).toHaveLength(RANGES);
      expect(saved.ranges.filter(([start, , written]) => written > start).length).toBeGreaterThanOrEqual(RANGES - 1);

      const before = server.requests.length;
      const result = await transfer({ from: urlSource(new HttpClient({ baseUrl: server.url }), { path: 'big.bin' }), to: fileSink(target, { resume: true }) });
      expect(result.sha256).toBe(sha(data));
      expect((await readFile(target)).equals(data)).toBe(true);
      // No plain GET: each range continued exactly where the killed run's saved state had it, under If-Range.
      const asked = rangesAsked(before);
      expect(asked).toEqual(saved.ranges.map(([, end, written]) => ({ start: written, end: end - 1 })));
      expect(server.requests.slice(before).every((r) => r.ifRange !== undefined)).toBe(true);
      // What the killed run saved is not fetched again (at most the last 200 ms before its last save).
      expect(result.bytesMoved).toBe(SIZE - saved.ranges.reduce((n, [start, , written]) => n + written - start, 0));
      expect(await readdir(out)).toEqual(['killed.bin']);
    } finally {
      await proxy.close();
      await rm(target, { force: true });
    }
  });

  it('an abort mid-way leaves nothing at the destination, partial or final', async () => {
    const controller = new AbortController();
    const target = join(out, 'aborted.bin');
    const done = transfer({
      from: urlSource(new HttpClient({ baseUrl: server.url }), { path: 'big.bin' }),
      to: fileSink(target),
      ranges: RANGES,
      signal: controller.signal,
      progressInterval: 0,
      onProgress: (p) => {
        if (!p.done && p.bytesDone > 2 * MIB) controller.abort(new Error('user pressed stop'));
      },
    });
    await expect(done).rejects.toBeInstanceOf(AbortError);
    expect(await readdir(out)).toEqual([]);
  });
});
