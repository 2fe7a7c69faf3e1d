/** The bench's test file. */
import { open } from 'node:fs/promises';

const MIB = 1024 * 1024;

/** Writes `size` pseudo-random bytes (a cheap generator: the bench measures transfer, not entropy). */
export async function makeFile(path: string, size: number): Promise<void> {
  const handle = await open(path, 'w');
  const block = new Uint8Array(4 * MIB);
  let x = 2463534242;
  for (let i = 0; i < block.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    new DataView(block.buffer).setUint32(i, x >>> 0);
  }
  for (let at = 0; at < size; at += block.length) {
    block[0] = at / block.length;
    await handle.write(block, 0, Math.min(block.length, size - at));
  }
  await handle.close();
}

