// The Pulsar site's output collection against a hostile listing: names a
// server lists never leave the destination they are collected into
// (DESIGN.md, trust boundaries). The real server's cases are in
// test/integration/pulsar-site.test.ts.
import { describe, expect, it } from 'vitest';
import type { LocalFiles, PulsarClient } from '../../src/internal.js';
import { downloadOutputs } from '../../src/sites/pulsar/outputs.js';

const DEST = '/home/u/results/tree';

/** A client that serves any listed name, and local files that record where they were asked to write. */
function stubs() {
  const written: string[] = [];
  const client = {
    http: { maxConcurrency: 3 },
    downloadWith: async (_id: string, _name: string, _type: string, consume: (body: ReadableStream<Uint8Array>, signal: AbortSignal) => Promise<unknown>) =>
      consume(new Blob(['x']).stream(), new AbortController().signal),
  } as unknown as PulsarClient;
  const files = {
    resolve: (p: string) => p,
    write: async (path: string) => (written.push(path), { sizeBytes: 1, sha256: 'aa' }),
    remove: async () => undefined,
  } as unknown as LocalFiles;
  return { written, site: { client, files, text: async () => '' } };
}

describe('downloadOutputs with a hostile listing', () => {
  it('collects the files below a directory output, and refuses a listed name that climbs out of it', async () => {
    const { written, site } = stubs();
    const problems: string[] = [];
    const working = new Set(['root/out/tree/a.txt', 'root/out/tree/sub/b.txt', 'root/out/tree/../../../../.bashrc', 'root/out/tree/./c', 'root/out/tree//d']);
    const collected = await downloadOutputs(site, 'j1', [{ path: '/out/tree', url: DEST, type: 'DIRECTORY' }], working, problems, {});
    expect(written.sort()).toEqual([`${DEST}/a.txt`, `${DEST}/sub/b.txt`]);
    expect(collected.map((c) => c.path).sort()).toEqual(['/out/tree/a.txt', '/out/tree/sub/b.txt']);
    expect(problems).toHaveLength(3);
    expect(problems.every((p) => p.includes(`would be written outside ${DEST}`))).toBe(true);
  });

  it('refuses a wildcard match named .. (a pattern segment matches it)', async () => {
    const { written, site } = stubs();
    const problems: string[] = [];
    const working = new Set(['root/out/logs/a.log', 'root/out/logs/..']);
    await downloadOutputs(site, 'j1', [{ path: '/out/logs/*', path_prefix: '/out/logs', url: '/home/u/logs' }], working, problems, {});
    expect(written).toEqual(['/home/u/logs/a.log']);
    expect(problems).toEqual([expect.stringContaining('would be written outside /home/u/logs')]);
  });
});
