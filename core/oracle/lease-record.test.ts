// The TSOL lease record: round trip, frame checks first, every single-bit flip detected, and a
// total decoder.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, ErrorCode } from '../errors.js';
import { sealFramedRecord } from '../records/framed.js';
import { decodeLeaseRecord, encodeLeaseRecord, LEASE_RECORD_MAGIC, LEASE_RECORD_VERSION } from './lease-record.js';
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

  it('refuses a sealed record with no body as too short (the empty set is one byte), and takes one with that byte', () => {
    const bare = sealFramedRecord(LEASE_RECORD_MAGIC, LEASE_RECORD_VERSION, () => undefined);
    expect(bare.length).toBe(9);
    expect(() => decodeLeaseRecord(bare)).toThrowError(expect.objectContaining({ code: ErrorCode.RECORD_TOO_SHORT, offset: 0 }));
    const smallest = sealFramedRecord(LEASE_RECORD_MAGIC, LEASE_RECORD_VERSION, (w) => w.u8(0));
    expect(smallest).toEqual(encodeLeaseRecord([]));
    expect(decodeLeaseRecord(smallest)).toEqual([]);
  });

  it('refuses a body that is not a canonical lease set as RECORD_MALFORMED at the body, naming the body problem', () => {
    const record = encodeLeaseRecord(leases);
    const body = record.subarray(5, record.length - 4);
    for (const bad of [Uint8Array.from([...body, 0]), Uint8Array.from([1]), Uint8Array.from([0xff])]) {
      const sealed = sealFramedRecord(LEASE_RECORD_MAGIC, LEASE_RECORD_VERSION, (w) => w.raw(bad));
      let error: unknown = null;
      try {
        decodeLeaseRecord(sealed);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DecodeError);
      expect(error).toMatchObject({ code: ErrorCode.RECORD_MALFORMED, offset: 5, message: expect.stringContaining('TSOL body: ') as unknown });
    }
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
