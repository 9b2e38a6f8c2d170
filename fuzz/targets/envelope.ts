// Target: the versioned envelope (core/codec/envelope.ts), `[u8 version | postcard payload]`,
// with two payload layouts registered the way stored records register theirs: version 1 a
// struct (u64 high-water, UTF-8 name, optional u32), version 2 a sequence of (key, u64) pairs
// and a bool. Properties: empty input, unknown versions and trailing bytes are DecodeErrors;
// valid envelopes round-trip. Not canonical (padded varints are accepted inside the payload).
//
// What must be refused (`rejections` on every accepted envelope, `limits` once per run): an
// empty input (DECODE_EMPTY at 0), a version byte with no decoder (0, 3, 255: DECODE_UNKNOWN_VERSION
// at 0), a byte after the payload (DECODE_TRAILING_BYTES at the input's length), the input one
// byte short (DECODE_EOF: every layout ends in a fixed-type field), a bool or option tag of 2
// (DECODE_BAD_BOOL / DECODE_BAD_OPTION_TAG at that byte), an over-long or overflowing u64 varint
// (at offset 1), a name that is not UTF-8, a count past the end; a padded u64 varint is accepted.
// Limits: a 128-byte name accepted, 129 refused; 1,024 entries accepted, 1,025 refused
// (DECODE_LENGTH_LIMIT at the length prefix).
import * as fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope } from '../../core/codec/envelope.js';
import { Reader, type Writer } from '../../core/codec/postcard.js';
import { bytesOf, overlongVarint, paddedVarint, spliced, varint, varintEndingWith, withByte } from '../near-misses.js';
import type { NearMiss } from '../target.js';
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

function decodeValue(bytes: Uint8Array): EnvelopeValue {
  return decodeEnvelope(bytes, decoders);
}

function envelopeRejections(accepted: Uint8Array): NearMiss[] {
  let value: EnvelopeValue;
  try {
    value = decodeValue(accepted);
  } catch {
    return [];
  }
  const n = accepted.length;
  const out: NearMiss[] = [
    { name: 'trailing-byte', bytes: bytesOf(accepted, 0), code: 'DECODE_TRAILING_BYTES', offset: n },
    { name: 'one-byte-short', bytes: accepted.slice(0, n - 1), code: 'DECODE_EOF' },
  ];
  for (const version of [0, 3, 255]) out.push({ name: `version-${version}`, bytes: withByte(accepted, 0, version), code: 'DECODE_UNKNOWN_VERSION', offset: 0 });
  // The field offsets come from walking the accepted bytes with the layout's rules; a decoder
  // that accepted bytes the walk cannot follow is itself a finding (check.ts).
  if (value.version === 2) {
    // The payload ends with the bool: its byte is the last one.
    out.push({ name: 'bool-2', bytes: withByte(accepted, n - 1, 2), code: 'DECODE_BAD_BOOL', offset: n - 1 });
    out.push({ name: 'one-byte-short-at-bool', bytes: accepted.slice(0, n - 1), code: 'DECODE_EOF', offset: n - 1 });
    const count = new Reader(accepted, 1);
    count.u32();
    out.push({ name: 'count-past-end', bytes: spliced(accepted, 1, count.offset, varint(n)), code: 'DECODE_LENGTH_LIMIT', offset: 1 });
    return out;
  }
  // Version 1: u64 high-water at 1, the name, then the option tag.
  const r = new Reader(accepted, 1);
  r.u64();
  const nameAt = r.offset;
  r.str(128);
  const optionAt = r.offset;
  out.push({ name: 'u64-overlong', bytes: spliced(accepted, 1, nameAt, overlongVarint(10)), code: 'DECODE_VARINT_OVERLONG', offset: 1 });
  out.push({ name: 'u64-overflow', bytes: spliced(accepted, 1, nameAt, varintEndingWith(10, 0x02)), code: 'DECODE_VARINT_OVERFLOW', offset: 1 });
  out.push({ name: 'u64-padded', bytes: spliced(accepted, 1, nameAt, paddedVarint(value.highWater, 10)), code: 'accepted' });
  out.push({ name: 'name-not-utf8', bytes: spliced(accepted, nameAt, optionAt, Uint8Array.of(1, 0xff)), code: 'DECODE_BAD_UTF8', offset: nameAt + 1 });
  out.push({ name: 'option-tag-2', bytes: withByte(accepted, optionAt, 2), code: 'DECODE_BAD_OPTION_TAG', offset: optionAt });
  if (value.limit === null) out.push({ name: 'one-byte-short-at-option', bytes: accepted.slice(0, n - 1), code: 'DECODE_EOF', offset: n - 1 });
  return out;
}

function envelopeLimits(): NearMiss[] {
  const named = (length: number): Uint8Array => encodeEnvelopeValue({ version: 1, highWater: 0n, name: 'n'.repeat(length), limit: null });
  const entries = (count: number): Uint8Array => encodeEnvelopeValue({ version: 2, entries: Array.from({ length: count }, () => ['', 0n] as const), sealed: false });
  return [
    { name: 'empty', bytes: new Uint8Array(0), code: 'DECODE_EMPTY', offset: 0 },
    { name: 'name-at-limit', bytes: named(128), code: 'accepted' },
    { name: 'name-above-limit', bytes: named(129), code: 'DECODE_LENGTH_LIMIT', offset: 2 },
    { name: 'entries-at-limit', bytes: entries(1024), code: 'accepted' },
    { name: 'entries-above-limit', bytes: entries(1025), code: 'DECODE_LENGTH_LIMIT', offset: 1 },
  ];
}

let envelopeLimitsBuilt: NearMiss[] | null = null;

const u64 = u64Arbitrary;
const key = unicodeString({ minLength: 1, maxLength: 16 });

export default defineTarget<EnvelopeValue>({
  name: 'envelope',
  description: 'versioned envelope decodeEnvelope/encodeEnvelope with two registered payload versions',
  decode: decodeValue,
  rejections: envelopeRejections,
  limits: () => (envelopeLimitsBuilt ??= envelopeLimits()),
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
