// Structural equality for decoded values: the default `equals` of a target. Understands what
// decoders return: primitives (bigint included, NaN equal to itself, +0 and -0 distinct, since
// a codec that turns one into the other does not round-trip), byte arrays, arrays, plain
// objects and Maps. Depth is bounded so a cyclic or absurdly deep value is a finding, not a
// stack overflow in the checker.
/** Deepest nesting compared before giving up (a decoder's value is never this deep). */
export const DEEP_EQUAL_DEPTH_MAX = 256;
export function deepEqual(a, b) {
    return equalAt(a, b, 0);
}
function equalAt(a, b, depth) {
    if (Object.is(a, b))
        return true;
    if (depth > DEEP_EQUAL_DEPTH_MAX)
        return false;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
        return false;
    if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
        if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b))
            return false;
        if (a.constructor !== b.constructor)
            return false;
        return bytesEqual(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    }
    if (Array.isArray(a) || Array.isArray(b)) {
        if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length)
            return false;
        for (let i = 0; i < a.length; i += 1)
            if (!equalAt(a[i], b[i], depth + 1))
                return false;
        return true;
    }
    if (a instanceof Map || b instanceof Map) {
        if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size)
            return false;
        for (const [key, value] of a) {
            if (!b.has(key) || !equalAt(value, b.get(key), depth + 1))
                return false;
        }
        return true;
    }
    // A plain object and a null-prototype object (fast-check makes some) hold the same record.
    const protoA = plainPrototype(Object.getPrototypeOf(a));
    if (protoA !== plainPrototype(Object.getPrototypeOf(b)))
        return false;
    const keysA = Object.keys(a);
    const keysB = Object.keys(b);
    if (keysA.length !== keysB.length)
        return false;
    const recordA = a;
    const recordB = b;
    for (const key of keysA) {
        if (!Object.prototype.hasOwnProperty.call(recordB, key))
            return false;
        if (!equalAt(recordA[key], recordB[key], depth + 1))
            return false;
    }
    return true;
}
function plainPrototype(proto) {
    return proto === null ? Object.prototype : proto;
}
export function bytesEqual(a, b) {
    if (a.length !== b.length)
        return false;
    for (let i = 0; i < a.length; i += 1)
        if (a[i] !== b[i])
            return false;
    return true;
}
export function toHex(bytes) {
    let out = '';
    for (const byte of bytes)
        out += byte.toString(16).padStart(2, '0');
    return out;
}
export function fromHex(hex) {
    const clean = hex.replace(/\s+/g, '');
    if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean))
        throw new RangeError(`not hex: ${hex}`);
    const out = new Uint8Array(clean.length / 2);
    for (let i = 0; i < out.length; i += 1)
        out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
    return out;
}
//# sourceMappingURL=deep-equal.js.map