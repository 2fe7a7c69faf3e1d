import { describe, expect, it } from 'vitest';
import { HttpClient, ProtocolError, ResponseTooLargeError } from '../../src/index.js';
import { readCapped, readJsonKeepingTails, readTail, TailBuffer } from '../../src/internal.js';

/** A stream of the text's bytes cut into chunks of `size` bytes (so escapes and characters straddle chunks). */
function streamOf(text: string | Uint8Array, size = 3): ReadableStream<Uint8Array> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

describe('reading answers in bounded memory', () => {
  it('readCapped reads up to the cap and throws a ResponseTooLargeError past it', async () => {
    expect(new TextDecoder().decode(await readCapped(streamOf('12345'), 5, 'GET /x'))).toBe('12345');
    const error = await readCapped(streamOf('123456'), 5, 'GET /x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ limitBytes: 5, where: 'GET /x', message: 'GET /x: the answer is larger than 5 bytes, the most read from it' });
  });

  it('readTail keeps the last bytes and drops a character cut at the start', async () => {
    expect(await readTail(streamOf('hello world', 4), 5)).toEqual({ text: 'world', skippedBytes: 6 });
    // 'é' is two bytes: a tail of 3 bytes of 'aéé' starts inside the first 'é'
    expect(await readTail(streamOf('aéé', 1), 3)).toEqual({ text: 'é', skippedBytes: 2 });
    expect(await readTail(null, 3)).toEqual({ text: '', skippedBytes: 0 });
    const ring = new TailBuffer(4);
    for (const part of ['ab', 'cde', 'f', 'ghijk', 'l']) ring.append(new TextEncoder().encode(part));
    expect(ring.text()).toBe('ijkl');
    expect(ring.total).toBe(12);
  });

  it('readJsonKeepingTails parses JSON whose long strings keep their tails, escapes and surrogates across chunks', async () => {
    const doc = { id: 't1', logs: [{ stdout: `${'x'.repeat(50)}END\n`, stderr: 'short "quoted" \\ \u00e9 \ud83d\ude00 \u0001' }], n: [1, 2.5, -3e2, true, null] };
    for (const size of [1, 2, 3, 7, 64]) {
      const parsed = (await readJsonKeepingTails(streamOf(JSON.stringify(doc, null, 2), size), { tailBytes: 32, maxBytes: 4096, where: 'GET /tasks/t1' })) as typeof doc;
      expect(parsed.id).toBe('t1');
      expect(parsed.logs[0]?.stdout).toBe(`${'x'.repeat(28)}END\n`);
      expect(parsed.logs[0]?.stderr).toBe(doc.logs[0]?.stderr);
      expect(parsed.n).toEqual(doc.n);
    }
    // escaped text cut in its middle keeps whole characters
    const escaped = JSON.stringify({ s: '\u00e9'.repeat(40) }).replace(/é/g, '\\u00e9');
    expect(((await readJsonKeepingTails(streamOf(escaped), { tailBytes: 9, maxBytes: 100, where: 'w' })) as { s: string }).s).toBe('éééé');
  });

  it('readJsonKeepingTails bounds what it keeps, and names broken answers', async () => {
    const many = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => `item-${i}`) });
    await expect(readJsonKeepingTails(streamOf(many, 64), { tailBytes: 64, maxBytes: 500, where: 'GET /tasks' })).rejects.toBeInstanceOf(ResponseTooLargeError);
    await expect(readJsonKeepingTails(streamOf('{"a": "unterminated'), { tailBytes: 64, maxBytes: 500, where: 'w' })).rejects.toThrow(/ends inside a string/);
    await expect(readJsonKeepingTails(streamOf('{"a": "\\q"}'), { tailBytes: 64, maxBytes: 500, where: 'w' })).rejects.toThrow(/bad escape/);
    const broken = await readJsonKeepingTails(streamOf('{"a": 1,,}'), { tailBytes: 64, maxBytes: 500, where: 'w' }).catch((e: unknown) => e);
    expect(broken).toBeInstanceOf(ProtocolError);
    expect((broken as ProtocolError).excerpt).toBe('{"a":1,,}');
  });

  it('HttpClient.json and text stop at their cap with a typed error; keepTails streams a huge string through', async () => {
    const big = `{"log": "${'y'.repeat(5000)}tail"}`;
    const http = new HttpClient({ baseUrl: 'http://peer.invalid/', maxResponseBytes: 1000, retry: false, fetch: async () => new Response(streamOf(big, 256)) });
    await expect(http.json({ path: 'x' })).rejects.toBeInstanceOf(ResponseTooLargeError);
    await expect(http.text({ path: 'x' })).rejects.toBeInstanceOf(ResponseTooLargeError);
    await expect(http.json({ path: 'x', maxBytes: 10_000 })).resolves.toMatchObject({ log: expect.stringMatching(/tail$/) });
    expect(await http.json({ path: 'x', keepTails: 8 })).toEqual({ log: 'yyyytail' });
    // the fetch-shaped adapter is capped too
    const adapter = http.fetchAdapter();
    await expect(adapter(new Request('http://peer.invalid/x'))).rejects.toBeInstanceOf(ResponseTooLargeError);
  });
});
