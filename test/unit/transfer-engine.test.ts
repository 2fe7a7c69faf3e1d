import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, ConnectionError, HttpClient, IntegrityError, TransferError, type TransferProgress } from '../../src/index.js';
import { blobSource, bytesSource, streamSink, streamSource, transfer, uploadSink, urlSource, type TransferSink } from '../../src/transfer-entry.js';
import { fileSink, fileSource } from '../../src/node.js';
import { HostLimiter } from '../../src/internal.js';

const FAST = { minDelay: 1, maxDelay: 5 };
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

interface Call {
  method: string;
  url: string;
  headers: Headers;
  body?: Uint8Array;
  redirect?: RequestRedirect;
  bodyKind?: string;
}

/** A fetch that answers each call with the next scripted responder and records the calls. */
function scripted(responders: Array<(call: Call) => Response | Promise<Response>>) {
  const calls: Call[] = [];
  const fetch = async (input: URL | Request | string, init?: RequestInit): Promise<Response> => {
    const call: Call = { method: init?.method ?? 'GET', url: String(input), headers: new Headers(init?.headers) };
    if (init?.body) call.body = new Uint8Array(await new Response(init.body).arrayBuffer());
    if (init?.redirect) call.redirect = init.redirect;
    if (init?.body) call.bodyKind = init.body instanceof Blob ? 'blob' : init.body instanceof ReadableStream ? 'stream' : typeof init.body;
    calls.push(call);
    const responder = responders[calls.length - 1];
    if (!responder) throw new Error(`unexpected call ${calls.length}: ${call.method} ${call.url}`);
    return responder(call);
  };
  return { http: new HttpClient({ baseUrl: 'http://files.test/', fetch }), calls };
}

/** A body that yields `bytes` in small chunks, then ends, fails, or stalls. */
function body(bytes: Uint8Array, end: 'close' | 'error' | 'stall' = 'close'): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at < bytes.length) {
        controller.enqueue(bytes.slice(at, at + 100));
        at += 100;
        return;
      }
      if (end === 'close') controller.close();
      else if (end === 'error') controller.error(new TypeError('terminated'));
      else return new Promise(() => undefined);
    },
  });
}

function collector() {
  const chunks: Uint8Array[] = [];
  let closed = false;
  let aborted = false;
  const stream = new WritableStream<Uint8Array>({
    write: (chunk) => void chunks.push(chunk),
    close: () => void (closed = true),
    abort: () => void (aborted = true),
  });
  return {
    stream,
    bytes: () => Buffer.concat(chunks),
    get closed() {
      return closed;
    },
    get aborted() {
      return aborted;
    },
  };
}

const DATA = randomBytes(1000);
const full = (bytes: Uint8Array, headers: Record<string, string> = {}, end: 'close' | 'error' | 'stall' = 'close') =>
  new Response(body(bytes, end), { status: 200, headers: { 'content-length': String(bytes.length), ...headers } });
const partial = (from: number, bytes: Uint8Array, total: number, headers: Record<string, string> = {}) =>
  new Response(body(bytes.subarray(from)), {
    status: 206,
    headers: { 'content-range': `bytes ${from}-${total - 1}/${total}`, 'content-length': String(total - from), ...headers },
  });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pn-transfer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('transfer: downloads', () => {
  it('resumes with Range and If-Range after a broken body and ends byte-identical', async () => {
    const { http, calls } = scripted([
      () => full(DATA.subarray(0, 400), { etag: '"v1"', 'content-length': '1000' }, 'error'),
      () => partial(400, DATA, 1000, { etag: '"v1"' }),
    ]);
    const sink = collector();
    const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: streamSink(sink.stream), retry: FAST });
    expect(calls[0]!.headers.get('range')).toBeNull();
    expect(calls[1]!.headers.get('range')).toBe('bytes=400-');
    expect(calls[1]!.headers.get('if-range')).toBe('"v1"');
    expect(sink.bytes().equals(DATA)).toBe(true);
    expect(sink.closed).toBe(true);
    expect(result).toMatchObject({ size: 1000, sha256: sha(DATA), attempts: 2, bytesMoved: 1000 });
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    const { http, calls } = scripted([
      () => full(DATA.subarray(0, 400), { etag: '"v1"', 'content-length': '1000' }, 'error'),
      () => full(DATA, { etag: '"v1"' }),
    ]);
    const target = join(dir, 'a.bin');
    const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: fileSink(target), retry: FAST });
    expect(calls[1]!.headers.get('range')).toBe('bytes=400-');
    expect((await readFile(target)).equals(DATA)).toBe(true);
    expect(result.bytesMoved).toBe(1400);
    expect(await readdir(dir)).toEqual(['a.bin']);
  });

  it('starts over with the new content when the validator changed', async () => {
    const fresh = randomBytes(700);
    const { http, calls } = scripted([
      () => full(DATA.subarray(0, 400), { 'last-modified': 'Mon, 01 Jan 2024 00:00:00 GMT', 'content-length': '1000' }, 'error'),
      () => full(fresh, { 'last-modified': 'Tue, 02 Jan 2024 00:00:00 GMT' }),
    ]);
    const target = join(dir, 'a.bin');
    const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: fileSink(target), retry: FAST });
    expect(calls[1]!.headers.get('if-range')).toBe('Mon, 01 Jan 2024 00:00:00 GMT');
    expect((await readFile(target)).equals(fresh)).toBe(true);
    expect(result.sha256).toBe(sha(fresh));
  });

  it('treats 416 as done when every byte was already there', async () => {
    const { http, calls } = scripted([
      () => full(DATA, { etag: '"v1"' }, 'error'),
      () => new Response(null, { status: 416, headers: { 'content-range': 'bytes */1000' } }),
    ]);
    const target = join(dir, 'a.bin');
    const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: fileSink(target), retry: FAST });
    expect(calls).toHaveLength(2);
    expect(result).toMatchObject({ size: 1000, sha256: sha(DATA), attempts: 2 });
    expect((await readFile(target)).equals(DATA)).toBe(true);
  });

  it('starts over without Range after a 416 for another size', async () => {
    const { http, calls } = scripted([
      () => full(DATA.subarray(0, 400), { etag: '"v1"', 'content-length': '1000' }, 'error'),
      () => new Response(null, { status: 416, headers: { 'content-range': 'bytes */300' } }),
      () => full(DATA.subarray(0, 300), { etag: '"v2"' }),
    ]);
    const target = join(dir, 'a.bin');
    const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: fileSink(target), retry: FAST });
    expect(calls[2]!.headers.get('range')).toBeNull();
    expect(result.size).toBe(300);
    expect((await readFile(target)).equals(DATA.subarray(0, 300))).toBe(true);
  });

  it('does not resume without a strong validator', async () => {
    const { http, calls } = scripted([
      () => full(DATA.subarray(0, 400), { etag: 'W/"weak"', 'content-length': '1000' }, 'error'),
      () => full(DATA),
    ]);
    const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: fileSink(join(dir, 'a.bin')), retry: FAST });
    expect(calls[1]!.headers.get('range')).toBeNull();
    expect(result.sha256).toBe(sha(DATA));
  });

  it('catches a body that ends early without an error when the size is known', async () => {
    const { http } = scripted([
      () => full(DATA.subarray(0, 600), { etag: '"v1"', 'content-length': '1000' }),
      () => partial(600, DATA, 1000, { etag: '"v1"' }),
    ]);
    const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: fileSink(join(dir, 'a.bin')), retry: FAST });
    expect(result).toMatchObject({ sha256: sha(DATA), attempts: 2, bytesMoved: 1000 });
  });

  it('fetches again when the bytes do not match the expected sha256, and gives up with nothing left behind', async () => {
    const corrupt = Buffer.from(DATA);
    corrupt[10] = corrupt[10]! ^ 0xff;
    const good = scripted([() => full(corrupt), () => full(DATA)]);
    const target = join(dir, 'a.bin');
    const ok = await transfer({ from: urlSource(good.http, { path: 'a.bin' }), to: fileSink(target), expected: { sha256: sha(DATA) }, retry: FAST });
    expect(ok.attempts).toBe(2);
    expect((await readFile(target)).equals(DATA)).toBe(true);

    // The first attempt got further than any before it, so it uses up no retry: 1 + 2 retries = 4 attempts.
    const bad = scripted([() => full(corrupt), () => full(corrupt), () => full(corrupt), () => full(corrupt)]);
    const failed = transfer({
      from: urlSource(bad.http, { path: 'a.bin' }),
      to: fileSink(join(dir, 'b.bin')),
      expected: { sha256: sha(DATA), size: 1000 },
      retry: { ...FAST, retries: 2 },
    });
    const error = await failed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as TransferError).cause).toBeInstanceOf(IntegrityError);
    expect((error as TransferError).attempts).toBe(4);
    expect(bad.calls).toHaveLength(4);
    expect(await readdir(dir)).toEqual(['a.bin']);
  });

  it('refuses to start a stream sink over once it has received bytes', async () => {
    const { http } = scripted([
      () => full(DATA.subarray(0, 400), { etag: '"v1"', 'content-length': '1000' }, 'error'),
      () => full(DATA, { etag: '"v1"' }),
    ]);
    const sink = collector();
    const error = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: streamSink(sink.stream), retry: FAST }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect((error as Error).message).toMatch(/cannot start over/);
    expect(sink.aborted).toBe(true);
  });

  it('does not use up retries while each attempt gets further, and does when it does not', async () => {
    const steps = [200, 400, 600, 800];
    const progressing = scripted([
      () => full(DATA.subarray(0, 200), { etag: '"v1"', 'content-length': '1000' }, 'error'),
      ...steps.map((from, i) => () =>
        new Response(body(DATA.subarray(from, i === steps.length - 1 ? 1000 : from + 200), i === steps.length - 1 ? 'close' : 'error'), {
          status: 206,
          headers: { etag: '"v1"', 'content-range': `bytes ${from}-999/1000` },
        })),
    ]);
    const result = await transfer({
      from: urlSource(progressing.http, { path: 'a.bin' }),
      to: fileSink(join(dir, 'a.bin')),
      retry: { ...FAST, retries: 1 },
    });
    expect(result).toMatchObject({ attempts: 5, sha256: sha(DATA) });

    const stuck = scripted([
      () => full(DATA.subarray(0, 200), { etag: '"v1"', 'content-length': '1000' }, 'error'),
      () => new Response('busy', { status: 503 }),
      () => new Response('busy', { status: 503 }),
    ]);
    const error = await transfer({
      from: urlSource(stuck.http, { path: 'a.bin' }),
      to: fileSink(join(dir, 'b.bin')),
      retry: { ...FAST, retries: 1 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect(stuck.calls).toHaveLength(3);
  });

  it('abandons a stalled body after the idle timeout and resumes', async () => {
    const { http } = scripted([
      () => full(DATA.subarray(0, 500), { etag: '"v1"', 'content-length': '1000' }, 'stall'),
      () => partial(500, DATA, 1000, { etag: '"v1"' }),
    ]);
    const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: fileSink(join(dir, 'a.bin')), idleTimeout: 50, retry: FAST });
    expect(result).toMatchObject({ attempts: 2, bytesMoved: 1000, sha256: sha(DATA) });
  });

  it('stops on abort with an AbortError and leaves no file, partial or final', async () => {
    const controller = new AbortController();
    const { http } = scripted([() => full(DATA.subarray(0, 300), { 'content-length': '1000' }, 'stall')]);
    const events: TransferProgress[] = [];
    const error = await transfer({
      from: urlSource(http, { path: 'a.bin' }),
      to: fileSink(join(dir, 'a.bin')),
      signal: controller.signal,
      onProgress: (p) => {
        events.push(p);
        if (p.bytesDone === 300) controller.abort();
      },
      progressInterval: 0,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(await readdir(dir)).toEqual([]);
    expect(events.at(-1)).toEqual({ direction: 'down', file: 'a.bin', done: true, bytesDone: 300, bytesTotal: 1000 });
  });

  it('reports throttled progress and one final event', async () => {
    const { http } = scripted([() => full(DATA)]);
    const events: TransferProgress[] = [];
    await transfer({ from: urlSource(http, { path: 'a.bin', name: 'a.bin' }), to: streamSink(collector().stream, 'a.bin'), onProgress: (p) => events.push(p), progressInterval: 60_000 });
    expect(events).toEqual([
      { direction: 'down', file: 'a.bin', bytesDone: 100, bytesTotal: 1000, done: false },
      { direction: 'down', file: 'a.bin', bytesDone: 1000, bytesTotal: 1000, done: true },
    ]);
  });

  it('fails fast on a 404', async () => {
    const { http, calls } = scripted([() => new Response('no', { status: 404 })]);
    const error = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: fileSink(join(dir, 'a.bin')), retry: FAST }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransferError);
    expect(calls).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('transfer: uploads', () => {
  it('sends the whole file again after a failure, with Content-Length', async () => {
    const { http, calls } = scripted([
      () => new Response('bad gateway', { status: 502 }),
      () => new Response('{"path":"/x"}', { status: 200 }),
    ]);
    const result = await transfer({
      from: bytesSource(DATA, 'a.bin'),
      to: uploadSink(http, { method: 'POST', path: 'jobs/1/files', query: { name: 'a.bin', type: 'input' } }),
      retry: FAST,
    });
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.bodyKind).toBe('stream');
      expect(call.method).toBe('POST');
      expect(call.url).toBe('http://files.test/jobs/1/files?name=a.bin&type=input');
      expect(call.headers.get('content-length')).toBe('1000');
      // undici keeps a streamed body in memory unless redirects are refused (nodejs/undici#4058).
      expect(call.redirect).toBe('error');
      expect(Buffer.from(call.body!).equals(DATA)).toBe(true);
    }
    expect(result).toMatchObject({ attempts: 2, sha256: sha(DATA), bytesMoved: 2000 });
  });

  it('sends Blob and byte sources whole where request bodies cannot be streamed (browsers)', async () => {
    const { http, calls } = scripted([() => new Response('busy', { status: 503 }), () => new Response('ok', { status: 200 })]);
    const events: TransferProgress[] = [];
    const result = await transfer({
      from: bytesSource(DATA, 'a.bin'),
      to: uploadSink(http, { path: 'a.bin', streaming: false }),
      retry: FAST,
      onProgress: (p) => events.push(p),
    });
    expect(calls.map((c) => c.bodyKind)).toEqual(['blob', 'blob']);
    expect(Buffer.from(calls[1]!.body!).equals(DATA)).toBe(true);
    expect(calls[1]!.headers.get('content-length')).toBe('1000');
    expect(result).toMatchObject({ attempts: 2, sha256: sha(DATA), size: 1000 });
    expect(events.at(-1)).toEqual({ direction: 'up', file: 'a.bin', bytesDone: 1000, bytesTotal: 1000, done: true });

    const streamed = scripted([() => new Response('ok', { status: 200 })]);
    await transfer({ from: streamSource(new Blob([DATA]).stream(), 'b.bin', 1000), to: uploadSink(streamed.http, { path: 'b.bin', streaming: false }) });
    expect(streamed.calls[0]!.bodyKind).toBe('stream');
  });

  it('does not retry a one-shot stream source', async () => {
    const { http, calls } = scripted([() => new Response('busy', { status: 503 })]);
    const error = await transfer({ from: streamSource(new Blob([DATA]).stream(), 'a.bin', 1000), to: uploadSink(http, { path: 'a.bin' }), retry: FAST }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransferError);
    expect(calls).toHaveLength(1);
  });

  it('hands the answer to onResponse', async () => {
    const { http } = scripted([() => new Response('{"path":"/srv/a.bin"}', { status: 200 })]);
    let answer = '';
    await transfer({ from: blobSource(new Blob([DATA]), 'a.bin'), to: uploadSink(http, { path: 'a.bin', onResponse: async (r) => void (answer = await r.text()) }) });
    expect(answer).toBe('{"path":"/srv/a.bin"}');
  });
});

describe('transfer: per-host cap', () => {
  it('keeps at most perHost transfers in flight to one host, and lets other hosts through', async () => {
    let active = 0;
    let most = 0;
    const slowBody = (): ReadableStream<Uint8Array> => {
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (sent++ < 5) controller.enqueue(DATA.subarray(0, 200));
          else {
            active--;
            controller.close();
          }
        },
      });
    };
    const fetch = async (): Promise<Response> => {
      active++;
      most = Math.max(most, active);
      return new Response(slowBody(), { status: 200 });
    };
    const limiter = new HostLimiter(2);
    const one = new HttpClient({ baseUrl: 'http://one.test/', fetch });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        transfer({ from: urlSource(one, { path: `f${i}` }), to: streamSink(new WritableStream()), limiter }),
      ),
    );
    expect(results.every((r) => r.size === 1000)).toBe(true);
    expect(most).toBe(2);
    expect(limiter.active('one.test')).toBe(0);
  });
});

describe('transfer: custom sinks', () => {
  it('a body that breaks while a slow write is pending leaves no unhandled rejection behind', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const slow: TransferSink = {
        name: 'slow',
        partial: 'resume',
        open: async () => ({
          // Each write outlasts a tick, so the chunk read ahead of it settles while nobody awaits it yet.
          write: () => new Promise((resolve) => setTimeout(resolve, 20)),
          close: async () => undefined,
          abort: async () => undefined,
        }),
        commit: async () => undefined,
        discard: async () => undefined,
      };
      const { http } = scripted([() => full(DATA.subarray(0, 400), { 'content-length': '1000' }, 'error'), () => full(DATA)]);
      const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: slow, retry: FAST });
      expect(result).toMatchObject({ attempts: 2, size: 1000 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('starts over when a resumable sink fails a write, so the digest never counts bytes the sink lost', async () => {
    const kept: Uint8Array[] = [];
    let failOnce = true;
    const sink: TransferSink = {
      name: 'flaky',
      partial: 'resume',
      open: async ({ offset }) => {
        let size = kept.reduce((n, c) => n + c.length, 0);
        while (size > offset) size -= kept.pop()!.length;
        return {
          write: async (chunk) => {
            if (failOnce && size >= 500) {
              failOnce = false;
              throw new ConnectionError({ method: 'PUT', url: 'flaky', mayHaveBeenSent: true, reason: 'lost it' });
            }
            kept.push(chunk);
            size += chunk.length;
          },
          close: async () => undefined,
          abort: async () => undefined,
        };
      },
      commit: async () => undefined,
      discard: async () => undefined,
    };
    // The server honours ranges: only a transfer that knows its digest ran ahead starts over.
    const answer = (call: Call): Response => {
      const from = /bytes=(\d+)-/.exec(call.headers.get('range') ?? '');
      return from ? partial(Number(from[1]), DATA, 1000, { etag: '"v1"' }) : full(DATA, { etag: '"v1"' });
    };
    const { http, calls } = scripted([answer, answer]);
    const result = await transfer({ from: urlSource(http, { path: 'a.bin' }), to: sink, retry: FAST });
    expect(calls[1]!.headers.get('range')).toBeNull();
    expect(result).toMatchObject({ attempts: 2, sha256: sha(DATA), size: 1000 });
    expect(Buffer.concat(kept).equals(DATA)).toBe(true);
  });
});

describe('sources and sinks', () => {
  it('bytes, Blob and file sources start at the asked offset', async () => {
    const path = join(dir, 'src.bin');
    await writeFile(path, DATA);
    for (const source of [bytesSource(DATA), blobSource(new Blob([DATA])), await fileSource(path)]) {
      expect(source.size).toBe(1000);
      const read = await source.read({ offset: 250, signal: new AbortController().signal }, async (opened) => {
        expect(opened.offset).toBe(250);
        return Buffer.from(await new Response(opened.stream).arrayBuffer());
      });
      expect(read.equals(DATA.subarray(250))).toBe(true);
    }
  });

  it('copies a file to a file through a temporary name, keeping nothing else', async () => {
    const path = join(dir, 'src.bin');
    await writeFile(path, DATA);
    const result = await transfer({ from: await fileSource(path), to: fileSink(join(dir, 'sub', 'copy.bin')) });
    expect(result.sha256).toBe(sha(DATA));
    expect(await readdir(join(dir, 'sub'))).toEqual(['copy.bin']);
    // A directory is not a file source: a typed error naming it.
    await expect(fileSource(join(dir, 'sub'))).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'path', message: `${join(dir, 'sub')} is not a regular file` }] });
  });

  it('delivers an empty file', async () => {
    const result = await transfer({ from: bytesSource(new Uint8Array(0), 'empty'), to: fileSink(join(dir, 'empty')) });
    expect(result).toMatchObject({ size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect((await readFile(join(dir, 'empty'))).length).toBe(0);
  });

  it('a stream source can be read only once', async () => {
    const source = streamSource(new Blob([DATA]).stream());
    await source.read({ offset: 0, signal: new AbortController().signal }, (opened) => opened.stream.cancel());
    await expect(source.read({ offset: 0, signal: new AbortController().signal }, async () => undefined)).rejects.toThrow(/only once/);
  });
});
