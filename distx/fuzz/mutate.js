// Mutations: the byte-level edits the engine stacks on a corpus entry or a fresh valid encoding.
// Generic edits (bit flips, boundary bytes, truncation, extension, insertion, deletion, splicing,
// boundary integers of every width and endianness, inflated varints) find bugs in any decoder;
// the structure-aware ones use what the target tells about its format (where its length fields
// are, its dictionary of tokens) so that a mutation hits the byte that matters instead of one
// of thousands that do not.
//
// Invariants: a mutation never returns more than `inputBytesMax` bytes, never aliases its input
// (the engine may keep both), and draws every choice from the seeded FuzzRandom.
import { unreachable } from '../core/assert.js';
import { FUZZ_INPUT_BYTES_MAX_DEFAULT } from './target.js';
/** Largest number of mutations stacked on one input (AFL's "havoc" stacking). */
export const MUTATIONS_STACKED_MAX = 8;
/** Byte values that sit on the edges decoders branch on (sign bit, varint continuation, max). */
export const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
/** Integers that sit on the edges of u8..u64 and of the safe-number range. */
export const BOUNDARY_INTEGERS = [
    0n,
    1n,
    2n,
    0x7fn,
    0x80n,
    0xffn,
    0x100n,
    0x7fffn,
    0x8000n,
    0xffffn,
    0x10000n,
    0x7fffffffn,
    0x80000000n,
    0xffffffffn,
    0x100000000n,
    (1n << 46n) - 1n,
    1n << 46n,
    (1n << 53n) - 1n,
    1n << 53n,
    (1n << 63n) - 1n,
    1n << 63n,
    (1n << 64n) - 1n,
];
/** Applies 1, 2, 4 or 8 stacked mutations to `input`; returns a new array. */
export function mutate(input, context) {
    const stacked = Math.min(MUTATIONS_STACKED_MAX, 1 << context.random.below(4));
    const mutations = mutationsFor(context.target);
    let output = input;
    for (let i = 0; i < stacked; i += 1) {
        output = context.random.pick(mutations)(output, context);
    }
    const inputBytesMax = context.target.inputBytesMax ?? FUZZ_INPUT_BYTES_MAX_DEFAULT;
    if (output.length > inputBytesMax)
        output = output.subarray(0, inputBytesMax);
    return output === input ? input.slice() : output.slice();
}
/** The weighted list of mutations for a target: structure-aware ones weigh more when available. */
function mutationsFor(target) {
    const cached = mutationLists.get(target);
    if (cached !== undefined)
        return cached;
    const list = [
        flipBit,
        flipBit,
        setBoundaryByte,
        setBoundaryByte,
        setRandomByte,
        addToByte,
        truncate,
        removeRange,
        insertBytes,
        extend,
        duplicateRange,
        splice,
        overwriteBoundaryInteger,
        overwriteBoundaryInteger,
        insertVarint,
        inflateAnyVarint,
    ];
    if (target.lengthFields !== undefined)
        list.push(inflateLengthField, inflateLengthField, inflateLengthField, inflateLengthField);
    if (target.dictionary !== undefined && target.dictionary.length > 0)
        list.push(insertToken, overwriteToken);
    mutationLists.set(target, list);
    return list;
}
const mutationLists = new WeakMap();
// --- Generic byte edits ------------------------------------------------------------------------
function flipBit(input, { random }) {
    if (input.length === 0)
        return Uint8Array.of(random.byte());
    const output = input.slice();
    const bit = random.below(input.length * 8);
    output[bit >>> 3] = (output[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
    return output;
}
function setBoundaryByte(input, { random }) {
    if (input.length === 0)
        return Uint8Array.of(random.pick(BOUNDARY_BYTES));
    const output = input.slice();
    output[random.below(input.length)] = random.pick(BOUNDARY_BYTES);
    return output;
}
function setRandomByte(input, { random }) {
    if (input.length === 0)
        return Uint8Array.of(random.byte());
    const output = input.slice();
    output[random.below(input.length)] = random.byte();
    return output;
}
function addToByte(input, { random }) {
    if (input.length === 0)
        return input;
    const output = input.slice();
    const at = random.below(input.length);
    output[at] = ((output[at] ?? 0) + random.between(-35, 35)) & 0xff;
    return output;
}
function truncate(input, { random }) {
    if (input.length === 0)
        return input;
    // Cutting near the end is the interesting case (a field missing its last bytes).
    const cut = random.chance(1, 2) ? random.between(1, Math.min(16, input.length)) : random.between(1, input.length);
    return input.subarray(0, input.length - cut);
}
function removeRange(input, { random }) {
    if (input.length < 2)
        return input;
    const start = random.below(input.length);
    const count = random.between(1, Math.min(input.length - start, 1 << random.below(6)));
    return concat(input.subarray(0, start), input.subarray(start + count));
}
function insertBytes(input, { random }) {
    const at = random.below(input.length + 1);
    const count = random.between(1, 1 << random.below(6));
    const fill = random.chance(1, 2) ? random.pick(BOUNDARY_BYTES) : -1;
    const inserted = new Uint8Array(count);
    for (let i = 0; i < count; i += 1)
        inserted[i] = fill >= 0 ? fill : random.byte();
    return concat(input.subarray(0, at), inserted, input.subarray(at));
}
function extend(input, { random }) {
    const count = random.between(1, 1 << random.below(7));
    const tail = new Uint8Array(count);
    for (let i = 0; i < count; i += 1)
        tail[i] = random.byte();
    return concat(input, tail);
}
function duplicateRange(input, { random }) {
    if (input.length === 0)
        return input;
    const start = random.below(input.length);
    const count = random.between(1, Math.min(input.length - start, 64));
    const at = random.below(input.length + 1);
    return concat(input.subarray(0, at), input.subarray(start, start + count), input.subarray(at));
}
/** Crossover: a prefix of this input followed by a suffix of another corpus entry. */
function splice(input, context) {
    const other = context.other();
    const cutHere = context.random.below(input.length + 1);
    const cutThere = context.random.below(other.length + 1);
    return concat(input.subarray(0, cutHere), other.subarray(cutThere));
}
// --- Integers --------------------------------------------------------------------------------
const WIDTHS_BYTES = [1, 2, 4, 8];
function overwriteBoundaryInteger(input, { random }) {
    const widthBytes = random.pick(WIDTHS_BYTES);
    const at = random.below(input.length + 1);
    const value = jitter(random.pick(BOUNDARY_INTEGERS), random);
    return writeInteger(input, at, widthBytes, random.chance(1, 2), value);
}
function insertVarint(input, { random }) {
    const at = random.below(input.length + 1);
    const encoded = encodeLeb128(jitter(random.pick(BOUNDARY_INTEGERS), random), random.chance(1, 8) ? random.between(1, 3) : 0);
    return concat(input.subarray(0, at), encoded, input.subarray(at));
}
/** Finds a varint-looking run at a random offset and replaces it by a huge or boundary value. */
function inflateAnyVarint(input, { random }) {
    if (input.length === 0)
        return input;
    const at = random.below(input.length);
    return replaceVarint(input, at, jitter(random.pick(BOUNDARY_INTEGERS), random), random);
}
/** Structure-aware: sets one of the target's length/count fields to a value that lies. */
function inflateLengthField(input, context) {
    const { random, target } = context;
    const fields = safeLengthFields(target, input);
    if (fields.length === 0)
        return overwriteBoundaryInteger(input, context);
    const field = random.pick(fields);
    const widthBytes = encodingWidthBytes(field.encoding);
    const remaining = Math.max(0, input.length - field.offset - widthBytes);
    const candidates = [
        BigInt(remaining + 1),
        BigInt(remaining + 2),
        BigInt(remaining * 2 + 1),
        BigInt(Math.max(0, remaining - 1)),
        0n,
        ...BOUNDARY_INTEGERS,
    ];
    const value = random.pick(candidates);
    switch (field.encoding) {
        case 'varint':
            return replaceVarint(input, field.offset, value, random);
        case 'u8':
            return writeInteger(input, field.offset, 1, true, value);
        case 'u16le':
            return writeInteger(input, field.offset, 2, true, value);
        case 'u16be':
            return writeInteger(input, field.offset, 2, false, value);
        case 'u32le':
            return writeInteger(input, field.offset, 4, true, value);
        case 'u32be':
            return writeInteger(input, field.offset, 4, false, value);
        case 'u64le':
            return writeInteger(input, field.offset, 8, true, value);
        case 'u64be':
            return writeInteger(input, field.offset, 8, false, value);
        default:
            return unreachable(field.encoding);
    }
}
/** The target's length fields, tolerating a hook that trips on garbage (it only steers us). */
function safeLengthFields(target, input) {
    try {
        return (target.lengthFields?.(input) ?? []).filter((f) => f.offset >= 0 && f.offset < input.length);
    }
    catch {
        return [];
    }
}
export function encodingWidthBytes(encoding) {
    switch (encoding) {
        case 'u8':
            return 1;
        case 'u16le':
        case 'u16be':
            return 2;
        case 'u32le':
        case 'u32be':
            return 4;
        case 'u64le':
        case 'u64be':
            return 8;
        case 'varint':
            return 1;
        default:
            return unreachable(encoding);
    }
}
/** A boundary value, or one step off it. */
function jitter(value, random) {
    const step = random.below(3);
    if (step === 1 && value > 0n)
        return value - 1n;
    if (step === 2 && value < (1n << 64n) - 1n)
        return value + 1n;
    return value;
}
/** Writes `value` (truncated to `widthBytes`) at `at`, growing the input if it runs off the end. */
export function writeInteger(input, at, widthBytes, littleEndian, value) {
    const output = new Uint8Array(Math.max(input.length, at + widthBytes));
    output.set(input);
    for (let i = 0; i < widthBytes; i += 1) {
        const byte = Number((value >> BigInt(8 * i)) & 0xffn);
        output[littleEndian ? at + i : at + widthBytes - 1 - i] = byte;
    }
    return output;
}
/** Unsigned LEB128 of `value`, optionally padded with `padBytes` redundant continuation groups. */
export function encodeLeb128(value, padBytes = 0) {
    const bytes = [];
    let rest = value;
    do {
        bytes.push(Number(rest & 0x7fn));
        rest >>= 7n;
    } while (rest > 0n);
    for (let i = 0; i < padBytes; i += 1)
        bytes.push(0);
    for (let i = 0; i < bytes.length - 1; i += 1)
        bytes[i] = (bytes[i] ?? 0) | 0x80;
    return Uint8Array.from(bytes);
}
/** Replaces the varint starting at `at` (up to 10 bytes) by the LEB128 of `value`. */
function replaceVarint(input, at, value, random) {
    let end = at;
    while (end < input.length && end - at < 10 && ((input[end] ?? 0) & 0x80) !== 0)
        end += 1;
    end = Math.min(input.length, end + 1);
    const encoded = encodeLeb128(value, random.chance(1, 8) ? random.between(1, 3) : 0);
    return concat(input.subarray(0, at), encoded, input.subarray(end));
}
// --- Dictionary ------------------------------------------------------------------------------
function insertToken(input, { random, target }) {
    const dictionaryToken = random.pick(target.dictionary ?? []);
    const at = random.below(input.length + 1);
    return concat(input.subarray(0, at), dictionaryToken, input.subarray(at));
}
function overwriteToken(input, { random, target }) {
    const dictionaryToken = random.pick(target.dictionary ?? []);
    const at = random.below(input.length + 1);
    const output = new Uint8Array(Math.max(input.length, at + dictionaryToken.length));
    output.set(input);
    output.set(dictionaryToken, at);
    return output;
}
export function concat(...parts) {
    let total = 0;
    for (const part of parts)
        total += part.length;
    const output = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
        output.set(part, at);
        at += part.length;
    }
    return output;
}
//# sourceMappingURL=mutate.js.map