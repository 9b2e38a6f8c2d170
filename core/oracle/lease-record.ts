// The TSOL record: the file driver's durable stamping-lease set, in the frame of the other
// checksummed records (core/records/framed.ts): "TSOL" | u8 version 1 | body | u32 crc32c LE.
// The body is the lease-set postcard payload of core/oracle/leases.ts (`seq(LeaseRecord)`), the
// same bytes a SetLeases entry carries after its expected term.
//
// Invariants: the decoder is total (only `DecodeError`): frame errors first (length, magic,
// version, CRC), then RECORD_MALFORMED for a body that is not a canonical lease set; only
// canonical sets (`leaseSetProblem` null) are written or accepted.
import { Reader, Writer } from '../codec/postcard.js';
import { DecodeError, ErrorCode, isDecodeError } from '../errors.js';
import { openFramedRecord, RECORD_CRC_BYTES, RECORD_HEADER_BYTES, sealFramedRecord, type FramedRecordKind } from '../records/framed.js';
import { readLeaseSet, writeLeaseSet, type LeaseRecord } from './leases.js';

export const LEASE_RECORD_MAGIC = 'TSOL';
export const LEASE_RECORD_VERSION = 1;

const kind: FramedRecordKind = {
  magic: LEASE_RECORD_MAGIC,
  // The empty set is one varint byte (0).
  bytesMinByVersion: new Map([[LEASE_RECORD_VERSION, RECORD_HEADER_BYTES + 1 + RECORD_CRC_BYTES]]),
};

/** The TSOL record holding `leases` (canonical: sorted by id, at most one active per holder). */
export function encodeLeaseRecord(leases: readonly LeaseRecord[]): Uint8Array {
  const body = new Writer();
  writeLeaseSet(body, leases);
  const payload = body.finish();
  return sealFramedRecord(LEASE_RECORD_MAGIC, LEASE_RECORD_VERSION, (w) => w.raw(payload), payload.length + RECORD_HEADER_BYTES + RECORD_CRC_BYTES);
}

/** The lease set of a TSOL record. Throws only `DecodeError`. */
export function decodeLeaseRecord(bytes: Uint8Array): LeaseRecord[] {
  const { body } = openFramedRecord(bytes, kind);
  const payload = body.view(body.remaining);
  try {
    const reader = new Reader(payload);
    const leases = readLeaseSet(reader);
    reader.expectEnd();
    return leases;
  } catch (error) {
    // The CRC matched, so the writer produced these bytes: malformed, not torn.
    if (isDecodeError(error)) throw new DecodeError(ErrorCode.RECORD_MALFORMED, `TSOL body: ${error.message}`, RECORD_HEADER_BYTES);
    throw error;
  }
}
