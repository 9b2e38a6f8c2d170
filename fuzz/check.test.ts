// The properties on single inputs: each kind of violation is reported, with its kind, and
// expected errors and honest decoders are not.
import { describe, expect, it } from 'vitest';
import { DecodeError, ErrorCode } from '../core/errors.js';
import { decodeHighWaterRecord, encodeHighWaterRecord } from '../core/records/high-water.js';
import { checkInput, checkLimits, checkValidValue, errorSignature } from './check.js';
import { fuzzTarget } from './engine.js';
import { framedRecordRejections } from './near-misses.js';
import highWaterTarget from './targets/high-water-record.js';
import { defineTarget, onlyDecodeError, SAME_AS, type AnyFuzzTarget } from './target.js';

/** A one-byte "format": the value is the byte; decoding rejects empty input. */
function byteTarget(overrides: Partial<Parameters<typeof defineTarget<number>>[0]> = {}): AnyFuzzTarget {
  return defineTarget<number>({
    name: 'byte',
    description: 'one byte',
    decode: (bytes) => {
      if (bytes.length !== 1) throw new DecodeError(ErrorCode.DECODE_EOF, 'one byte expected', 0);
      return bytes[0] ?? 0;
    },
    encode: (value) => Uint8Array.of(value),
    canonical: true,
    isExpectedError: onlyDecodeError,
    seeds: () => [Uint8Array.of(7)],
    ...overrides,
  });
}

const budget = { inputBudgetMs: 1_000 };

describe('what must be refused', () => {
  it('reports promise-broken when a near-miss is accepted: a TSOR decoder that compares values and skips its CRC (planted)', () => {
    const valid = encodeHighWaterRecord(1_700_000_000_000);
    const honest = checkInput(highWaterTarget as AnyFuzzTarget, valid, budget);
    expect(honest).toEqual({ kind: 'accepted' });
    const skipsCrc = defineTarget<number>({
      ...(highWaterTarget as unknown as Parameters<typeof defineTarget<number>>[0]),
      decode: (bytes) => {
        // Planted: recompute the CRC over the body, so a flipped stored CRC still "decodes".
        const repaired = encodeHighWaterRecord(decodeHighWaterRecord(Uint8Array.from([...bytes.subarray(0, 13), ...valid.subarray(13)])));
        return decodeHighWaterRecord(repaired);
      },
    });
    expect(checkInput(skipsCrc, valid, budget)).toMatchObject({ kind: 'finding', finding: 'promise-broken', signature: 'promise-broken:high-water-record:crc-flipped' });
  });

  it('reports promise-broken when a near-miss is refused with another code than promised', () => {
    const target = byteTarget({ rejections: (accepted) => [{ name: 'two-bytes', bytes: Uint8Array.of(accepted[0] ?? 0, 0), code: 'DECODE_LENGTH_LIMIT' }] });
    expect(checkInput(target, Uint8Array.of(3), budget)).toMatchObject({ kind: 'finding', finding: 'promise-broken', signature: 'promise-broken:byte:two-bytes' });
    const kept = byteTarget({ rejections: (accepted) => [{ name: 'two-bytes', bytes: Uint8Array.of(accepted[0] ?? 0, 0), code: 'DECODE_EOF' }] });
    expect(checkInput(kept, Uint8Array.of(3), budget)).toEqual({ kind: 'accepted' });
  });

  it('reports promise-broken when a near-miss is refused with the promised code at another offset than documented', () => {
    const promise = (offset: number) => byteTarget({ rejections: () => [{ name: 'empty', bytes: new Uint8Array(0), code: 'DECODE_EOF', offset }] });
    expect(checkInput(promise(0), Uint8Array.of(3), budget)).toEqual({ kind: 'accepted' });
    expect(checkInput(promise(1), Uint8Array.of(3), budget)).toMatchObject({ kind: 'finding', finding: 'promise-broken', signature: 'promise-broken:byte:empty:offset' });
  });

  it('compares a near-miss that decodes by the target verdict of its value, when the target reports bad bytes as values', () => {
    // A "log" of bytes whose value says where a zero byte stops it: the zero is a value, not an error.
    const log = (verdictOf: (value: number) => string) =>
      byteTarget({
        decode: (bytes) => {
          const zeroAt = bytes.indexOf(0);
          return zeroAt < 0 ? bytes.length : zeroAt;
        },
        encode: (stop) => new Uint8Array(stop).fill(1),
        canonical: false,
        verdict: verdictOf,
        rejections: (accepted) => [{ name: 'zero-appended', bytes: Uint8Array.from([...accepted, 0]), code: `stopped@${accepted.length}` }],
      });
    expect(checkInput(log((stop) => `stopped@${stop}`), Uint8Array.of(1, 2), budget)).toEqual({ kind: 'accepted' });
    expect(checkInput(log(() => 'accepted'), Uint8Array.of(1, 2), budget)).toMatchObject({ kind: 'finding', signature: 'promise-broken:byte:zero-appended' });
  });

  it('reports promise-broken when another form of the same thing decodes differently from its reference (sameAs)', () => {
    // A "format" where one byte or a 0xff-prefixed pair holds the same value (like a wider int).
    const widened = (decodeWide: (byte: number) => number) =>
      byteTarget({
        decode: (bytes) => {
          if (bytes.length === 2 && bytes[0] === 0xff) return decodeWide(bytes[1] ?? 0);
          if (bytes.length !== 1) throw new DecodeError(ErrorCode.DECODE_EOF, 'one byte expected', 0);
          return bytes[0] ?? 0;
        },
        canonical: false,
        rejections: (accepted) => [
          { name: 'wide', bytes: Uint8Array.of(0xff, accepted[0] ?? 0), code: SAME_AS, sameAs: accepted },
          // A refused reference: the other form must be refused alike, with the same code and offset.
          { name: 'wide-empty', bytes: Uint8Array.of(0xff, 1, 2), code: SAME_AS, sameAs: new Uint8Array(0) },
        ],
      });
    expect(checkInput(widened((byte) => byte), Uint8Array.of(3), budget)).toEqual({ kind: 'accepted' });
    expect(checkInput(widened((byte) => byte + 1), Uint8Array.of(3), budget)).toMatchObject({ kind: 'finding', signature: 'promise-broken:byte:wide' });
    const refusedElsewhere = byteTarget({
      rejections: () => [{ name: 'wide-empty', bytes: Uint8Array.of(1, 2), code: SAME_AS, sameAs: new Uint8Array(0) }],
      decode: (bytes) => {
        if (bytes.length !== 1) throw new DecodeError(ErrorCode.DECODE_EOF, 'one byte expected', bytes.length);
        return bytes[0] ?? 0;
      },
    });
    expect(checkInput(refusedElsewhere, Uint8Array.of(3), budget)).toMatchObject({ kind: 'finding', signature: 'promise-broken:byte:wide-empty' });
  });

  it('checks limit promises once per run: a limit refused one too early is found before any input, and saved as it is', () => {
    const limits = [
      { name: 'two-at-limit', bytes: Uint8Array.of(1, 2), code: 'accepted' },
      { name: 'three-above-limit', bytes: Uint8Array.of(1, 2, 3), code: 'DECODE_LENGTH_LIMIT', offset: 0 },
    ];
    const limited = (lengthMax: number) =>
      byteTarget({
        decode: (bytes) => {
          if (bytes.length > lengthMax) throw new DecodeError(ErrorCode.DECODE_LENGTH_LIMIT, `${bytes.length} bytes`, 0);
          return bytes[0] ?? 0;
        },
        canonical: false,
        limits: () => limits,
      });
    expect(checkLimits(limited(2)).outcome).toEqual({ kind: 'accepted' });
    const offByOne = checkLimits(limited(1));
    expect(offByOne.outcome).toMatchObject({ kind: 'finding', signature: 'promise-broken:byte:two-at-limit' });
    expect(offByOne.bytes).toEqual(Uint8Array.of(1, 2));
    const report = fuzzTarget(limited(1), { seed: 1, execsMax: 10, findingsDir: null });
    expect(report.findings.map((f) => [f.signature, Array.from(f.input)])).toContainEqual(['promise-broken:byte:two-at-limit', [1, 2]]);
  });

  it('reports an accepted input whose near-misses cannot be built as a finding, not a crash of the run', () => {
    const target = byteTarget({
      rejections: () => {
        throw new DecodeError(ErrorCode.DECODE_EOF, 'the walk ran off the accepted bytes', 1);
      },
    });
    const outcome = checkInput(target, Uint8Array.of(3), budget);
    expect(outcome).toMatchObject({ kind: 'finding', finding: 'unexpected-error' });
    expect(outcome.kind === 'finding' ? outcome.signature : '').toContain('unexpected-error:byte:near-misses:');
  });

  it('reports bad-offset when a decode error names an offset past the input (a reader that ran off its end)', () => {
    const target = byteTarget({
      decode: (bytes) => {
        throw new DecodeError(ErrorCode.DECODE_EOF, 'ran off the end', bytes.length + 1);
      },
    });
    expect(checkInput(target, Uint8Array.of(1, 2), budget)).toMatchObject({ kind: 'finding', finding: 'bad-offset' });
    const atEnd = byteTarget({
      decode: (bytes) => {
        throw new DecodeError(ErrorCode.DECODE_EOF, 'at the end', bytes.length);
      },
    });
    expect(checkInput(atEnd, Uint8Array.of(1, 2), budget)).toEqual({ kind: 'rejected', code: 'DECODE_EOF', offset: 2 });
  });

  it('reports bare-error when a decode error carries nothing beyond its code', () => {
    const target = byteTarget({
      decode: () => {
        throw new DecodeError(ErrorCode.DECODE_EOF, '', 0);
      },
    });
    expect(checkInput(target, Uint8Array.of(1, 2), budget)).toMatchObject({ kind: 'finding', finding: 'bare-error' });
  });

  it('the framed-record near-misses of a valid TSOR record are each refused with the promised code', () => {
    const valid = encodeHighWaterRecord(42);
    const misses = framedRecordRejections(valid, { oneByteShort: 'RECORD_TOO_SHORT', oneByteLong: 'RECORD_TOO_LONG' });
    expect(misses.map((m) => m.name)).toEqual(expect.arrayContaining(['crc-flipped', 'magic-flipped', 'version-255', 'first-body-byte-flipped', 'one-byte-short', 'one-byte-long']));
    for (const miss of misses) {
      let code = 'accepted';
      try {
        decodeHighWaterRecord(miss.bytes);
      } catch (e) {
        code = (e as DecodeError).code;
      }
      expect(code, miss.name).toBe(miss.code);
    }
  });
});

describe('checkInput', () => {
  it('accepts a valid input and reports an expected rejection with its code and offset', () => {
    expect(checkInput(byteTarget(), Uint8Array.of(3), budget)).toEqual({ kind: 'accepted' });
    expect(checkInput(byteTarget(), Uint8Array.of(), budget)).toEqual({ kind: 'rejected', code: 'DECODE_EOF', offset: 0 });
  });

  it('reports a foreign exception as unexpected-error, with a signature naming the throwing frame', () => {
    const target = byteTarget({
      decode: (bytes) => {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        return view.getUint16(0);
      },
    });
    const outcome = checkInput(target, Uint8Array.of(1), budget);
    expect(outcome.kind).toBe('finding');
    if (outcome.kind !== 'finding') return;
    expect(outcome.finding).toBe('unexpected-error');
    expect(outcome.signature).toMatch(/^unexpected-error:byte:RangeError:.*fuzz\/check\.test\.ts:\d+$/);
    expect(outcome.detail).toContain('input (1 bytes): 01');
  });

  it('reports an accepted input that re-encodes differently as not-canonical', () => {
    const target = byteTarget({ encode: (value) => Uint8Array.of(value ^ 1) });
    expect(checkInput(target, Uint8Array.of(2), budget)).toMatchObject({ kind: 'finding', finding: 'not-canonical' });
  });

  it('reports a value the encoder refuses as encode-failed', () => {
    const target = byteTarget({
      encode: (value) => {
        if (value > 200) throw new RangeError('too big');
        return Uint8Array.of(value);
      },
    });
    expect(checkInput(target, Uint8Array.of(201), budget)).toMatchObject({ kind: 'finding', finding: 'encode-failed' });
    expect(checkInput(target, Uint8Array.of(200), budget)).toEqual({ kind: 'accepted' });
  });

  it('reports an unstable normalisation of a non-canonical format as a round-trip failure', () => {
    // Decodes to the byte, but encodes a different byte that decodes to a different value.
    const target = byteTarget({ canonical: false, encode: (value) => Uint8Array.of((value + 1) & 0xff) });
    expect(checkInput(target, Uint8Array.of(5), budget)).toMatchObject({ kind: 'finding', finding: 'round-trip' });
  });

  it('reports an allocation sized by the input rather than by its length', () => {
    const target = byteTarget({
      decode: (bytes) => {
        const declared = (bytes[0] ?? 0) * 1024;
        const buffer = new Uint8Array(declared); // trusted length: the planted bug
        if (bytes.length !== 1) throw new DecodeError(ErrorCode.DECODE_EOF, 'one byte expected', 0);
        return buffer.length > 0 ? bytes[0] ?? 0 : 0;
      },
    });
    expect(checkInput(target, Uint8Array.of(1), budget)).toEqual({ kind: 'accepted' });
    expect(checkInput(target, Uint8Array.of(200, 0), budget)).toMatchObject({ kind: 'finding', finding: 'allocation', signature: 'allocation:byte:external' });
  });

  it('reports a JS-heap allocation (a preallocated array) too', () => {
    const target = byteTarget({
      decode: (bytes) => {
        const slots = new Array<number>((bytes[0] ?? 0) * 1024);
        if (bytes.length !== 1) throw new DecodeError(ErrorCode.DECODE_EOF, 'one byte expected', 0);
        return slots.length > 0 ? bytes[0] ?? 0 : 0;
      },
    });
    expect(checkInput(target, Uint8Array.of(90, 0), budget)).toMatchObject({ kind: 'finding', finding: 'allocation', signature: 'allocation:byte:heap' });
  });

  it('reports an input that is slow every time, not one that is slow once', () => {
    let calls = 0;
    // Blocks without allocating (a spinning loop on performance.now() would allocate numbers).
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const busyMs = (ms: number): void => {
      Atomics.wait(cell, 0, 0, ms);
    };
    const alwaysSlow = byteTarget({
      decode: (bytes) => {
        if (bytes[0] === 0xee) busyMs(30);
        return bytes[0] ?? 0;
      },
    });
    expect(checkInput(alwaysSlow, Uint8Array.of(0xee), { inputBudgetMs: 10 })).toMatchObject({ kind: 'finding', finding: 'slow' });
    const slowOnce = byteTarget({
      decode: (bytes) => {
        calls += 1;
        if (calls === 1) busyMs(30);
        return bytes[0] ?? 0;
      },
    });
    expect(checkInput(slowOnce, Uint8Array.of(1), { inputBudgetMs: 10 })).toEqual({ kind: 'accepted' });
  });

  it('never throws, even when the target hooks throw', () => {
    const target = byteTarget({
      isExpectedError: () => {
        throw new Error('broken hook');
      },
      equals: () => {
        throw new Error('broken equals');
      },
    });
    expect(checkInput(target, Uint8Array.of(), budget)).toMatchObject({ kind: 'finding', finding: 'unexpected-error' });
  });
});

describe('checkValidValue', () => {
  it('round-trips a valid value and returns its encoding', () => {
    expect(checkValidValue(byteTarget(), 9)).toEqual({ outcome: { kind: 'accepted' }, bytes: Uint8Array.of(9) });
  });

  it('reports a valid value whose encoding does not decode', () => {
    const target = byteTarget({ encode: (value) => Uint8Array.of(value, 0) });
    expect(checkValidValue(target, 9).outcome).toMatchObject({ kind: 'finding', finding: 'valid-value-rejected' });
  });

  it('reports a valid value that decodes to something else', () => {
    const target = byteTarget({ decode: (bytes) => (bytes[0] ?? 0) & 0x0f });
    expect(checkValidValue(target, 0x1f).outcome).toMatchObject({ kind: 'finding', finding: 'round-trip' });
  });
});

describe('errorSignature', () => {
  it('is stable across messages that differ only in numbers', () => {
    const a = new DecodeError(ErrorCode.DECODE_EOF, 'need 4 bytes, 2 left');
    const b = new DecodeError(ErrorCode.DECODE_EOF, 'need 8 bytes, 1 left');
    expect(errorSignature(a).replace(/:\d+$/, '')).toBe(errorSignature(b).replace(/:\d+$/, ''));
    expect(errorSignature('thrown string')).toBe('non-error:string');
  });
});
