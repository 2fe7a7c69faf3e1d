import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError } from '../../src/index.js';
import { nodeLocalFiles } from '../../src/node.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pn-files-write-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A body of `chunks` 1 KiB chunks (Pulsar's size), then `end`: close, error, or stall. */
function body(chunks: number, end: 'close' | 'error' | 'stall'): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent < chunks) controller.enqueue(new Uint8Array(1024).fill(sent++ % 251));
      else if (end === 'close') controller.close();
      else if (end === 'error') controller.error(new Error('connection reset'));
      else return new Promise<void>(() => undefined);
      return undefined;
    },
  });
}

describe('nodeLocalFiles().write', () => {
  it('writes the body in one pass, with its size and sha256, reporting progress', async () => {
    const expected = createHash('sha256');
    for (let i = 0; i < 3000; i++) expected.update(new Uint8Array(1024).fill(i % 251));
    const reports: number[] = [];
    const digest = await nodeLocalFiles().write(join(dir, 'sub', 'out.bin'), body(3000, 'close'), undefined, (n) => reports.push(n));
    expect(digest).toEqual({ sizeBytes: 3000 * 1024, sha256: expected.digest('hex') });
    expect((await readFile(join(dir, 'sub', 'out.bin'))).length).toBe(3000 * 1024);
    expect(reports.at(-1)).toBe(3000 * 1024);
    expect(reports.length).toBeLessThan(10);
    expect(await readdir(join(dir, 'sub'))).toEqual(['out.bin']);
  });

  it('leaves nothing behind when the body fails', async () => {
    await expect(nodeLocalFiles().write(join(dir, 'out.bin'), body(10, 'error'))).rejects.toThrow(/connection reset/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('ends a stalled body at an abort, with AbortError, and commits nothing', async () => {
    const controller = new AbortController();
    const writing = nodeLocalFiles().write(join(dir, 'out.bin'), body(10, 'stall'), controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(writing).rejects.toBeInstanceOf(AbortError);
    expect(await readdir(dir)).toEqual([]);
  });
});
