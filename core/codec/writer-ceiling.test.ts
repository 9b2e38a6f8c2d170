// The ceiling of both byte writers (postcard `Writer`, `LeWriter`): a write that would take the
// output past the writer's `bytesMax` (1 GiB by default and at most) is refused by name before
// anything is allocated, and a write that ends exactly at it is taken. The boundary is checked at
// small ceilings, where it costs nothing; the 1 GiB default is checked by its refusals, which cost
// nothing either: a fresh 1 GiB input is zero pages the kernel hands out lazily, and the writer
// refuses before reading it. (Taking exactly 1 GiB for real costs 3-8 s of page faults on this
// machine's VM, for the same comparison the small ceilings make.)
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.js';
import { invariantOf } from '../test-support.js';
import { LE_WRITER_BYTES_MAX, LeWriter } from './le.js';
import { WRITER_BYTES_MAX, Writer } from './postcard.js';

const GIB = 2 ** 30;

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (e) {
    if (e instanceof AssertionError) return e.message;
    throw e;
  }
  return 'no error';
}

/** What the two writers share, so one table checks both. */
interface CeilingWriter {
  u8(value: number): unknown;
  raw(bytes: Uint8Array): unknown;
}

const writers: ReadonlyArray<{
  name: string;
  make: (initialCapacityBytes?: number, bytesMax?: number) => CeilingWriter;
  lengthOf: (w: CeilingWriter) => number;
  bytesOf: (w: CeilingWriter) => Uint8Array;
  ceilingDefault: number;
  within: string;
  inRange: string;
}> = [
  {
    name: 'postcard Writer',
    make: (initial, max) => new Writer(initial, max),
    lengthOf: (w) => (w as Writer).length,
    bytesOf: (w) => (w as Writer).finish(),
    ceilingDefault: WRITER_BYTES_MAX,
    within: 'writer_within_bytes_max',
    inRange: 'writer_bytes_max_in_range',
  },
  {
    name: 'LeWriter',
    make: (initial, max) => new LeWriter(initial, max),
    lengthOf: (w) => (w as LeWriter).length,
    bytesOf: (w) => (w as LeWriter).finish(),
    ceilingDefault: LE_WRITER_BYTES_MAX,
    within: 'le_writer_within_bytes_max',
    inRange: 'le_writer_bytes_max_in_range',
  },
];

describe.each(writers)('$name ceiling', ({ make, lengthOf, bytesOf, ceilingDefault, within, inRange }) => {
  it('is 1 GiB by default', () => {
    expect(ceilingDefault).toBe(GIB);
  });

  it('refuses by default a write that would pass 1 GiB, by name, with the size it would need', () => {
    const past = new Uint8Array(GIB + 1);
    expect(invariantOf(() => make().raw(past))).toBe(within);
    expect(messageOf(() => make().raw(past))).toContain(`value ${GIB + 1}`);
    // A byte first: the bytes that follow are what pass the ceiling.
    const writer = make();
    writer.u8(1);
    expect(invariantOf(() => writer.raw(new Uint8Array(GIB)))).toBe(within);
    expect(lengthOf(writer)).toBe(1);
  });

  it.each([1, 2, 63, 64, 65, 100, 128, 1000])(
    'with a ceiling of %i bytes: takes a write that ends exactly at it (growing there), refuses one byte more, and keeps what it had',
    (bytesMax) => {
      const writer = make(1, bytesMax);
      writer.u8(7);
      const rest = Uint8Array.from({ length: bytesMax - 1 }, (_, i) => i & 0xff);
      writer.raw(rest);
      expect(lengthOf(writer)).toBe(bytesMax);
      expect(invariantOf(() => writer.u8(0))).toBe(within);
      expect(messageOf(() => writer.u8(0))).toContain(`value ${bytesMax + 1}`);
      expect(invariantOf(() => writer.raw(new Uint8Array(1)))).toBe(within);
      expect(Array.from(bytesOf(writer))).toEqual([7, ...rest]);
    },
  );

  it('with a ceiling, refuses before growing: a writer that starts larger than its ceiling starts at the ceiling', () => {
    const writer = make(4096, 16);
    writer.raw(new Uint8Array(16).fill(9));
    expect(invariantOf(() => writer.u8(0))).toBe(within);
    expect(Array.from(bytesOf(writer))).toEqual(new Array(16).fill(9));
    // A single write past the ceiling from an empty writer.
    expect(invariantOf(() => make(1, 16).raw(new Uint8Array(17)))).toBe(within);
    expect(lengthOf(make(1, 16).raw(new Uint8Array(16)) as CeilingWriter)).toBe(16);
  });

  it.each([0, -1, 1.5, Number.NaN, GIB + 1, 2 ** 53])('refuses a ceiling of %s by name', (bytesMax) => {
    expect(invariantOf(() => make(64, bytesMax))).toBe(inRange);
  });

  it('takes a ceiling of 1 and of exactly 1 GiB', () => {
    expect(invariantOf(() => make(64, 1), null)).toBeNull();
    expect(invariantOf(() => make(64, GIB), null)).toBeNull();
  });
});
