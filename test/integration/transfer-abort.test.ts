// Acceptance 3: aborting mid-transfer stops it with an AbortError and leaves
// no file under the destination name (and no temporary file either).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, HttpClient } from '../../src/index.js';
import { transfer, uploadSink, urlSource } from '../../src/transfer-entry.js';
import { fileSink, fileSource } from '../../src/node.js';
import { type StaticServer, startStaticServer } from '../support/static-range-server.js';

const SIZE = 32 * 1024 * 1024;
let root: string;
let out: string;
let server: StaticServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pn-abort-src-'));
  out = await mkdtemp(join(tmpdir(), 'pn-abort-out-'));
  await writeFile(join(root, 'big.bin'), randomBytes(SIZE));
  server = await startStaticServer({ root });
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

/** Aborts as soon as the transfer reports its first bytes. */
function abortOnFirstBytes() {
  const controller = new AbortController();
  let seen = 0;
  return {
    signal: controller.signal,
    progressInterval: 0,
    onProgress: (p: { bytesDone: number; done: boolean }) => {
      if (!p.done && p.bytesDone > 0) {
        seen = p.bytesDone;
        controller.abort(new Error('user pressed stop'));
      }
    },
    seen: () => seen,
  };
}

/** Waits (bounded) until the server has finished cleaning up after the aborted upload. */
async function settled(directory: string, name: string): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const names = await readdir(directory);
    if (!names.some((n) => n.startsWith(`${name}.upload-`))) return names;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return readdir(directory);
}

describe('abort mid-transfer (acceptance 3)', () => {
  it('a download leaves nothing at the destination', async () => {
    const http = new HttpClient({ baseUrl: server.url });
    const abort = abortOnFirstBytes();
    const error = await transfer({ from: urlSource(http, { path: 'big.bin' }), to: fileSink(join(out, 'big.bin')), ...abort }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(abort.seen()).toBeGreaterThan(0);
    expect(abort.seen()).toBeLessThan(SIZE);
    expect(await readdir(out)).toEqual([]);
  });

  it('an upload leaves nothing under the final name on the server', async () => {
    const http = new HttpClient({ baseUrl: server.url });
    const abort = abortOnFirstBytes();
    const error = await transfer({ from: await fileSource(join(root, 'big.bin')), to: uploadSink(http, { path: 'uploaded.bin' }), ...abort }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AbortError);
    expect(abort.seen()).toBeLessThan(SIZE);
    expect(await settled(root, 'uploaded.bin')).toEqual(['big.bin']);
  });

  it('a local copy leaves nothing at the destination', async () => {
    const abort = abortOnFirstBytes();
    const error = await transfer({ from: await fileSource(join(root, 'big.bin')), to: fileSink(join(out, 'copy.bin')), ...abort }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(await readdir(out)).toEqual([]);
  });

  it('an abort during the retry backoff ends the wait', async () => {
    const controller = new AbortController();
    // 404 is made retryable here so that the transfer sits in a 10-minute backoff
    // (longer than the test's time limit): only the abort can end it.
    const http = new HttpClient({ baseUrl: server.url, onEvent: (e) => e.type === 'failure' && setTimeout(() => controller.abort(), 0) });
    const error = await transfer({
      from: urlSource(http, { path: 'missing.bin' }),
      to: fileSink(join(out, 'missing.bin')),
      retry: { minDelay: 600_000, maxDelay: 600_000, jitter: 0, statusCodes: [404] },
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(await readdir(out)).toEqual([]);
  });
});
