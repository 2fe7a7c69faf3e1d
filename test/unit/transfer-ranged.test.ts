import { describe, expect, it } from 'vitest';
import { rangeCount } from '../../src/transfer/ranged.js';
import type { TransferSink, TransferSource } from '../../src/transfer-entry.js';
import type { OpenedSource } from '../../src/internal.js';

const MIB = 1024 * 1024;
const source = { name: 's', replayable: true, read: async () => undefined, readRange: async () => undefined } as unknown as TransferSource;
const sink = { name: 'f', partial: 'resume', openPositional: async () => undefined } as unknown as TransferSink;
const opened = (size: number, extra: Partial<OpenedSource> = {}): OpenedSource => ({
  stream: new ReadableStream(),
  offset: 0,
  size,
  validator: '"v1"',
  acceptsRanges: true,
  ...extra,
});

describe('rangeCount', () => {
  it('splits a large file by default only when the answer was slow enough to mean a long link', () => {
    expect(rangeCount(opened(256 * MIB), source, sink, undefined, 40)).toBe(4);
    expect(rangeCount(opened(96 * MIB), source, sink, undefined, 40)).toBe(3);
    expect(rangeCount(opened(256 * MIB), source, sink, undefined, 3)).toBe(1);
    expect(rangeCount(opened(32 * MIB), source, sink, undefined, 40)).toBe(1);
  });

  it('takes the asked count whatever the link, but never more ranges than MiB', () => {
    expect(rangeCount(opened(32 * MIB), source, sink, 8, 1)).toBe(8);
    expect(rangeCount(opened(3 * MIB), source, sink, 8, 1)).toBe(3);
  });

  it('never splits without Accept-Ranges, a validator, a known size, a start at 0, or both ends able to', () => {
    expect(rangeCount(opened(256 * MIB, { acceptsRanges: false }), source, sink, 4, 40)).toBe(1);
    expect(rangeCount(opened(256 * MIB, { validator: undefined }), source, sink, 4, 40)).toBe(1);
    expect(rangeCount({ stream: new ReadableStream(), offset: 0, validator: '"v"', acceptsRanges: true }, source, sink, 4, 40)).toBe(1);
    expect(rangeCount(opened(256 * MIB, { offset: MIB }), source, sink, 4, 40)).toBe(1);
    expect(rangeCount(opened(256 * MIB), { ...source, readRange: undefined }, sink, 4, 40)).toBe(1);
    expect(rangeCount(opened(256 * MIB), source, { ...sink, openPositional: undefined }, 4, 40)).toBe(1);
  });
});
