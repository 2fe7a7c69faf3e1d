// The transfer's sha256: the worker-thread path and the inline path give the
// digest node:crypto gives, for chunks that straddle batch boundaries, for two
// hashes fed at once, and after a hash is dropped and started over.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { createStreamHash, type StreamHash } from '../../src/transfer/stream-hash.js';

const MIB = 1024 * 1024;
const reference = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function feed(hash: StreamHash, bytes: Uint8Array, chunk: number): Promise<string> {
  for (let at = 0; at < bytes.byteLength; at += chunk) {
    const wait = hash.update(bytes.subarray(at, at + chunk));
    if (wait) await wait;
  }
  return hash.digestHex();
}

it('hashes large transfers in the worker exactly as node:crypto does, two at once', async () => {
  const a = new Uint8Array(randomBytes(9 * MIB + 12_345));
  const b = new Uint8Array(randomBytes(3 * MIB + 7));
  const [ha, hb] = await Promise.all([feed(await createStreamHash(undefined), a, 65_537), feed(await createStreamHash(undefined), b, 1_000_003)]);
  expect(ha).toBe(reference(a));
  expect(hb).toBe(reference(b));
});

it('starts over cleanly after a drop, and hashes empty and small inputs inline', async () => {
  const bytes = new Uint8Array(randomBytes(2 * MIB + 1));
  const first = await createStreamHash(undefined);
  first.update(bytes.subarray(0, MIB));
  first.drop();
  expect(await feed(await createStreamHash(undefined), bytes, 300_000)).toBe(reference(bytes));
  expect(await feed(await createStreamHash(0), new Uint8Array(0), 1)).toBe(reference(new Uint8Array(0)));
  expect(await (await createStreamHash(undefined)).digestHex()).toBe(reference(new Uint8Array(0)));
  expect(await feed(await createStreamHash(10, false), bytes.subarray(0, 10), 3)).toBe(reference(bytes.subarray(0, 10)));
});

it('copies the bytes it is given: reusing a chunk afterwards does not change the digest', async () => {
  const hash = await createStreamHash(undefined);
  const chunk = new Uint8Array(MIB + 5).fill(1);
  const expected = createHash('sha256');
  for (let i = 0; i < 6; i++) {
    expected.update(chunk);
    const wait = hash.update(chunk);
    chunk.fill(i + 2);
    if (wait) await wait;
  }
  expect(await hash.digestHex()).toBe(expected.digest('hex'));
});

it('keeps no process alive after a large hash is dropped before its first batch (a transfer aborted at once)', async () => {
  const module = fileURLToPath(new URL('../../src/transfer/stream-hash.ts', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'stream-hash-'));
  const script = join(dir, 'drop.mts');
  await writeFile(
    script,
    `const { createStreamHash } = await import(${JSON.stringify(module)});
const hash = await createStreamHash(64 * 1024 * 1024, true);
await new Promise((resolve) => setTimeout(resolve, 100));
hash.update(new Uint8Array(1024));
hash.drop();
// A process that outlives this timer is held by something: say so.
setTimeout(() => { console.log('still alive'); process.exit(3); }, 5000).unref();
console.log('dropped');`,
  );
  try {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 20_000 }, (error, stdout) => (error ? reject(new Error(`${error.message}\n${stdout}`)) : resolve(stdout))),
    );
    expect(out.trim()).toBe('dropped');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
