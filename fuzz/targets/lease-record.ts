// Target: the TSOL stamping-lease record (core/oracle/lease-record.ts), the file driver's
// `leases` file: "TSOL" | u8 1 | lease set (postcard, core/oracle/leases.ts) | u32 LE crc32c.
// Not canonical: postcard accepts padded varints (`ff 00` reads as 127), so the decoded set must
// re-encode to bytes that decode to an equal set. The fixup repairs the CRC so mutations reach
// the lease-set parser and its invariants (sorted ids, one active lease per holder, ranges).
import * as fc from 'fast-check';
import { PHYSICAL_MS_MAX } from '../../core/limits.js';
import { decodeLeaseRecord, encodeLeaseRecord, LEASE_RECORD_MAGIC } from '../../core/oracle/lease-record.js';
import { grantLease, LEASE_TTL_MS_LIMIT, type LeaseRecord } from '../../core/oracle/leases.js';
import { u64Arbitrary } from '../../core/records/arbitraries.js';
import { framedRecordRejections } from '../near-misses.js';
import { fixRecordCrc } from '../structure.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';

/** Canonical lease sets: ids strictly increasing, at most one active lease per holder. */
export const leaseSetArbitrary: fc.Arbitrary<LeaseRecord[]> = fc
  .array(
    fc.record({
      holder: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.uint8Array({ minLength: 1, maxLength: 128 })),
      holderEpoch: u64Arbitrary,
      ttlMs: fc.integer({ min: 1, max: LEASE_TTL_MS_LIMIT }),
      tsUpperBoundMs: fc.integer({ min: 0, max: PHYSICAL_MS_MAX }),
      expiresAtMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      superseded: fc.boolean(),
    }),
    { maxLength: 6 },
  )
  .chain((records) =>
    fc.uniqueArray(u64Arbitrary, { minLength: records.length, maxLength: records.length }).map((ids) => {
      const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const activeHolders = new Set<string>();
      return records
        .map((r, i) => ({ ...r, leaseId: sorted[i] as bigint }))
        .reverse()
        .map((r) => {
          const key = Array.from(r.holder).join(',');
          if (r.superseded || activeHolders.has(key)) return { ...r, superseded: true };
          activeHolders.add(key);
          return r;
        })
        .reverse();
    }),
  );

export default defineTarget<LeaseRecord[]>({
  name: 'lease-record',
  description: 'TSOL lease record decodeLeaseRecord/encodeLeaseRecord (the file driver leases file, CRC-32C)',
  decode: decodeLeaseRecord,
  rejections: (accepted) => framedRecordRejections(accepted),
  encode: encodeLeaseRecord,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: leaseSetArbitrary,
  seeds: () => [
    encodeLeaseRecord([]),
    encodeLeaseRecord(grantLease([], { holder: new Uint8Array([0xab, 0xcd]), holderEpoch: 7n, ttlMs: 20_000 }, 1_000_000, 980_000).leases),
    encodeLeaseRecord(
      grantLease(grantLease([], { holder: new Uint8Array([1]), holderEpoch: 1n, ttlMs: 5_000 }, 10, 5).leases, { holder: new Uint8Array([1]), holderEpoch: 2n, ttlMs: 300_000 }, 20, 6).leases,
    ),
  ],
  fixup: fixRecordCrc,
  dictionary: [token(LEASE_RECORD_MAGIC), Uint8Array.of(1), Uint8Array.of(0x80, 0x01), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)],
  inputBytesMax: 4_096,
});
