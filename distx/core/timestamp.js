// Timestamps: an unsigned 64-bit integer packed as `physicalMs << 18 | logical` (46 physical bits,
// milliseconds since the Unix epoch; 18 logical bits, 262,144 timestamps per millisecond).
//
// Invariants:
//   - 0 ≤ physicalMs ≤ PHYSICAL_MS_MAX and 0 ≤ logical ≤ LOGICAL_MAX, both integers; every packed
//     value is therefore a u64 (a `bigint` in [0, 2^64 − 1]).
//   - The order of packed values equals the lexicographic order of (physicalMs, logical), so a
//     caller may compare timestamps as bigints.
// `packTimestamp` asserts its ranges (an out-of-range input is a bug of the caller);
// `tryPackTimestamp` returns the failure instead, for values that arrive from outside.
import { AssertionError } from './assert.js';
import { ErrorCode } from './errors.js';
import { LOGICAL_BITS, LOGICAL_MAX, PHYSICAL_MS_MAX, U64_MAX } from './limits.js';
const LOGICAL_BITS_BIG = BigInt(LOGICAL_BITS);
const LOGICAL_MASK_BIG = BigInt(LOGICAL_MAX);
function physicalInRange(physicalMs) {
    return Number.isSafeInteger(physicalMs) && physicalMs >= 0 && physicalMs <= PHYSICAL_MS_MAX;
}
function logicalInRange(logical) {
    return Number.isInteger(logical) && logical >= 0 && logical <= LOGICAL_MAX;
}
/** Packs `(physicalMs, logical)`; asserts both are in range. */
export function packTimestamp(physicalMs, logical) {
    // Details are built only on failure: the client packs every timestamp it expands.
    if (!physicalInRange(physicalMs))
        throw new AssertionError('timestamp_physical_in_range', `physicalMs ${physicalMs}`);
    if (!logicalInRange(logical))
        throw new AssertionError('timestamp_logical_in_range', `logical ${logical}`);
    return (BigInt(physicalMs) << LOGICAL_BITS_BIG) | BigInt(logical);
}
/** Packs `(physicalMs, logical)`, or returns which part is out of range (physical checked first). */
export function tryPackTimestamp(physicalMs, logical) {
    if (!physicalInRange(physicalMs)) {
        return { ok: false, code: ErrorCode.PHYSICAL_MS_OUT_OF_RANGE, message: `physicalMs ${physicalMs} is not in [0, ${PHYSICAL_MS_MAX}]` };
    }
    if (!logicalInRange(logical)) {
        return { ok: false, code: ErrorCode.LOGICAL_OUT_OF_RANGE, message: `logical ${logical} is not in [0, ${LOGICAL_MAX}]` };
    }
    return { ok: true, timestamp: (BigInt(physicalMs) << LOGICAL_BITS_BIG) | BigInt(logical) };
}
/** Splits a packed timestamp; asserts it is a u64. Every u64 unpacks (46 + 18 bits cover it). */
export function unpackTimestamp(timestamp) {
    if (typeof timestamp !== 'bigint' || timestamp < 0n || timestamp > U64_MAX)
        throw new AssertionError('timestamp_is_u64', String(timestamp));
    return { physicalMs: Number(timestamp >> LOGICAL_BITS_BIG), logical: Number(timestamp & LOGICAL_MASK_BIG) };
}
/** Total order of packed timestamps: negative, zero or positive like `Array.prototype.sort` wants. */
export function compareTimestamps(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
//# sourceMappingURL=timestamp.js.map