// How TesSite rewrites local inputs and outputs for a TES server, without a
// file system (as in a browser) and with a fake one.
import { describe, expect, it } from 'vitest';
import { ValidationError, type JobSpec, type LocalFiles } from '../../src/internal.js';
import { fileUrlOf, localRef, storageCovers } from '../../src/internal.js';
import { tesTaskFor } from '../../src/sites/tes/staging.js';
import { TesSite } from '../../src/sites-entry.js';

const base = { siteId: 't', inlineLimitBytes: 16, tags: { pulsar_network_group: 'g' } };
const spec = (url: string): JobSpec => ({ inputs: [{ path: '/d/in', url }], executors: [{ image: 'a', command: ['true'] }] });

function fakeFiles(contents: Record<string, Uint8Array>): LocalFiles {
  return {
    resolve: (p) => (p.startsWith('file://') ? new URL(p).pathname : p.startsWith('/') ? p : `/cwd/${p}`),
    size: async (p) => contents[p]?.length,
    read: async (p) => contents[p] as Uint8Array,
    digest: async () => ({ sizeBytes: 0, sha256: '' }),
    stream: () => new ReadableStream(),
    write: async () => ({ sizeBytes: 0, sha256: '' }),
    remove: async () => undefined,
  };
}

describe('storageCovers', () => {
  it('matches whole path segments of a storage prefix', () => {
    expect(storageCovers(['file:///'], 'file:///tmp/a')).toBe(true);
    expect(storageCovers(['file://'], 'file:///tmp/a')).toBe(true);
    expect(storageCovers(['file:///data'], 'file:///data/x')).toBe(true);
    expect(storageCovers(['file:///data/'], 'file:///data/x')).toBe(true);
    expect(storageCovers(['file:///data'], 'file:///database/x')).toBe(false);
    expect(storageCovers(['s3://bucket'], 'file:///data/x')).toBe(false);
    expect(storageCovers([], 'file:///data/x')).toBe(false);
  });
});

describe('localRef and fileUrlOf', () => {
  it('tells local paths and file URLs from remote URLs, and encodes paths', () => {
    expect(localRef('/a/b')).toEqual({ kind: 'path', value: '/a/b' });
    expect(localRef('rel/b')).toEqual({ kind: 'path', value: 'rel/b' });
    expect(localRef('FILE:///a')).toEqual({ kind: 'file-url', value: 'FILE:///a' });
    expect(localRef('https://x/a')).toBeUndefined();
    expect(localRef('s3://b/a')).toBeUndefined();
    expect(fileUrlOf('/tmp/a b#1?.txt')).toBe('file:///tmp/a%20b%231%3F.txt');
  });
});

describe('tesTaskFor', () => {
  it('passes covered local files as file:// URLs, tags the task, leaves remote URLs alone', async () => {
    const task = await tesTaskFor(
      { ...spec('/x/in.txt'), outputs: [{ path: '/d/o', url: 's3://b/o' }, { path: '/d/p', url: '/x/p' }], tags: { mine: '1' } },
      { ...base, storages: ['file:///x'] },
    );
    expect(task.inputs).toEqual([{ path: '/d/in', url: 'file:///x/in.txt' }]);
    expect(task.outputs).toEqual([{ path: '/d/o', url: 's3://b/o' }, { path: '/d/p', url: 'file:///x/p' }]);
    expect(task.tags).toEqual({ mine: '1', pulsar_network_group: 'g' });
  });

  it('without local file access (a browser), refuses what it cannot pass and never inlines', async () => {
    for (const [url, message] of [
      ['rel.txt', /relative path .* nodeLocalFiles/],
      ['file://otherhost/x', /another host/],
      ['/x/in.txt', /without local file access it cannot be inlined/],
    ] as const) {
      const error = await tesTaskFor(spec(url), { ...base, storages: ['s3://b'] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: '$.inputs[0].url', message: expect.stringMatching(message) }]);
    }
  });

  it('inlines a small UTF-8 file (resolving a relative path), refuses an empty one', async () => {
    const files = fakeFiles({ '/cwd/in.txt': new TextEncoder().encode('héllo'), '/cwd/empty': new Uint8Array() });
    const task = await tesTaskFor(spec('in.txt'), { ...base, storages: [], files });
    expect(task.inputs).toEqual([{ path: '/d/in', content: 'héllo' }]);
    const error = await tesTaskFor(spec('empty'), { ...base, storages: [], files }).catch((e: ValidationError) => e.issues);
    expect(error).toEqual([{ path: '$.inputs[0].url', message: expect.stringContaining('inlined only when 1 to 16 bytes, and is 0') }]);
  });
});

describe('TesSite.check: what its submit would refuse, nothing sent', () => {
  const outSpec: JobSpec = { outputs: [{ path: '/d/out', url: '/home/me/out.txt' }], executors: [{ image: 'a', command: ['true'] }] };
  const serviceInfo = (storage: string[]) => async (input: URL | Request | string) =>
    String(input).endsWith('/service-info') ? Response.json({ id: 'x', name: 'x', type: { group: 'org.ga4gh', artifact: 'tes', version: '1.1.0' }, organization: { name: 'o', url: 'https://o' }, version: '1', storage }) : new Response('', { status: 500 });

  it('says nothing of storage before it knows it, and refuses a local output once service-info shows other storage', async () => {
    const site = new TesSite({ client: { baseUrl: 'http://tes.test/ga4gh/tes/v1', fetch: serviceInfo(['s3://bucket/']), retry: false }, files: fakeFiles({}) });
    expect(site.check(outSpec)).toEqual([]);
    expect((await site.probe()).ok).toBe(true);
    expect(site.check(outSpec)).toEqual([{ path: '$.outputs[0].url', message: "the server cannot write local files here (its storage is s3://bucket/); give a URL it can write, or configure the site's storages" }]);
  });

  it("takes local files the site's storages cover, whatever service-info says; serviceInfoStorage: false ignores it", async () => {
    const extended = new TesSite({ client: { baseUrl: 'http://tes.test/v1', fetch: serviceInfo(['s3://bucket/']), retry: false }, files: fakeFiles({}), storages: ['file:///home/'] });
    await extended.probe();
    expect(extended.check(outSpec)).toEqual([]);
    const only = new TesSite({ client: { baseUrl: 'http://tes.test/v1', fetch: serviceInfo(['file:///']), retry: false }, files: fakeFiles({}), storages: ['s3://mine/'], serviceInfoStorage: false });
    expect(only.check(outSpec)).toHaveLength(1); // known at once: only its own storages count
    await only.probe();
    expect(only.check(outSpec)).toHaveLength(1);
  });
});
