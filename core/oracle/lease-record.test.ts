// The TSOL lease record: round trip, frame checks first, every single-bit flip detected, and a
// total decoder.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, ErrorCode } from '../errors.js';
import { decodeLeaseRecord, encodeLeaseRecord } from './lease-record.js';
import { grantLease } from './leases.js';

const leases = grantLease([], { holder: new Uint8Array([1, 2, 3]), holderEpoch: 9n, ttlMs: 10_000 }, 123_456, 113_456).leases;

describe('TSOL lease record', () => {
  it('round-trips the empty set and a set with a lease', () => {
    expect(decodeLeaseRecord(encodeLeaseRecord([]))).toEqual([]);
    expect(decodeLeaseRecord(encodeLeaseRecord(leases))).toEqual(leases);
    expect(Array.from(encodeLeaseRecord([]).subarray(0, 6))).toEqual([0x54, 0x53, 0x4f, 0x4c, 1, 0]);
  });

  it('detects every single-bit flip', () => {
    const record = encodeLeaseRecord(leases);
    for (let bit = 0; bit < record.length * 8; bit++) {
      const flipped = Uint8Array.from(record);
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(() => decodeLeaseRecord(flipped)).toThrowError(DecodeError);
    }
  });

  it('refuses an unknown version by its code', () => {
    const record = encodeLeaseRecord([]);
    record[4] = 2;
    expect(() => decodeLeaseRecord(record)).toThrowError(expect.objectContaining({ code: ErrorCode.RECORD_UNSUPPORTED_VERSION }));
  });

  it('is total over any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodeLeaseRecord(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });
});
