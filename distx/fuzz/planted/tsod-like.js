// TEST SUPPORT, not registered as a fuzz target. A copy of the TSOD v1 record decoder (the
// original's dense-counter file: "TSOD" | u8 version 1 | u64 cap | u32 key count | key count ×
// (u16 key length | key bytes | u64 counter) | u32 crc32c of everything before), written to
// check the fuzzer itself. `createTsodLikeTarget()` is correct; each `plantedBug` variant breaks
// it the way real decoders break:
//   - 'key-length-alloc': the key length is trusted: a buffer of that size is allocated and
//     filled before anyone checks that the bytes are there (or that the length is ≤ 128);
//   - 'key-count-alloc': the key count is trusted: an array of that many slots is allocated
//     before the entries are known to exist;
//   - 'unchecked-read': a counter is read through a DataView without a bounds check, so a
//     short record throws RangeError instead of the typed DecodeError;
//   - 'zero-length-spin': a zero key length makes the loop retry the same entry forever (only
//     the worker-thread watchdog can stop it: never fuzz this one in-process).
// None of them can be seen from the returned values alone: the fuzzer must find them through
// its allocation and exception properties, behind a checksum it has to repair.
import * as fc from 'fast-check';
import { crc32c } from '../../core/codec/crc32c.js';
import { DecodeError, ErrorCode } from '../../core/errors.js';
import { bytesEqual } from '../deep-equal.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
const MAGIC = [0x54, 0x53, 0x4f, 0x44]; // "TSOD"
const VERSION = 1;
const HEADER_BYTES = 4 + 1 + 8 + 4;
const CRC_BYTES = 4;
const KEY_BYTES_MAX = 128;
export function encodeTsodLike(record) {
    let size = HEADER_BYTES + CRC_BYTES;
    for (const entry of record.entries)
        size += 2 + entry.key.length + 8;
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    bytes.set(MAGIC, 0);
    bytes[4] = VERSION;
    view.setBigUint64(5, record.cap, true);
    view.setUint32(13, record.entries.length, true);
    let at = HEADER_BYTES;
    for (const entry of record.entries) {
        view.setUint16(at, entry.key.length, true);
        bytes.set(entry.key, at + 2);
        view.setBigUint64(at + 2 + entry.key.length, entry.counter, true);
        at += 2 + entry.key.length + 8;
    }
    view.setUint32(at, crc32c(bytes, 0, at), true);
    return bytes;
}
export function decodeTsodLike(bytes, plantedBug = null) {
    if (bytes.length < HEADER_BYTES + CRC_BYTES)
        throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, `${bytes.length} bytes`, bytes.length);
    for (let i = 0; i < 4; i += 1)
        if (bytes[i] !== MAGIC[i])
            throw new DecodeError(ErrorCode.RECORD_BAD_MAGIC, 'not TSOD', i);
    if (bytes[4] !== VERSION)
        throw new DecodeError(ErrorCode.RECORD_UNSUPPORTED_VERSION, `version ${bytes[4]}`, 4);
    const bodyEnd = bytes.length - CRC_BYTES;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(bodyEnd, true) !== crc32c(bytes, 0, bodyEnd))
        throw new DecodeError(ErrorCode.RECORD_CRC_MISMATCH, 'crc', bodyEnd);
    const cap = view.getBigUint64(5, true);
    const count = view.getUint32(13, true);
    // Each entry takes at least 2 + 1 + 8 bytes: a count the body cannot hold is refused first.
    if (plantedBug !== 'key-count-alloc' && count > Math.floor((bodyEnd - HEADER_BYTES) / 11)) {
        throw new DecodeError(ErrorCode.RECORD_MALFORMED, `key count ${count} does not fit`, 13);
    }
    const entries = plantedBug === 'key-count-alloc' ? new Array(count) : [];
    let at = HEADER_BYTES;
    for (let i = 0; i < count; i += 1) {
        if (at + 2 > bodyEnd)
            throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, 'key length', at);
        const keyBytes = view.getUint16(at, true);
        if (plantedBug === 'zero-length-spin' && keyBytes === 0) {
            i -= 1; // "skip" the empty key, without consuming it
            continue;
        }
        at += 2;
        let key;
        if (plantedBug === 'key-length-alloc') {
            key = new Uint8Array(keyBytes);
            key.set(bytes.subarray(at, Math.min(at + keyBytes, bodyEnd)));
            if (keyBytes < 1 || keyBytes > KEY_BYTES_MAX)
                throw new DecodeError(ErrorCode.RECORD_MALFORMED, `key length ${keyBytes}`, at - 2);
        }
        else {
            if (keyBytes < 1 || keyBytes > KEY_BYTES_MAX)
                throw new DecodeError(ErrorCode.RECORD_MALFORMED, `key length ${keyBytes}`, at - 2);
            if (at + keyBytes > bodyEnd)
                throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, 'key bytes', at);
            key = bytes.slice(at, at + keyBytes);
        }
        at += keyBytes;
        if (plantedBug !== 'unchecked-read' && at + 8 > bodyEnd)
            throw new DecodeError(ErrorCode.RECORD_TOO_SHORT, 'counter', at);
        const counter = view.getBigUint64(at, true);
        at += 8;
        const previous = entries[i - 1];
        if (previous !== undefined && compareBytes(previous.key, key) >= 0)
            throw new DecodeError(ErrorCode.RECORD_MALFORMED, 'keys not ascending', at);
        entries[i] = { key, counter };
    }
    if (at !== bodyEnd)
        throw new DecodeError(ErrorCode.RECORD_MALFORMED, 'trailing bytes before the crc', at);
    return { cap, entries };
}
function compareBytes(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i += 1)
        if (a[i] !== b[i])
            return (a[i] ?? 0) - (b[i] ?? 0);
    return a.length - b.length;
}
/** Recomputes the trailing CRC so a mutation reaches the body parser. */
export function fixTsodLikeCrc(bytes) {
    if (bytes.length < HEADER_BYTES + CRC_BYTES)
        return bytes;
    const fixed = bytes.slice();
    const bodyEnd = fixed.length - CRC_BYTES;
    new DataView(fixed.buffer).setUint32(bodyEnd, crc32c(fixed, 0, bodyEnd), true);
    return fixed;
}
/** The key count and each key length, walking the record as far as it parses. */
export function tsodLikeLengthFields(bytes) {
    const fields = [];
    if (bytes.length < HEADER_BYTES)
        return fields;
    fields.push({ offset: 13, encoding: 'u32le' });
    let at = HEADER_BYTES;
    while (at + 2 <= bytes.length - CRC_BYTES && fields.length < 64) {
        fields.push({ offset: at, encoding: 'u16le' });
        at += 2 + ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8)) + 8;
    }
    return fields;
}
const keyArbitrary = fc.uint8Array({ minLength: 1, maxLength: KEY_BYTES_MAX });
export const tsodLikeRecordArbitrary = fc
    .record({
    cap: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    keys: fc.uniqueArray(keyArbitrary, { maxLength: 8, comparator: (a, b) => bytesEqual(a, b) }),
    counters: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 8, maxLength: 8 }),
})
    .map(({ cap, keys, counters }) => ({
    cap,
    entries: [...keys].sort(compareBytes).map((key, i) => ({ key, counter: counters[i] ?? 0n })),
}));
/** The endless-loop variant, as a module export the worker-thread runner can import. */
export function createSpinningTarget() {
    return createTsodLikeTarget('zero-length-spin');
}
export function createTsodLikeTarget(plantedBug = null) {
    return defineTarget({
        name: plantedBug === null ? 'tsod-like' : `planted-${plantedBug}`,
        description: plantedBug === null ? 'a correct copy of the TSOD v1 decoder (test support)' : `TSOD v1 copy with a planted bug: ${plantedBug}`,
        decode: (bytes) => decodeTsodLike(bytes, plantedBug),
        encode: encodeTsodLike,
        canonical: true,
        isExpectedError: onlyDecodeError,
        arbitrary: tsodLikeRecordArbitrary,
        seeds: () => [
            encodeTsodLike({ cap: 10000n, entries: [] }),
            encodeTsodLike({ cap: 10000n, entries: [{ key: token('orders'), counter: 42n }] }),
            encodeTsodLike({ cap: 3n, entries: [{ key: token('a'), counter: 0n }, { key: token('b'), counter: (1n << 64n) - 1n }] }),
        ],
        lengthFields: tsodLikeLengthFields,
        fixup: fixTsodLikeCrc,
        dictionary: [token('TSOD'), Uint8Array.of(VERSION)],
        inputBytesMax: 2048,
    });
}
//# sourceMappingURL=tsod-like.js.map