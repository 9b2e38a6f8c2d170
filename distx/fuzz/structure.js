// Structure helpers shared by targets: repairing checksums after a mutation, and reading the
// fixed-width fields a length walker follows. Test support for the fuzzer only.
import { crc32c } from '../core/codec/crc32c.js';
import { writeU32LeAt } from '../core/codec/le.js';
/**
 * Recomputes the trailing u32 LE CRC-32C of a checksummed record (TSOR, TSOD and every record
 * framed like them: the CRC covers every byte before it), so a mutation of the body reaches
 * the parser behind the checksum.
 */
export function fixRecordCrc(bytes) {
    if (bytes.length < 9)
        return bytes;
    const fixed = bytes.slice();
    const crcOffset = fixed.length - 4;
    writeU32LeAt(fixed, crcOffset, crc32c(fixed, 0, crcOffset));
    return fixed;
}
export function u16LeAt(bytes, at) {
    return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}
export function u32LeAt(bytes, at) {
    return (u16LeAt(bytes, at) + u16LeAt(bytes, at + 2) * 0x1_0000) >>> 0;
}
//# sourceMappingURL=structure.js.map