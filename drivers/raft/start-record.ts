// The start record of a Raft data directory (`dataDir/raft/start`, docs/raft.md §8.5): what a node
// was started with — the cluster's bootstrap voters with their Raft and service addresses, and,
// for a node that joined, its own addresses — so it restarts from its directory alone, with
// neither `--peers` nor `--join` (runners/raft.ts writes it at every start whose addresses
// differ from the stored ones; the CLI reads it when neither flag is given).
//
// It is not the meta record (meta.ts): meta names the cluster and is checked at every start;
// this record only spares the operator the flags, and every address in it is checked again as if
// it had come from the flags. Addresses are kept as text; a removed bootstrap voter's service
// address may be empty (a node that joined through an admin endpoint learns none for it).
//
// Format (framed like TSRM, little-endian): `"TSRB" | u8 1 | u32 voterCount | voterCount ×
// (u64 id | str raft | str service) | u8 joining | (str raft | str service if joining) | u32
// CRC-32C`, where `str` is `u32 length | UTF-8`. Ids ascending and distinct, at most
// RAFT_START_VOTERS_MAX voters, each string at most RAFT_START_ADDRESS_BYTES_MAX bytes. Decoding
// is total (only `DecodeError`), and anything but that canonical form is refused.
import { utf8Decode, utf8Encode } from '../../core/codec/utf8.js';
import type { LeReader } from '../../core/codec/le.js';
import { DecodeError, ErrorCode } from '../../core/errors.js';
import { openFramedRecord, RECORD_CRC_BYTES, RECORD_HEADER_BYTES, sealFramedRecord, type FramedRecordKind } from '../../core/records/framed.js';

export const RAFT_START_MAGIC = 'TSRB';
export const RAFT_START_VERSION = 1;
/** More than any cluster's bootstrap voters (RAFT_VOTERS_MAX is 9). */
export const RAFT_START_VOTERS_MAX = 64;
/** Longest address text stored. */
export const RAFT_START_ADDRESS_BYTES_MAX = 1024;

const START_BYTES_MIN = RECORD_HEADER_BYTES + 4 + 1 + RECORD_CRC_BYTES;
const startKind: FramedRecordKind = { magic: RAFT_START_MAGIC, bytesMinByVersion: new Map([[RAFT_START_VERSION, START_BYTES_MIN]]) };

export interface RaftStartAddresses {
  /** `host:port`. */
  readonly raft: string;
  /** `host:port`, or '' when unknown. */
  readonly service: string;
}

export interface RaftStartRecord {
  /** The bootstrap voters, ids ascending. */
  readonly voters: ReadonlyArray<{ readonly id: number } & RaftStartAddresses>;
  /** This node's own addresses when it joined (it is not a bootstrap voter); null otherwise. */
  readonly join: RaftStartAddresses | null;
}

function checkAddress(text: string, what: string): void {
  if (utf8Encode(text).length > RAFT_START_ADDRESS_BYTES_MAX) throw new RangeError(`start record: ${what} is longer than ${RAFT_START_ADDRESS_BYTES_MAX} bytes`);
}

export function encodeRaftStart(record: RaftStartRecord): Uint8Array {
  if (record.voters.length > RAFT_START_VOTERS_MAX) throw new RangeError(`start record: ${record.voters.length} voters, at most ${RAFT_START_VOTERS_MAX}`);
  const voters = [...record.voters].sort((a, b) => a.id - b.id);
  for (let i = 0; i < voters.length; i++) {
    const v = voters[i] as (typeof voters)[number];
    if (!Number.isSafeInteger(v.id) || v.id < 1 || (i > 0 && (voters[i - 1] as (typeof voters)[number]).id === v.id)) throw new RangeError(`start record: voter id ${v.id} is not a distinct id in 1..2^53-1`);
    checkAddress(v.raft, `node ${v.id}'s Raft address`);
    checkAddress(v.service, `node ${v.id}'s service address`);
  }
  if (record.join !== null) {
    checkAddress(record.join.raft, 'the joining Raft address');
    checkAddress(record.join.service, 'the joining service address');
  }
  const str = (w: Parameters<Parameters<typeof sealFramedRecord>[2]>[0], text: string): void => {
    const bytes = utf8Encode(text);
    w.u32(bytes.length).raw(bytes);
  };
  return sealFramedRecord(RAFT_START_MAGIC, RAFT_START_VERSION, (w) => {
    w.u32(voters.length);
    for (const v of voters) {
      w.u64n(v.id);
      str(w, v.raft);
      str(w, v.service);
    }
    w.u8(record.join === null ? 0 : 1);
    if (record.join !== null) {
      str(w, record.join.raft);
      str(w, record.join.service);
    }
  });
}

function readStr(body: LeReader): string {
  const at = body.offset;
  const length = body.u32();
  if (length > RAFT_START_ADDRESS_BYTES_MAX) throw new DecodeError(ErrorCode.RECORD_OUT_OF_RANGE, `start record string of ${length} bytes`, at);
  return utf8Decode(body.view(length), body.offset - length);
}

/** Decodes a start record. Throws only `DecodeError`. */
export function decodeRaftStart(bytes: Uint8Array): RaftStartRecord {
  const { body } = openFramedRecord(bytes, startKind);
  const count = body.u32();
  if (count > RAFT_START_VOTERS_MAX) throw new DecodeError(ErrorCode.RECORD_OUT_OF_RANGE, `start record with ${count} voters`, RECORD_HEADER_BYTES);
  const voters: Array<{ id: number } & RaftStartAddresses> = [];
  for (let i = 0; i < count; i++) {
    const at = body.offset;
    const id = body.u64n();
    if (id < 1 || (voters.length > 0 && (voters[voters.length - 1] as { id: number }).id >= id)) {
      throw new DecodeError(ErrorCode.RECORD_MALFORMED, `start record voter id ${id} is 0 or not ascending`, at);
    }
    voters.push({ id, raft: readStr(body), service: readStr(body) });
  }
  const flagAt = body.offset;
  const joining = body.u8();
  if (joining > 1) throw new DecodeError(ErrorCode.RECORD_MALFORMED, `start record joining flag ${joining}`, flagAt);
  const join = joining === 1 ? { raft: readStr(body), service: readStr(body) } : null;
  if (body.remaining !== 0) throw new DecodeError(ErrorCode.RECORD_MALFORMED, `start record has ${body.remaining} trailing bytes`, body.offset);
  return { voters, join };
}
