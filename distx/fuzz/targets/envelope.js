// Target: the versioned envelope (core/codec/envelope.ts), `[u8 version | postcard payload]`,
// with two payload layouts registered the way stored records register theirs: version 1 a
// struct (u64 high-water, UTF-8 name, optional u32), version 2 a sequence of (key, u64) pairs
// and a bool. Properties: empty input, unknown versions and trailing bytes are DecodeErrors;
// valid envelopes round-trip. Not canonical (padded varints are accepted inside the payload).
import * as fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope } from '../../core/codec/envelope.js';
import { u64Arbitrary, unicodeString } from '../arbitraries.js';
import { defineTarget, onlyDecodeError } from '../target.js';
const decoders = {
    1: (r) => ({ version: 1, highWater: r.u64(), name: r.str(128), limit: r.option((inner) => inner.u32()) ?? null }),
    2: (r) => ({ version: 2, entries: r.seq((inner) => [inner.str(128), inner.u64()], 1024), sealed: r.bool() }),
};
export function encodeEnvelopeValue(value) {
    return encodeEnvelope(value.version, (w) => {
        if (value.version === 1) {
            w.u64(value.highWater).str(value.name);
            w.option(value.limit === null ? undefined : value.limit, (inner, n) => inner.u32(n));
        }
        else {
            w.seq(value.entries, (inner, [key, n]) => inner.str(key).u64(n));
            w.bool(value.sealed);
        }
    });
}
/** The string length prefixes and sequence counts, walking like the decoders. */
function envelopeLengthFields(bytes) {
    const fields = [];
    if (bytes[0] === 1) {
        let at = 1;
        while (at < bytes.length && ((bytes[at] ?? 0) & 0x80) !== 0)
            at += 1;
        fields.push({ offset: at + 1, encoding: 'varint' });
    }
    else if (bytes[0] === 2) {
        fields.push({ offset: 1, encoding: 'varint' });
    }
    return fields.filter((f) => f.offset < bytes.length);
}
const u64 = u64Arbitrary;
const key = unicodeString({ minLength: 1, maxLength: 16 });
export default defineTarget({
    name: 'envelope',
    description: 'versioned envelope decodeEnvelope/encodeEnvelope with two registered payload versions',
    decode: (bytes) => decodeEnvelope(bytes, decoders),
    encode: encodeEnvelopeValue,
    canonical: false,
    isExpectedError: onlyDecodeError,
    arbitrary: fc.oneof(fc.record({ version: fc.constant(1), highWater: u64, name: unicodeString({ maxLength: 32 }), limit: fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { nil: null }) }), fc.record({ version: fc.constant(2), entries: fc.array(fc.tuple(key, u64), { maxLength: 6 }), sealed: fc.boolean() })),
    seeds: () => [
        encodeEnvelopeValue({ version: 1, highWater: 1700000000000n, name: 'state', limit: 3000 }),
        encodeEnvelopeValue({ version: 1, highWater: 0n, name: '', limit: null }),
        encodeEnvelopeValue({ version: 2, entries: [['orders', 42n], ['ünïcode', (1n << 64n) - 1n]], sealed: true }),
        encodeEnvelopeValue({ version: 2, entries: [], sealed: false }),
    ],
    lengthFields: envelopeLengthFields,
    dictionary: [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(0x80, 0x00)],
});
//# sourceMappingURL=envelope.js.map