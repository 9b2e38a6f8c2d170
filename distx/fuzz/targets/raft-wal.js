// Target: the Raft write-ahead log as a restarting node reads it (core/raft/codec.ts): scanWal
// over the whole file (records `[u32 LE length | u32 LE crc32c | envelope payload]` until the
// first torn or corrupt one), then replayWal of the records found. Neither may throw anything
// but DecodeError (scanWal never throws at all: a bad tail is reported, not thrown). The value
// is the records, the unread tail and its error code, and the replay's outcome; re-encoding the
// records followed by the same tail must read back the same. The fixup repairs every whole
// record's CRC so mutations reach the payload decoder.
import * as fc from 'fast-check';
import { AssertionError } from '../../core/assert.js';
import { crc32c, crc32cExtend } from '../../core/codec/crc32c.js';
import { writeU32LeAt } from '../../core/codec/le.js';
import { isDecodeError } from '../../core/errors.js';
import { walRecordArbitrary } from '../../core/raft/arbitraries.js';
import { encodeWalRecord, RAFT_WAL_HEADER_BYTES, replayWal, scanWal } from '../../core/raft/codec.js';
import { concat } from '../mutate.js';
import { u32LeAt } from '../structure.js';
import { defineTarget, onlyDecodeError } from '../target.js';
function replayOutcome(records) {
    try {
        return replayWal(undefined, records);
    }
    catch (error) {
        if (!isDecodeError(error))
            throw error;
        return error.code;
    }
}
export function readWal(bytes) {
    const scan = scanWal(bytes);
    if (scan.validBytes < 0 || scan.validBytes > bytes.length || (scan.tail === null) !== (scan.validBytes === bytes.length)) {
        throw new AssertionError('wal_scan_valid_bytes', `${scan.validBytes} of ${bytes.length}, tail ${String(scan.tail?.code)}`);
    }
    return { records: scan.records, tail: bytes.slice(scan.validBytes), tailCode: scan.tail?.code ?? null, replay: replayOutcome(scan.records) };
}
export function writeWal(read) {
    return concat(...read.records.map(encodeWalRecord), read.tail);
}
/** Recomputes the CRC of every record whose bytes are all there. */
function fixWalCrcs(bytes) {
    const fixed = bytes.slice();
    let at = 0;
    while (at + RAFT_WAL_HEADER_BYTES <= fixed.length) {
        const end = at + RAFT_WAL_HEADER_BYTES + u32LeAt(fixed, at);
        if (end > fixed.length)
            break;
        writeU32LeAt(fixed, at + 4, crc32cExtend(crc32c(fixed, at, at + 4), fixed, at + RAFT_WAL_HEADER_BYTES, end));
        at = end;
    }
    return fixed;
}
function walLengthFields(bytes) {
    const fields = [];
    let at = 0;
    while (at + RAFT_WAL_HEADER_BYTES <= bytes.length && fields.length < 64) {
        fields.push({ offset: at, encoding: 'u32le' });
        at += RAFT_WAL_HEADER_BYTES + u32LeAt(bytes, at);
    }
    return fields;
}
const seedLogs = [
    [],
    [
        { kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 0 } },
        { kind: 'entry', entry: { term: 1, index: 1, kind: 'noop', data: new Uint8Array(0) } },
        { kind: 'entry', entry: { term: 1, index: 2, kind: 'normal', data: Uint8Array.of(7, 7, 7) } },
        { kind: 'hard-state', hardState: { term: 1, vote: 1, commit: 2 } },
    ],
    [
        { kind: 'snapshot', lastIncludedIndex: 5, lastIncludedTerm: 2 },
        { kind: 'entry', entry: { term: 2, index: 6, kind: 'normal', data: Uint8Array.of(1) } },
    ],
];
export default defineTarget({
    name: 'raft-wal',
    description: 'Raft WAL as read on restart: scanWal (torn tails) then replayWal, round-trip through encodeWalRecord',
    decode: readWal,
    encode: writeWal,
    canonical: false,
    isExpectedError: onlyDecodeError,
    arbitrary: fc.array(walRecordArbitrary, { maxLength: 8 }).map((records) => ({ records, tail: new Uint8Array(0), tailCode: null, replay: replayOutcome(records) })),
    seeds: () => [
        ...seedLogs.map((records) => concat(...records.map(encodeWalRecord))),
        // A torn tail: the last record cut in the middle, as after a crash during an append.
        concat(...(seedLogs[1] ?? []).map(encodeWalRecord)).slice(0, -3),
    ],
    lengthFields: walLengthFields,
    fixup: fixWalCrcs,
    dictionary: [Uint8Array.of(1), Uint8Array.of(0), Uint8Array.of(2), Uint8Array.of(0xff, 0xff, 0x10, 0x00)],
    inputBytesMax: 8192,
});
//# sourceMappingURL=raft-wal.js.map