// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF,
// the checksum of iSCSI, ext4 and the original's on-disk records. Slicing-by-8: eight 256-entry
// tables let the main loop fold eight bytes per step with number arithmetic only.
//
// Invariants: `crc32c(bytes, start, end)` equals the bit-at-a-time definition for every range;
// `crc32cExtend(crc32c(a), b) === crc32c(a ‖ b)`, so a checksum can be built in pieces. Results
// are u32 numbers in [0, 2^32).
import { assert } from '../assert.js';
const POLYNOMIAL_REFLECTED = 0x82f63b78;
const SLICES = 8;
/** tables[k * 256 + n]: the CRC contribution of byte n followed by k zero bytes. */
const tables = buildTables();
function buildTables() {
    const t = new Uint32Array(SLICES * 256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let bit = 0; bit < 8; bit++)
            c = c & 1 ? (c >>> 1) ^ POLYNOMIAL_REFLECTED : c >>> 1;
        t[n] = c >>> 0;
    }
    for (let k = 1; k < SLICES; k++) {
        for (let n = 0; n < 256; n++) {
            const previous = t[(k - 1) * 256 + n];
            t[k * 256 + n] = ((previous >>> 8) ^ t[previous & 0xff]) >>> 0;
        }
    }
    return t;
}
/** CRC-32C of `bytes[start, end)` as a u32 number. */
export function crc32c(bytes, start = 0, end = bytes.length) {
    return crc32cExtend(0, bytes, start, end);
}
/** Continues `previousCrc` (a finished CRC-32C of earlier bytes) over `bytes[start, end)`. */
export function crc32cExtend(previousCrc, bytes, start = 0, end = bytes.length) {
    assert(Number.isInteger(previousCrc) && previousCrc >= 0 && previousCrc <= 0xffffffff, 'crc32c_previous_u32');
    assert(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= bytes.length, 'crc32c_range_in_bounds');
    const t = tables;
    let crc = ~previousCrc;
    let i = start;
    while (end - i >= SLICES) {
        const low = crc ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
        crc =
            t[7 * 256 + (low & 0xff)] ^
                t[6 * 256 + ((low >>> 8) & 0xff)] ^
                t[5 * 256 + ((low >>> 16) & 0xff)] ^
                t[4 * 256 + (low >>> 24)] ^
                t[3 * 256 + bytes[i + 4]] ^
                t[2 * 256 + bytes[i + 5]] ^
                t[256 + bytes[i + 6]] ^
                t[bytes[i + 7]];
        i += SLICES;
    }
    while (i < end)
        crc = t[(crc ^ bytes[i++]) & 0xff] ^ (crc >>> 8);
    return ~crc >>> 0;
}
//# sourceMappingURL=crc32c.js.map