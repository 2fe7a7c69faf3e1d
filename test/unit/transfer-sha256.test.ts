import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSha256, sha256Implementation, sha256Stream, type Sha256Implementation } from '../../src/internal.js';
import { PortableSha256 } from '../../src/transfer/sha256-portable.js';

const VECTORS: Array<[string, string]> = [
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
];

const IMPLEMENTATIONS: Sha256Implementation[] = ['node:crypto', 'hash-wasm', 'portable'];

describe('sha256', () => {
  for (const implementation of IMPLEMENTATIONS) {
    it(`${implementation}: matches the FIPS 180-4 test vectors`, async () => {
      for (const [input, digest] of VECTORS) {
        const hash = await createSha256(implementation);
        hash.update(new TextEncoder().encode(input));
        expect(hash.digestHex()).toBe(digest);
      }
    });

    it(`${implementation}: gives the same digest however the input is split`, async () => {
      const data = randomBytes(300_000);
      const want = createHash('sha256').update(data).digest('hex');
      for (const sizes of [[1], [63], [64], [65], [4096, 1], [299_999]]) {
        const hash = await createSha256(implementation);
        let at = 0;
        let i = 0;
        while (at < data.length) {
          const size = sizes[i++ % sizes.length]!;
          hash.update(data.subarray(at, at + size));
          at += size;
        }
        expect(hash.digestHex(), `chunks of ${sizes.join(',')}`).toBe(want);
      }
    });
  }

  it('portable: pads correctly at every length around a block boundary', () => {
    for (let length = 50; length <= 130; length++) {
      const data = new Uint8Array(length).fill(0x61);
      expect(new PortableSha256().update(data).digestHex()).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  it('portable: refuses use after the digest', () => {
    const hash = new PortableSha256();
    hash.digestHex();
    expect(() => hash.update(new Uint8Array(1))).toThrow(/after digest/);
  });

  it('picks node:crypto on Node and hashes streams', async () => {
    const data = randomBytes(100_000);
    const blob = new Blob([data]);
    const result = await sha256Stream(blob.stream());
    expect(result).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), size: 100_000 });
    expect(sha256Implementation()).toBe('node:crypto');
  });
});
