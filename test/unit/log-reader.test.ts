import { describe, expect, it } from 'vitest';
import { readLogStreams, ValidationError, type LogRead, type LogStream, type LogStreamSource } from '../../src/internal.js';

/** In-memory streams of one executor that a test appends to; counts the bytes read. */
function memory(): { source: LogStreamSource; append(stream: 'stdout' | 'stderr', bytes: Uint8Array | string): void; bytesRead: number } {
  const data: Record<string, Uint8Array> = {};
  const state = {
    bytesRead: 0,
    append(stream: 'stdout' | 'stderr', bytes: Uint8Array | string) {
      const add = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
      const old = data[stream] ?? new Uint8Array();
      const joined = new Uint8Array(old.length + add.length);
      joined.set(old);
      joined.set(add, old.length);
      data[stream] = joined;
    },
    source: {
      streams: [
        { executor: 0, stream: 'stdout' },
        { executor: 0, stream: 'stderr' },
      ] as LogStream[],
      size: async (s: LogStream) => data[s.stream]?.length,
      read: async (s: LogStream, position: number, length: number) => {
        state.bytesRead += length;
        return (data[s.stream] as Uint8Array).slice(position, position + length);
      },
    },
  };
  return state;
}

const text = (read: LogRead): string => read.chunks.map((c) => c.text).join('');

describe('readLogStreams', () => {
  it('reads only what is new on each call, stream by stream, with offsets and byte counts', async () => {
    const m = memory();
    m.append('stdout', 'one\n');
    m.append('stderr', 'warn\n');
    const first = await readLogStreams(m.source, undefined);
    expect(first.chunks).toEqual([
      { executor: 0, stream: 'stdout', offset: 0, bytes: 4, text: 'one\n' },
      { executor: 0, stream: 'stderr', offset: 0, bytes: 5, text: 'warn\n' },
    ]);
    m.append('stdout', 'two\n');
    const before = m.bytesRead;
    const second = await readLogStreams(m.source, first.cursor);
    expect(second.chunks).toEqual([{ executor: 0, stream: 'stdout', offset: 4, bytes: 4, text: 'two\n' }]);
    expect(m.bytesRead - before).toBe(4);
    expect((await readLogStreams(m.source, second.cursor)).chunks).toEqual([]);
  });

  it('never splits a UTF-8 character: an incomplete one waits for its last bytes, unless final', async () => {
    const m = memory();
    const e = new TextEncoder().encode('é€😀');
    m.append('stdout', e.subarray(0, 4)); // é and the first 2 of the 3 bytes of €
    const first = await readLogStreams(m.source, undefined);
    expect(first.chunks.map((c) => [c.text, c.bytes])).toEqual([['é', 2]]);
    m.append('stdout', e.subarray(4, 7)); // the end of €, and the first 2 of the 4 bytes of 😀
    const second = await readLogStreams(m.source, first.cursor);
    expect(second.chunks.map((c) => [c.text, c.offset, c.bytes])).toEqual([['€', 2, 3]]);
    const final = await readLogStreams(m.source, second.cursor, { final: true });
    expect(final.chunks.map((c) => [c.text, c.offset, c.bytes])).toEqual([['\uFFFD', 5, 2]]);
    expect((await readLogStreams(m.source, final.cursor, { final: true })).chunks).toEqual([]);
  });

  it('caps a call at maxBytes per stream: the older bytes are skipped, the text starts on a whole character', async () => {
    const m = memory();
    m.append('stdout', 'é'.repeat(1000)); // 2000 bytes
    const read = await readLogStreams(m.source, undefined, { maxBytes: 5 });
    // The last 5 bytes start with the second byte of an é: the text starts after it.
    expect(read.chunks).toEqual([{ executor: 0, stream: 'stdout', offset: 1996, bytes: 4, text: 'éé' }]);
    expect(m.bytesRead).toBe(5);
    m.append('stdout', 'é'.repeat(3));
    const next = await readLogStreams(m.source, read.cursor, { maxBytes: 5 });
    expect(next.chunks.map((c) => [c.offset, c.text])).toEqual([[2002, 'éé']]);
    expect(text(next)).not.toContain('\uFFFD');
  });

  it('refuses a cursor it did not make and a cap below one character', async () => {
    const m = memory();
    for (const cursor of ['', 'nope', '[1]', '{"0.stdout":-1}', '{"x":1}', '{"0.stdout":1.5}']) {
      const error = await readLogStreams(m.source, cursor).catch((e: unknown) => e);
      expect(error, cursor).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'cursor', message: 'is not a cursor returned by readLogs' }]);
    }
    const error = await readLogStreams(m.source, undefined, { maxBytes: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('maxBytes');
  });
});
