// The frame shared by the original's checksummed on-disk records (TSOR, TSOD, ...):
// `magic[4] | u8 version | body | u32 crc32c LE`, the CRC over every byte before it.
//
// Invariants: `openFramedRecord` is total (only `DecodeError`). It checks, in this order, that
// the header is there (RECORD_TOO_SHORT), the magic (RECORD_BAD_MAGIC), the version
// (RECORD_UNSUPPORTED_VERSION), the minimum length of that version (RECORD_TOO_SHORT) and the
// CRC (RECORD_CRC_MISMATCH), and only then hands out a reader over the body. A body reader that
// runs out of bytes reports RECORD_MALFORMED: the CRC matched, so the writer produced bad bytes.
import { assert } from '../assert.js';
import { crc32c } from '../codec/crc32c.js';
import { LeReader, LeWriter, readU32LeAt } from '../codec/le.js';
import { DecodeError, ErrorCode } from '../errors.js';

export const RECORD_MAGIC_BYTES = 4;
/** Magic and version byte. */
export const RECORD_HEADER_BYTES = RECORD_MAGIC_BYTES + 1;
export const RECORD_CRC_BYTES = 4;

export interface FramedRecordKind {
  /** Four ASCII characters. */
  readonly magic: string;
  /** Smallest valid record length in bytes (header, empty body, CRC), per supported version. */
  readonly bytesMinByVersion: ReadonlyMap<number, number>;
}

export interface OpenedRecord {
  readonly version: number;
  /** Reads the body, between the header and the CRC. */
  readonly body: LeReader;
}

/** Each magic's bytes, checked once (a record is sealed per commit: no regex and copy per record). */
const magicBytesByMagic = new Map<string, Uint8Array>();

function magicBytes(magic: string): Uint8Array {
  const known = magicBytesByMagic.get(magic);
  if (known !== undefined) return known;
  assert(magic.length === RECORD_MAGIC_BYTES && /^[\x20-\x7e]{4}$/.test(magic), 'record_magic_four_ascii', magic);
  const bytes = Uint8Array.from(magic, (c) => c.charCodeAt(0));
  // Bounded: the magics are the record kinds' constants, a handful in all.
  if (magicBytesByMagic.size < 64) magicBytesByMagic.set(magic, bytes);
  return bytes;
}

/** Builds `magic | version | body | crc32c`. */
export function sealFramedRecord(magic: string, version: number, writeBody: (w: LeWriter) => void, initialCapacityBytes = 64): Uint8Array {
  const w = new LeWriter(initialCapacityBytes);
  w.raw(magicBytes(magic)).u8(version);
  writeBody(w);
  w.u32(crc32c(w.written()));
  return w.finish();
}

/** Checks the frame of `bytes` and returns its version and a reader over its body. */
export function openFramedRecord(bytes: Uint8Array, kind: FramedRecordKind): OpenedRecord {
  const magic = magicBytes(kind.magic);
  if (bytes.length < RECORD_HEADER_BYTES + RECORD_CRC_BYTES) {
    throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, `${kind.magic} record of ${bytes.length} byte(s)`, 0);
  }
  for (let i = 0; i < RECORD_MAGIC_BYTES; i++) {
    if (bytes[i] !== magic[i]) throw new DecodeError(ErrorCode.RECORD_BAD_MAGIC, `not a ${kind.magic} record`, 0);
  }
  const version = bytes[RECORD_MAGIC_BYTES] as number;
  const bytesMin = kind.bytesMinByVersion.get(version);
  if (bytesMin === undefined) {
    throw new DecodeError(ErrorCode.RECORD_UNSUPPORTED_VERSION, `${kind.magic} version ${version}`, RECORD_MAGIC_BYTES);
  }
  if (bytes.length < bytesMin) {
    throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, `${kind.magic} v${version} record of ${bytes.length} byte(s), at least ${bytesMin} needed`, 0);
  }
  const crcOffset = bytes.length - RECORD_CRC_BYTES;
  const stored = readU32LeAt(bytes, crcOffset);
  const computed = crc32c(bytes, 0, crcOffset);
  if (stored !== computed) throw new DecodeError(ErrorCode.RECORD_CRC_MISMATCH, `${kind.magic} checksum mismatch`, crcOffset);
  return { version, body: new LeReader(bytes, RECORD_HEADER_BYTES, crcOffset, ErrorCode.RECORD_MALFORMED) };
}
