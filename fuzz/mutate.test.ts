// Mutations: bounded, never aliasing, deterministic, and the structure-aware ones land where the
// target says its length fields are.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, ErrorCode } from '../core/errors.js';
import { concat, encodeLeb128, mutate, writeInteger } from './mutate.js';
import { FuzzRandom } from './random.js';
import { defineTarget, onlyDecodeError, type AnyFuzzTarget } from './target.js';

function target(overrides: Partial<Parameters<typeof defineTarget<Uint8Array>>[0]> = {}): AnyFuzzTarget {
  return defineTarget<Uint8Array>({
    name: 'bytes',
    description: 'test',
    decode: () => {
      throw new DecodeError(ErrorCode.DECODE_EOF, 'never', 0);
    },
    canonical: false,
    isExpectedError: onlyDecodeError,
    seeds: () => [],
    ...overrides,
  });
}

describe('mutate', () => {
  it('never exceeds the target input limit and never returns its input array', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 1_000_000 }), (input, seed) => {
        const random = new FuzzRandom(seed);
        const small = target({ inputBytesMax: 64, dictionary: [Uint8Array.of(1, 2, 3)] });
        const before = input.slice();
        for (let i = 0; i < 20; i += 1) {
          const output = mutate(input, { random, target: small, other: () => Uint8Array.of(9, 9, 9) });
          expect(output.length).toBeLessThanOrEqual(64);
          expect(output).not.toBe(input);
          expect(output.buffer).not.toBe(input.buffer);
        }
        expect(input).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number): Uint8Array[] => {
      const random = new FuzzRandom(seed);
      const out: Uint8Array[] = [];
      let current: Uint8Array = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
      for (let i = 0; i < 50; i += 1) {
        current = mutate(current, { random, target: target(), other: () => Uint8Array.of(0xaa) });
        out.push(current);
      }
      return out;
    };
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });

  it('inflates the declared length fields (u16 little-endian at offset 2 here)', () => {
    const withField = target({ lengthFields: () => [{ offset: 2, encoding: 'u16le' }] });
    const random = new FuzzRandom(1);
    const input = Uint8Array.of(0xaa, 0xbb, 3, 0, 1, 2, 3);
    let changedField = 0;
    for (let i = 0; i < 2_000; i += 1) {
      const output = mutate(input, { random, target: withField, other: () => input });
      if (output.length === input.length && output[0] === 0xaa && output[1] === 0xbb && (output[2] !== 3 || output[3] !== 0) && output.subarray(4).every((b, j) => b === input[4 + j])) {
        changedField += 1;
      }
    }
    // A single stacked mutation that touched only the length field happens often.
    expect(changedField).toBeGreaterThan(50);
  });
});

describe('integer writers', () => {
  it('encodes LEB128 varints (least significant group first)', () => {
    expect(encodeLeb128(0n)).toEqual(Uint8Array.of(0));
    expect(encodeLeb128(127n)).toEqual(Uint8Array.of(0x7f));
    expect(encodeLeb128(128n)).toEqual(Uint8Array.of(0x80, 0x01));
    expect(encodeLeb128(65535n)).toEqual(Uint8Array.of(0xff, 0xff, 0x03));
    expect(encodeLeb128((1n << 64n) - 1n)).toEqual(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
    expect(encodeLeb128(0n, 1)).toEqual(Uint8Array.of(0x80, 0x00));
  });

  it('writes fixed-width integers in either byte order, growing the input when needed', () => {
    expect(writeInteger(Uint8Array.of(9, 9, 9, 9), 1, 2, true, 0x1234n)).toEqual(Uint8Array.of(9, 0x34, 0x12, 9));
    expect(writeInteger(Uint8Array.of(9, 9, 9, 9), 1, 2, false, 0x1234n)).toEqual(Uint8Array.of(9, 0x12, 0x34, 9));
    expect(writeInteger(Uint8Array.of(9), 0, 4, false, 0xffff_ffffn)).toEqual(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
  });

  it('concatenates', () => {
    expect(concat(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
  });
});
