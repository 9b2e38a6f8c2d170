// Target: the Paxos log as a restarting node reads it (core/paxos/codec.ts): scanPaxosLog over
// the whole file (records `[u32 LE length | u32 LE crc32c | envelope payload]` until the first
// torn or corrupt one), then replayPaxosLog of the records found. Neither may throw anything but
// DecodeError. The value is the records, the unread tail and its error code, and the replay's
// outcome; re-encoding the records followed by the same tail must read back the same. The fixup
// repairs every whole record's CRC so mutations reach the payload decoder.
import * as fc from 'fast-check';
import { AssertionError } from '../../core/assert.js';
import { crc32c, crc32cExtend } from '../../core/codec/crc32c.js';
import { writeU32LeAt } from '../../core/codec/le.js';
import { isDecodeError } from '../../core/errors.js';
import { paxosLogRecordArbitrary } from '../../core/paxos/arbitraries.js';
import { encodePaxosLogRecord, PAXOS_LOG_HEADER_BYTES, replayPaxosLog, scanPaxosLog, type PaxosLogRecord } from '../../core/paxos/codec.js';
import type { PersistedPaxosState } from '../../core/paxos/types.js';
import { concat } from '../mutate.js';
import { u32LeAt } from '../structure.js';
import type { LengthField } from '../target.js';
import { defineTarget, onlyDecodeError } from '../target.js';

export interface PaxosLogRead {
  readonly records: readonly PaxosLogRecord[];
  readonly tail: Uint8Array;
  readonly tailCode: string | null;
  readonly replay: PersistedPaxosState | string;
}

function replayOutcome(records: readonly PaxosLogRecord[]): PersistedPaxosState | string {
  try {
    return replayPaxosLog(undefined, records);
  } catch (error) {
    if (!isDecodeError(error)) throw error;
    return error.code;
  }
}

export function readPaxosLog(bytes: Uint8Array): PaxosLogRead {
  const scan = scanPaxosLog(bytes);
  if (scan.validBytes < 0 || scan.validBytes > bytes.length || (scan.tail === null) !== (scan.validBytes === bytes.length)) {
    throw new AssertionError('paxos_log_scan_valid_bytes', `${scan.validBytes} of ${bytes.length}, tail ${String(scan.tail?.code)}`);
  }
  return { records: scan.records, tail: bytes.slice(scan.validBytes), tailCode: scan.tail?.code ?? null, replay: replayOutcome(scan.records) };
}

export function writePaxosLog(read: PaxosLogRead): Uint8Array {
  return concat(...read.records.map(encodePaxosLogRecord), read.tail);
}

function fixLogCrcs(bytes: Uint8Array): Uint8Array {
  const fixed = bytes.slice();
  let at = 0;
  while (at + PAXOS_LOG_HEADER_BYTES <= fixed.length) {
    const end = at + PAXOS_LOG_HEADER_BYTES + u32LeAt(fixed, at);
    if (end > fixed.length) break;
    writeU32LeAt(fixed, at + 4, crc32cExtend(crc32c(fixed, at, at + 4), fixed, at + PAXOS_LOG_HEADER_BYTES, end));
    at = end;
  }
  return fixed;
}

function logLengthFields(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  let at = 0;
  while (at + PAXOS_LOG_HEADER_BYTES <= bytes.length && fields.length < 64) {
    fields.push({ offset: at, encoding: 'u32le' });
    at += PAXOS_LOG_HEADER_BYTES + u32LeAt(bytes, at);
  }
  return fields;
}

const ballot = { n: 2, nodeId: 1 };
const seedLogs: PaxosLogRecord[][] = [
  [],
  [
    { kind: 'acceptor', acceptor: { promised: ballot, acceptedRound: { n: 0, nodeId: 0 }, decidedIndex: 0 } },
    { kind: 'entry', entry: { index: 1, ballot, kind: 'normal', data: Uint8Array.of(7, 7) } },
    { kind: 'entry', entry: { index: 2, ballot, kind: 'noop', data: new Uint8Array(0) } },
    { kind: 'truncate', index: 1 },
    { kind: 'acceptor', acceptor: { promised: ballot, acceptedRound: ballot, decidedIndex: 1 } },
  ],
  [
    { kind: 'snapshot', lastIncludedIndex: 5 },
    { kind: 'entry', entry: { index: 6, ballot, kind: 'normal', data: Uint8Array.of(1) } },
  ],
];

export default defineTarget<PaxosLogRead>({
  name: 'paxos-log',
  description: 'Paxos log as read on restart: scanPaxosLog (torn tails) then replayPaxosLog, round-trip through encodePaxosLogRecord',
  decode: readPaxosLog,
  encode: writePaxosLog,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: fc.array(paxosLogRecordArbitrary, { maxLength: 8 }).map((records) => ({ records, tail: new Uint8Array(0), tailCode: null, replay: replayOutcome(records) })),
  seeds: () => [...seedLogs.map((records) => concat(...records.map(encodePaxosLogRecord))), concat(...(seedLogs[1] ?? []).map(encodePaxosLogRecord)).slice(0, -3)],
  lengthFields: logLengthFields,
  fixup: fixLogCrcs,
  dictionary: [Uint8Array.of(1), Uint8Array.of(0), Uint8Array.of(3), Uint8Array.of(0xff, 0xff, 0x10, 0x00)],
  inputBytesMax: 8192,
});
