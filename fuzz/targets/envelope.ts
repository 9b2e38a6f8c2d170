// Target: the versioned envelope (core/codec/envelope.ts), `[u8 version | postcard payload]`,
// with two payload layouts registered the way stored records register theirs: version 1 a
// struct (u64 high-water, UTF-8 name, optional u32), version 2 a sequence of (key, u64) pairs
// and a bool. Properties: empty input, unknown versions and trailing bytes are DecodeErrors;
// valid envelopes round-trip. Not canonical (padded varints are accepted inside the payload).
import * as fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope } from '../../core/codec/envelope.js';
import type { Reader, Writer } from '../../core/codec/postcard.js';
import { u64Arbitrary, unicodeString } from '../arbitraries.js';
import type { LengthField } from '../target.js';
import { defineTarget, onlyDecodeError } from '../target.js';

export type EnvelopeValue =
  | { readonly version: 1; readonly highWater: bigint; readonly name: string; readonly limit: number | null }
  | { readonly version: 2; readonly entries: readonly (readonly [string, bigint])[]; readonly sealed: boolean };

const decoders: Readonly<Record<number, (r: Reader) => EnvelopeValue>> = {
  1: (r) => ({ version: 1, highWater: r.u64(), name: r.str(128), limit: r.option((inner) => inner.u32()) ?? null }),
  2: (r) => ({ version: 2, entries: r.seq((inner) => [inner.str(128), inner.u64()] as const, 1024), sealed: r.bool() }),
};

export function encodeEnvelopeValue(value: EnvelopeValue): Uint8Array {
  return encodeEnvelope(value.version, (w: Writer) => {
    if (value.version === 1) {
      w.u64(value.highWater).str(value.name);
      w.option(value.limit === null ? undefined : value.limit, (inner, n) => inner.u32(n));
    } else {
      w.seq(value.entries, (inner, [key, n]) => inner.str(key).u64(n));
      w.bool(value.sealed);
    }
  });
}

/** The string length prefixes and sequence counts, walking like the decoders. */
function envelopeLengthFields(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  if (bytes[0] === 1) {
    let at = 1;
    while (at < bytes.length && ((bytes[at] ?? 0) & 0x80) !== 0) at += 1;
    fields.push({ offset: at + 1, encoding: 'varint' });
  } else if (bytes[0] === 2) {
    fields.push({ offset: 1, encoding: 'varint' });
  }
  return fields.filter((f) => f.offset < bytes.length);
}

const u64 = u64Arbitrary;
const key = unicodeString({ minLength: 1, maxLength: 16 });

export default defineTarget<EnvelopeValue>({
  name: 'envelope',
  description: 'versioned envelope decodeEnvelope/encodeEnvelope with two registered payload versions',
  decode: (bytes) => decodeEnvelope(bytes, decoders),
  encode: encodeEnvelopeValue,
  canonical: false,
  isExpectedError: onlyDecodeError,
  arbitrary: fc.oneof(
    fc.record({ version: fc.constant(1 as const), highWater: u64, name: unicodeString({ maxLength: 32 }), limit: fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { nil: null }) }),
    fc.record({ version: fc.constant(2 as const), entries: fc.array(fc.tuple(key, u64), { maxLength: 6 }), sealed: fc.boolean() }),
  ),
  seeds: () => [
    encodeEnvelopeValue({ version: 1, highWater: 1_700_000_000_000n, name: 'state', limit: 3000 }),
    encodeEnvelopeValue({ version: 1, highWater: 0n, name: '', limit: null }),
    encodeEnvelopeValue({ version: 2, entries: [['orders', 42n], ['ünïcode', (1n << 64n) - 1n]], sealed: true }),
    encodeEnvelopeValue({ version: 2, entries: [], sealed: false }),
  ],
  lengthFields: envelopeLengthFields,
  dictionary: [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(0x80, 0x00)],
});
