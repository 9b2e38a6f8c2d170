// Near-misses of a request body the decoder accepted (core/protocol.ts decodeRequestWithToken),
// for the protocol-request target. The body is one msgpack map; each near-miss rebuilds it from
// its entries with one entry changed, added or repeated, so every offset is known: the decoder
// promises FRAME_BAD_BODY at the value it refuses (a field too wide, negative, of the wrong type,
// not UTF-8), at the key of a field seen twice or of a token out of bounds, and without an offset
// for what it can only judge once the map is read (id 0, a required field nil, an unknown op).
// Each bound is also shown accepted at its edge, and the forms msgpack allows for the same value
// (a wider int, an unknown field of any shape) are accepted.
import { ErrorCode } from '../core/errors.js';
import { FRAME_BODY_BYTES_MAX, LOGICAL_MAX, PHYSICAL_MS_MAX, SEQ_BATCH_KEYS_MAX, TIMESTAMPS_PER_MS } from '../core/limits.js';
import {
  ANSWER_FIELDS,
  LEASE_HOLDER_WIRE_BYTES_MAX,
  MEMBER_ENDPOINT_BYTES_MAX,
  MEMBERS_MAX,
  REQUEST_FIELDS,
  REQUEST_ID_MAX,
  REQUEST_TOKEN_CHARS_MAX,
} from '../core/protocol.js';
import { SAME_AS, type NearMiss } from './target.js';

const BAD = ErrorCode.FRAME_BAD_BODY;

interface Entry {
  readonly name: string;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Where the msgpack value starting at `at` ends (the bytes are a body the decoder accepted). */
function valueEnd(bytes: Uint8Array, at: number): number {
  let pos = at;
  let pending = 1;
  const u8 = (): number => bytes[pos++] ?? 0;
  const u16 = (): number => (u8() << 8) | u8();
  const u32 = (): number => ((u16() << 16) >>> 0) + u16();
  const skip = (n: number): void => {
    pos += n;
  };
  while (pending > 0) {
    // An accepted body holds every item it declares: past its end, stop (never loop on zeros).
    if (pos >= bytes.length) return -1;
    pending -= 1;
    const head = u8();
    if (head <= 0x7f || head >= 0xe0 || head === 0xc0 || head === 0xc2 || head === 0xc3) continue;
    if (head >= 0x80 && head <= 0x8f) pending += 2 * (head - 0x80);
    else if (head >= 0x90 && head <= 0x9f) pending += head - 0x90;
    else if (head >= 0xa0 && head <= 0xbf) pos += head - 0xa0;
    // Each length is read before `pos` is added to (`pos += u8()` would add to the old `pos`).
    else if (head === 0xc4 || head === 0xd9) skip(u8());
    else if (head === 0xc5 || head === 0xda) skip(u16());
    else if (head === 0xc6 || head === 0xdb) skip(u32());
    else if (head === 0xc7) skip(u8() + 1);
    else if (head === 0xc8) skip(u16() + 1);
    else if (head === 0xc9) skip(u32() + 1);
    else if (head === 0xca || head === 0xce || head === 0xd2) pos += 4;
    else if (head === 0xcb || head === 0xcf || head === 0xd3) pos += 8;
    else if (head === 0xcc || head === 0xd0) pos += 1;
    else if (head === 0xcd || head === 0xd1) pos += 2;
    else if (head === 0xd4) pos += 2;
    else if (head === 0xd5) pos += 3;
    else if (head === 0xd6) pos += 5;
    else if (head === 0xd7) pos += 9;
    else if (head === 0xd8) pos += 17;
    else if (head === 0xdc) pending += u16();
    else if (head === 0xdd) pending += u32();
    else if (head === 0xde) pending += 2 * u16();
    else if (head === 0xdf) pending += 2 * u32();
    else return -1;
  }
  return pos;
}

/** The top-level map's entries, or null when the body is not read that simply. */
function mapEntries(bytes: Uint8Array): Entry[] | null {
  const head = bytes[0] ?? 0;
  let pos = 1;
  let count: number;
  if (head >= 0x80 && head <= 0x8f) count = head - 0x80;
  else if (head === 0xde) {
    count = ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0);
    pos = 3;
  } else return null;
  const entries: Entry[] = [];
  for (let i = 0; i < count; i += 1) {
    const keyEnd = valueEnd(bytes, pos);
    if (keyEnd < 0) return null;
    const valueStop = valueEnd(bytes, keyEnd);
    if (valueStop < 0 || valueStop > bytes.length) return null;
    const key = bytes.subarray(pos, keyEnd);
    const lengthBytes = key[0] !== undefined && key[0] >= 0xa0 && key[0] <= 0xbf ? 1 : key[0] === 0xd9 ? 2 : key[0] === 0xda ? 3 : 5;
    const name = String.fromCharCode(...key.subarray(lengthBytes));
    entries.push({ name, key, value: bytes.subarray(keyEnd, valueStop) });
    pos = valueStop;
  }
  return pos === bytes.length ? entries : null;
}

function str(text: string): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  if (utf8.length <= 31) return Uint8Array.of(0xa0 | utf8.length, ...utf8);
  if (utf8.length <= 0xff) return Uint8Array.of(0xd9, utf8.length, ...utf8);
  const out = new Uint8Array(3 + utf8.length);
  out.set([0xda, utf8.length >> 8, utf8.length & 0xff]);
  out.set(utf8, 3);
  return out;
}

function u32(value: number): Uint8Array {
  return Uint8Array.of(0xce, (value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

function u64(value: bigint): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = 0xcf;
  for (let i = 0; i < 8; i += 1) out[8 - i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The map of `entries` (its header, then each key and value), and where each entry starts. */
function mapOf(entries: readonly Entry[]): { bytes: Uint8Array; keyAt: number[]; valueAt: number[] } {
  const header = entries.length <= 15 ? Uint8Array.of(0x80 | entries.length) : Uint8Array.of(0xde, entries.length >> 8, entries.length & 0xff);
  const size = header.length + entries.reduce((n, e) => n + e.key.length + e.value.length, 0);
  const bytes = new Uint8Array(size);
  bytes.set(header);
  let pos = header.length;
  const keyAt: number[] = [];
  const valueAt: number[] = [];
  for (const entry of entries) {
    keyAt.push(pos);
    bytes.set(entry.key, pos);
    pos += entry.key.length;
    valueAt.push(pos);
    bytes.set(entry.value, pos);
    pos += entry.value.length;
  }
  return { bytes, keyAt, valueAt };
}

/**
 * The promises every body map keeps, requests and answers alike: nothing after the map; a known
 * field (`known`) twice refused at the second key; unknown fields of any shape skipped, but an
 * invalid type byte inside one refused at that byte; a map claiming one entry more than it holds
 * refused at the body's end.
 */
function mapPromises(accepted: Uint8Array, entries: readonly Entry[], known: ReadonlySet<string>): NearMiss[] {
  const out: NearMiss[] = [{ name: 'trailing-byte', bytes: Uint8Array.from([...accepted, 0xc0]), code: BAD, offset: accepted.length }];
  const first = entries[0];
  if (first !== undefined && known.has(first.name)) {
    const map = mapOf([...entries, first]);
    out.push({ name: 'field-repeated', bytes: map.bytes, code: BAD, offset: map.keyAt[entries.length] as number });
  }
  const unknown = { name: 'zz', key: str('zz') };
  out.push({ name: 'unknown-field-nested', bytes: mapOf([...entries, { ...unknown, value: Uint8Array.of(0x92, 0x01, 0x81, 0xa1, 0x61, 0xc0) }]).bytes, code: 'accepted' });
  const broken = mapOf([...entries, { ...unknown, value: Uint8Array.of(0x91, 0xc1) }]);
  out.push({ name: 'unknown-field-invalid-type', bytes: broken.bytes, code: BAD, offset: (broken.valueAt[entries.length] as number) + 1 });
  const head = accepted[0] ?? 0;
  if (head >= 0x80 && head <= 0x8e) out.push({ name: 'map-claims-one-more', bytes: Uint8Array.of(head + 1, ...accepted.subarray(1)), code: BAD, offset: accepted.length });
  return out;
}

/**
 * Adds to `out` the body with entry `i`'s value replaced: refused with `code` at that value when
 * `atValue`, without an offset otherwise (or accepted).
 */
function valueReplacer(entries: readonly Entry[], out: NearMiss[]): (name: string, i: number, value: Uint8Array, code: string, atValue: boolean) => void {
  return (name, i, value, code, atValue) => {
    const map = mapOf(entries.map((e, j) => (j === i ? { ...e, value } : e)));
    out.push({ name, bytes: map.bytes, code, ...(code === BAD && atValue ? { offset: map.valueAt[i] as number } : {}) });
  };
}

/** A msgpack array of already encoded items (fixarray or array 16). */
function arrayOf(items: readonly Uint8Array[]): Uint8Array {
  const header = items.length <= 15 ? Uint8Array.of(0x90 | items.length) : Uint8Array.of(0xdc, items.length >> 8, items.length & 0xff);
  return concat([header, ...items]);
}

/**
 * Adds to `out` the body with entry `i`'s value replaced by `value`, refused FRAME_BAD_BODY at
 * `inner` bytes into that value (an element of an array, which the decoder names).
 */
function innerReplacer(entries: readonly Entry[], out: NearMiss[]): (name: string, i: number, value: Uint8Array, inner: number) => void {
  return (name, i, value, inner) => {
    const map = mapOf(entries.map((e, j) => (j === i ? { ...e, value } : e)));
    out.push({ name, bytes: map.bytes, code: BAD, offset: (map.valueAt[i] as number) + inner });
  };
}

/**
 * Adds to `out` the near-misses of an array or bin field at entry `i` that only a reader of the
 * header's exact form can tell: the value replaced by a byte of another type followed by four zero
 * bytes (a reader that took any head for a 32-bit length would read an empty value and go on),
 * and, for arrays of elements at least `elementBytesMin` bytes long, an array 32 header claiming
 * one element more than the rest of the body can hold (what follows is the rest of the map and an
 * unknown nil field, so a reader that let the claim through would refuse later, at an element).
 * Both are refused at the value.
 */
function headerFormReplacer(entries: readonly Entry[], out: NearMiss[]): (name: string, i: number, elementBytesMin: number | null) => void {
  return (name, i, elementBytesMin) => {
    const replaced = (value: Uint8Array, extra: readonly Entry[] = []) => mapOf([...entries.map((e, j) => (j === i ? { ...e, value } : e)), ...extra]);
    const wrongType = replaced(Uint8Array.of(0xc2, 0, 0, 0, 0));
    out.push({ name: `${name}-other-type-then-zeros`, bytes: wrongType.bytes, code: BAD, offset: wrongType.valueAt[i] as number });
    if (elementBytesMin === null) return;
    // A positive fixint (0x01, below the fixarray range): a reader that checked only the top of
    // that range would read a negative length.
    const fixint = replaced(Uint8Array.of(0x01));
    out.push({ name: `${name}-fixint-for-array`, bytes: fixint.bytes, code: BAD, offset: fixint.valueAt[i] as number });
    const claim = (count: number) => replaced(Uint8Array.of(0xdd, (count >>> 24) & 0xff, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff), [{ name: 'zz', key: str('zz'), value: Uint8Array.of(0xc0) }]);
    const probe = claim(0);
    const remaining = probe.bytes.length - ((probe.valueAt[i] as number) + 5);
    const onePast = claim(Math.floor(remaining / elementBytesMin) + 1);
    out.push({ name: `${name}-claim-one-past-what-fits`, bytes: onePast.bytes, code: BAD, offset: onePast.valueAt[i] as number });
  };
}

/** The near-misses of the accepted request body `accepted`. */
export function requestRejections(accepted: Uint8Array): NearMiss[] {
  const entries = mapEntries(accepted);
  if (entries === null || entries.length >= 15) return [];
  const out = [...mapPromises(accepted, entries, REQUEST_FIELDS), ...sameThingRewritten(accepted, entries, REQUEST_FIELDS)];
  const index = (name: string): number => entries.findIndex((e) => e.name === name);
  const withValue = valueReplacer(entries, out);
  const withInner = innerReplacer(entries, out);
  const withHeaderForm = headerFormReplacer(entries, out);
  // A field written as nil is absent: a near-miss that gives it a value changes the answer's shape.
  const indexNotNil = (name: string): number => entries.findIndex((e) => e.name === name && e.value[0] !== 0xc0);
  const id = index('id');
  if (id >= 0) {
    withValue('id-at-max', id, u32(REQUEST_ID_MAX), 'accepted', false);
    withValue('id-above-max', id, u64(BigInt(REQUEST_ID_MAX) + 1n), BAD, true);
    withValue('id-negative', id, Uint8Array.of(0xff), BAD, true);
    withValue('id-negative-int8', id, Uint8Array.of(0xd0, 0x80), BAD, true);
    withValue('id-not-integer', id, str('1'), BAD, true);
    withValue('id-zero', id, Uint8Array.of(0x00), BAD, false);
    withValue('id-nil', id, Uint8Array.of(0xc0), BAD, false);
    // A wider int form of the same id (msgpack allows any width): accepted.
    const idValue = entries[id]?.value;
    if (idValue !== undefined && idValue.length === 1 && (idValue[0] ?? 0) <= 0x7f) withValue('id-as-uint64', id, u64(BigInt(idValue[0] ?? 0)), 'accepted', false);
  }
  const op = index('op');
  if (op >= 0) {
    withValue('op-unknown', op, str('getTz'), BAD, false);
    withValue('op-not-string', op, Uint8Array.of(0x01), BAD, true);
    withValue('op-not-utf8', op, Uint8Array.of(0xa1, 0xff), BAD, true);
  }
  const count = index('count');
  if (count >= 0) {
    withValue('count-at-u32-max', count, u32(0xffff_ffff), 'accepted', false);
    withValue('count-above-u32', count, u64(0x1_0000_0000n), BAD, true);
  }
  const key = index('key');
  if (key >= 0) {
    withValue('key-not-utf8', key, Uint8Array.of(0xa2, 0xc3, 0x28), BAD, true);
    withValue('key-not-string', key, Uint8Array.of(0xc4, 0x01, 0x61), BAD, true);
  }
  const clientId = index('clientId');
  if (clientId >= 0) {
    withValue('client-id-at-u64-max', clientId, u64((1n << 64n) - 1n), 'accepted', false);
    withValue('client-id-negative-int64', clientId, Uint8Array.of(0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), BAD, true);
  }
  const holder = indexNotNil('holder');
  if (holder >= 0) {
    const bin = (n: number): Uint8Array => concat([lengthHeader([0xc4, 0xc5, 0xc6], n, 1), new Uint8Array(n).fill(0x61)]);
    withValue('holder-at-wire-max', holder, bin(LEASE_HOLDER_WIRE_BYTES_MAX), 'accepted', false);
    withValue('holder-above-wire-max', holder, bin(LEASE_HOLDER_WIRE_BYTES_MAX + 1), BAD, true);
    withValue('holder-not-bin', holder, str('a'), BAD, true);
    withHeaderForm('holder', holder, null);
  }
  const batchEntries = indexNotNil('entries');
  if (batchEntries >= 0) {
    withValue('entries-claim-more-than-the-body', batchEntries, Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff), BAD, true);
    withValue('entries-not-array', batchEntries, str('k'), BAD, true);
    withInner('entry-not-pair', batchEntries, arrayOf([arrayOf([str('k')])]), 1);
    // Smallest entry: fixarray(2), fixstr(0), fixint.
    withHeaderForm('entries', batchEntries, 3);
    // The largest fixarray (0x9f): 15 entries of distinct keys.
    withValue('entries-fixarray-max', batchEntries, arrayOf(Array.from({ length: 15 }, (_, k) => arrayOf([str(`k${k}`), Uint8Array.of(0x01)]))), 'accepted', false);
  }
  // The connection token: 1..REQUEST_TOKEN_CHARS_MAX characters, refused at its key otherwise.
  const withToken = (name: string, token: string, code: string): void => {
    const rest = entries.filter((e) => e.name !== 'token');
    const map = mapOf([...rest, { name: 'token', key: str('token'), value: str(token) }]);
    out.push({ name, bytes: map.bytes, code, ...(code === BAD ? { offset: map.keyAt[rest.length] as number } : {}) });
  };
  withToken('token-at-max', 't'.repeat(REQUEST_TOKEN_CHARS_MAX), 'accepted');
  withToken('token-above-max', 't'.repeat(REQUEST_TOKEN_CHARS_MAX + 1), BAD);
  withToken('token-empty', '', BAD);
  return out;
}

/** A msgpack non-negative int in its smallest form (as encodeResponse writes it, or wider). */
function uint(value: bigint): Uint8Array {
  if (value <= 0x7fn) return Uint8Array.of(Number(value));
  if (value <= 0xffff_ffffn) return u32(Number(value));
  return u64(value);
}

/** The int an entry's value holds (any unsigned form), or null when it is not one. */
function uintOf(value: Uint8Array | undefined): bigint | null {
  if (value === undefined || value.length === 0) return null;
  const head = value[0] as number;
  if (head <= 0x7f) return BigInt(head);
  const width = head === 0xcc ? 1 : head === 0xcd ? 2 : head === 0xce ? 4 : head === 0xcf ? 8 : 0;
  if (width === 0 || value.length !== 1 + width) return null;
  let out = 0n;
  for (let i = 1; i <= width; i += 1) out = (out << 8n) | BigInt(value[i] as number);
  return out;
}

/** A valid value for each ok-answer field, to add to an answer of another shape. */
const FOREIGN_ANSWER_FIELDS: readonly (readonly [string, Uint8Array])[] = [
  ['physicalMs', Uint8Array.of(0x01)],
  ['logicalStart', Uint8Array.of(0x00)],
  ['start', Uint8Array.of(0x01)],
  ['count', Uint8Array.of(0x01)],
  ['grants', Uint8Array.of(0x91, 0x93, 0xa1, 0x6b, 0x01, 0x01)],
  ['maxSafeMs', Uint8Array.of(0x01)],
  ['frontierMs', Uint8Array.of(0x01)],
  ['leaseId', Uint8Array.of(0x01)],
  ['tsUpperBoundMs', Uint8Array.of(0x01)],
  ['expiresAtMs', Uint8Array.of(0x01)],
  ['released', Uint8Array.of(0xc3)],
  ['epoch', Uint8Array.of(0x01)],
  ['members', Uint8Array.of(0x90)],
];

/**
 * The near-misses of the accepted answer body `accepted` (decodeResponse): each field's width and
 * type at the refused value, the structure of each answer shape (a getTs grant inside one
 * millisecond, a getSeq block inside u64, at least one value, one shape per answer, a known
 * error code), each bound accepted at its edge, and the generic map promises of requests.
 */
export function answerRejections(accepted: Uint8Array): NearMiss[] {
  const entries = mapEntries(accepted);
  if (entries === null || entries.length >= 14) return [];
  const out = [...mapPromises(accepted, entries, ANSWER_FIELDS), ...sameThingRewritten(accepted, entries, ANSWER_FIELDS)];
  const index = (name: string): number => entries.findIndex((e) => e.name === name);
  const withValue = valueReplacer(entries, out);
  const withInner = innerReplacer(entries, out);
  const withHeaderForm = headerFormReplacer(entries, out);
  // A field written as nil is absent: a near-miss that gives it a value changes the answer's shape.
  const indexNotNil = (name: string): number => entries.findIndex((e) => e.name === name && e.value[0] !== 0xc0);
  const withExtra = (name: string, field: string, value: Uint8Array, code: string): void => {
    out.push({ name, bytes: mapOf([...entries, { name: field, key: str(field), value }]).bytes, code });
  };
  const okAt = index('ok');
  const ok = okAt >= 0 && entries[okAt]?.value[0] === 0xc3;
  if (okAt >= 0) withValue('ok-not-bool', okAt, Uint8Array.of(0x01), BAD, true);
  const id = index('id');
  if (id >= 0) {
    withValue('id-above-max', id, u64(BigInt(REQUEST_ID_MAX) + 1n), BAD, true);
    withValue('id-negative', id, Uint8Array.of(0xff), BAD, true);
    // Id 0 is the connection's: only an error answer may carry it.
    withValue('id-zero', id, Uint8Array.of(0x00), ok ? BAD : 'accepted', false);
  }
  const count = uintOf(entries[index('count')]?.value);
  const physicalMsAt = index('physicalMs');
  const logicalAt = index('logicalStart');
  const startAt = index('start');
  if (ok && count !== null) {
    withValue('count-zero', index('count'), Uint8Array.of(0x00), BAD, false);
    if (physicalMsAt >= 0 && logicalAt >= 0) {
      withValue('physical-ms-at-max', physicalMsAt, uint(BigInt(PHYSICAL_MS_MAX)), 'accepted', false);
      withValue('physical-ms-above-max', physicalMsAt, uint(BigInt(PHYSICAL_MS_MAX) + 1n), BAD, true);
      withValue('logical-start-above-max', logicalAt, uint(BigInt(LOGICAL_MAX) + 1n), BAD, true);
      withValue('getts-grant-at-ms-end', logicalAt, uint(BigInt(TIMESTAMPS_PER_MS) - count), 'accepted', false);
      withValue('getts-grant-spans-ms', logicalAt, uint(BigInt(TIMESTAMPS_PER_MS) - count + 1n), BAD, false);
      withExtra('getts-with-start', 'start', Uint8Array.of(0x01), BAD);
    }
    if (startAt >= 0) {
      withValue('getseq-block-at-u64-end', startAt, uint((1n << 64n) - count), 'accepted', false);
      // A block of one value cannot run past u64 (its start is a u64): only from two values on.
      if (count >= 2n) withValue('getseq-block-past-u64', startAt, uint((1n << 64n) - count + 1n), BAD, false);
      withExtra('getseq-with-physical-ms', 'physicalMs', Uint8Array.of(0x01), BAD);
    }
    withExtra('grant-with-max-safe', 'maxSafeMs', Uint8Array.of(0x01), BAD);
    withExtra('grant-with-released', 'released', Uint8Array.of(0xc3), BAD);
  }
  const codeAt = index('code');
  if (!ok && codeAt >= 0) withValue('error-code-unknown', codeAt, str('NOT_A_CODE'), BAD, false);
  const grantsAt = indexNotNil('grants');
  if (ok && grantsAt >= 0) {
    const grant = (start: Uint8Array, count: Uint8Array): Uint8Array => arrayOf([str('k'), start, count]);
    const one = grant(Uint8Array.of(0x01), Uint8Array.of(0x01));
    withValue('grants-empty', grantsAt, arrayOf([]), BAD, true);
    withValue('grants-at-max', grantsAt, arrayOf(new Array<Uint8Array>(SEQ_BATCH_KEYS_MAX).fill(one)), 'accepted', false);
    withValue('grants-above-max', grantsAt, arrayOf(new Array<Uint8Array>(SEQ_BATCH_KEYS_MAX + 1).fill(one)), BAD, true);
    withValue('grants-claim-more-than-the-body', grantsAt, Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff), BAD, true);
    withValue('grant-at-u64-end', grantsAt, arrayOf([grant(u64((1n << 64n) - 2n), Uint8Array.of(0x02))]), 'accepted', false);
    withInner('grant-past-u64', grantsAt, arrayOf([grant(u64((1n << 64n) - 2n), Uint8Array.of(0x03))]), 1);
    withInner('grant-count-zero', grantsAt, arrayOf([grant(Uint8Array.of(0x01), Uint8Array.of(0x00))]), 1);
    withInner('grant-not-triple', grantsAt, arrayOf([arrayOf([str('k'), Uint8Array.of(0x01)])]), 1);
    // Smallest grant: fixarray(3), fixstr(0), two fixints.
    withHeaderForm('grants', grantsAt, 4);
  }
  const membersAt = indexNotNil('members');
  if (ok && membersAt >= 0) {
    const member = (role: string, endpoint: string): Uint8Array => arrayOf([Uint8Array.of(0x01), str(role), str(endpoint)]);
    const one = member('voter', 'h:1');
    withValue('members-at-max', membersAt, arrayOf(new Array<Uint8Array>(MEMBERS_MAX).fill(one)), 'accepted', false);
    withValue('members-above-max', membersAt, arrayOf(new Array<Uint8Array>(MEMBERS_MAX + 1).fill(one)), BAD, true);
    withValue('members-claim-more-than-the-body', membersAt, Uint8Array.of(0xdc, 0xff, 0xff), BAD, true);
    withValue('member-endpoint-at-max', membersAt, arrayOf([member('learner', 'e'.repeat(MEMBER_ENDPOINT_BYTES_MAX))]), 'accepted', false);
    withInner('member-endpoint-above-max', membersAt, arrayOf([member('voter', 'e'.repeat(MEMBER_ENDPOINT_BYTES_MAX + 1))]), 1);
    withInner('member-role-unknown', membersAt, arrayOf([member('witness', 'h:1')]), 1);
    withInner('member-not-triple', membersAt, arrayOf([arrayOf([Uint8Array.of(0x01), str('voter')])]), 1);
    // Smallest member: fixarray(3), fixint, two fixstrs.
    withHeaderForm('members', membersAt, 4);
  }
  const releasedAt = index('released');
  if (ok && releasedAt >= 0) withValue('released-false', releasedAt, Uint8Array.of(0xc2), BAD, false);
  // An ok answer has exactly one shape: a field of any other shape added is refused once the map
  // is read (members, release, lease, safe point, getSeqBatch grants, getTs, getSeq).
  if (ok) {
    for (const [field, value] of FOREIGN_ANSWER_FIELDS) if (index(field) < 0) withExtra(`ok-answer-with-${field}`, field, value, BAD);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Other forms of the same body. msgpack lets one value be written several ways (an int in any
// width that holds it, signed or not; a str, bin, array or map header of any width), and the
// decoders promise to read them all alike: each such form must decode exactly as the body it
// was made from (NearMiss.sameAs).

/** A msgpack value, read from an accepted body, to be written again in another form. */
type Item =
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'str' | 'bin'; readonly bytes: Uint8Array }
  | { readonly kind: 'array' | 'map'; readonly items: readonly Item[] }
  /** nil, booleans, floats and exts: written as they came. */
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

/** Deepest nesting `readItem` follows (it recurses; the decoders do not, and accept any depth). */
const ITEM_DEPTH_MAX = 64;

/**
 * Reads the msgpack value at `at` (the bytes are a body the decoder accepted); null when it
 * cannot, or when it nests deeper than ITEM_DEPTH_MAX (no other forms are built for that body).
 */
function readItem(bytes: Uint8Array, at: number, depth = 0): { item: Item; end: number } | null {
  if (depth > ITEM_DEPTH_MAX) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = at;
  const need = (n: number): boolean => pos + n <= bytes.length;
  const uintOfWidth = (width: number): number | null => {
    if (!need(width)) return null;
    const v = width === 1 ? view.getUint8(pos) : width === 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += width;
    return v;
  };
  const run = (kind: 'str' | 'bin', length: number | null): { item: Item; end: number } | null => {
    if (length === null || !need(length)) return null;
    return { item: { kind, bytes: bytes.slice(pos, pos + length) }, end: pos + length };
  };
  const raw = (length: number): { item: Item; end: number } | null => (at + length <= bytes.length ? { item: { kind: 'raw', bytes: bytes.slice(at, at + length) }, end: at + length } : null);
  const items = (kind: 'array' | 'map', count: number | null): { item: Item; end: number } | null => {
    if (count === null) return null;
    const out: Item[] = [];
    for (let i = 0; i < (kind === 'map' ? 2 * count : count); i += 1) {
      const next = readItem(bytes, pos, depth + 1);
      if (next === null) return null;
      out.push(next.item);
      pos = next.end;
    }
    return { item: { kind, items: out }, end: pos };
  };
  if (!need(1)) return null;
  const head = bytes[pos++] as number;
  if (head <= 0x7f) return { item: { kind: 'int', value: BigInt(head) }, end: pos };
  if (head >= 0xe0) return { item: { kind: 'int', value: BigInt(head - 0x100) }, end: pos };
  if (head >= 0x80 && head <= 0x8f) return items('map', head - 0x80);
  if (head >= 0x90 && head <= 0x9f) return items('array', head - 0x90);
  if (head >= 0xa0 && head <= 0xbf) return run('str', head - 0xa0);
  const intOf = (width: 1 | 2 | 4 | 8, signed: boolean): { item: Item; end: number } | null => {
    if (!need(width)) return null;
    const value =
      width === 8
        ? signed ? view.getBigInt64(pos) : view.getBigUint64(pos)
        : BigInt(signed ? (width === 1 ? view.getInt8(pos) : width === 2 ? view.getInt16(pos) : view.getInt32(pos)) : (width === 1 ? view.getUint8(pos) : width === 2 ? view.getUint16(pos) : view.getUint32(pos)));
    return { item: { kind: 'int', value }, end: pos + width };
  };
  switch (head) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return raw(1);
    case 0xc4:
      return run('bin', uintOfWidth(1));
    case 0xc5:
      return run('bin', uintOfWidth(2));
    case 0xc6:
      return run('bin', uintOfWidth(4));
    case 0xd9:
      return run('str', uintOfWidth(1));
    case 0xda:
      return run('str', uintOfWidth(2));
    case 0xdb:
      return run('str', uintOfWidth(4));
    case 0xc7:
    case 0xc8:
    case 0xc9: {
      const width = head === 0xc7 ? 1 : head === 0xc8 ? 2 : 4;
      const length = uintOfWidth(width);
      return length === null ? null : raw(1 + width + 1 + length);
    }
    case 0xca:
      return raw(5);
    case 0xcb:
      return raw(9);
    case 0xcc:
      return intOf(1, false);
    case 0xcd:
      return intOf(2, false);
    case 0xce:
      return intOf(4, false);
    case 0xcf:
      return intOf(8, false);
    case 0xd0:
      return intOf(1, true);
    case 0xd1:
      return intOf(2, true);
    case 0xd2:
      return intOf(4, true);
    case 0xd3:
      return intOf(8, true);
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
      return raw(2 + 2 ** (head - 0xd4));
    case 0xdc:
      return items('array', uintOfWidth(2));
    case 0xdd:
      return items('array', uintOfWidth(4));
    case 0xde:
      return items('map', uintOfWidth(2));
    case 0xdf:
      return items('map', uintOfWidth(4));
    default:
      return null;
  }
}

/** How a form writes each kind of value. */
interface Form {
  readonly name: string;
  /** Non-negative ints: the smallest explicit unsigned form, the smallest signed one, or always 64 bits. */
  readonly int: 'unsigned' | 'signed' | 'uint64' | 'int64';
  /** The narrowest header width (bytes) for str and bin lengths; wider when the length needs it. */
  readonly lengthBytes: 1 | 2 | 4;
  /** Array and map headers: 16 or 32 bits (never the fix forms). */
  readonly countBytes: 2 | 4;
}

const FORMS: readonly Form[] = [
  { name: 'form-unsigned-len8-count16', int: 'unsigned', lengthBytes: 1, countBytes: 2 },
  { name: 'form-signed-len16-count32', int: 'signed', lengthBytes: 2, countBytes: 4 },
  { name: 'form-uint64-len32-count16', int: 'uint64', lengthBytes: 4, countBytes: 2 },
  { name: 'form-int64-len8-count32', int: 'int64', lengthBytes: 1, countBytes: 4 },
];

const I64_MAX = (1n << 63n) - 1n;

/** `value` as a msgpack int of exactly `head`'s form (which must hold it). */
function intAs(head: number, value: bigint): Uint8Array {
  const width = head === 0xcc || head === 0xd0 ? 1 : head === 0xcd || head === 0xd1 ? 2 : head === 0xce || head === 0xd2 ? 4 : 8;
  const out = new Uint8Array(1 + width);
  out[0] = head;
  const twos = value < 0n ? value + (1n << BigInt(8 * width)) : value;
  for (let i = 0; i < width; i += 1) out[width - i] = Number((twos >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** Every msgpack form that holds the int `value`, smallest first (fixints included). */
function intForms(value: bigint): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (value >= 0n && value <= 0x7fn) out.push(Uint8Array.of(Number(value)));
  if (value < 0n && value >= -32n) out.push(Uint8Array.of(Number(value + 0x100n)));
  if (value >= 0n) {
    for (const [head, max] of [[0xcc, 0xffn], [0xcd, 0xffffn], [0xce, 0xffff_ffffn], [0xcf, (1n << 64n) - 1n]] as const) if (value <= max) out.push(intAs(head, value));
  }
  for (const [head, bits] of [[0xd0, 8n], [0xd1, 16n], [0xd2, 32n], [0xd3, 64n]] as const) {
    if (value >= -(1n << (bits - 1n)) && value < 1n << (bits - 1n)) out.push(intAs(head, value));
  }
  return out;
}

function writeInt(value: bigint, form: Form): Uint8Array {
  if (value < 0n) return intForms(value)[form.int === 'int64' ? intForms(value).length - 1 : 0] as Uint8Array;
  switch (form.int) {
    case 'unsigned':
      return intAs(value <= 0xffn ? 0xcc : value <= 0xffffn ? 0xcd : value <= 0xffff_ffffn ? 0xce : 0xcf, value);
    case 'signed':
      return value > I64_MAX ? intAs(0xcf, value) : intAs(value <= 0x7fn ? 0xd0 : value <= 0x7fffn ? 0xd1 : value <= 0x7fff_ffffn ? 0xd2 : 0xd3, value);
    case 'uint64':
      return intAs(0xcf, value);
    case 'int64':
      return intAs(value > I64_MAX ? 0xcf : 0xd3, value);
  }
}

/** A header of `head8`/`head16`/`head32` for `length`, at least `bytes` wide. */
function lengthHeader(heads: readonly [number, number, number], length: number, bytes: 1 | 2 | 4): Uint8Array {
  if (bytes === 1 && length <= 0xff) return Uint8Array.of(heads[0], length);
  if (bytes <= 2 && length <= 0xffff) return Uint8Array.of(heads[1], length >> 8, length & 0xff);
  return Uint8Array.of(heads[2], (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

function writeItem(item: Item, form: Form, parts: Uint8Array[]): void {
  switch (item.kind) {
    case 'int':
      parts.push(writeInt(item.value, form));
      return;
    case 'str':
    case 'bin':
      parts.push(lengthHeader(item.kind === 'str' ? [0xd9, 0xda, 0xdb] : [0xc4, 0xc5, 0xc6], item.bytes.length, form.lengthBytes), item.bytes);
      return;
    case 'array':
    case 'map': {
      const count = item.kind === 'map' ? item.items.length / 2 : item.items.length;
      const [head16, head32] = item.kind === 'map' ? [0xde, 0xdf] : [0xdc, 0xdd];
      parts.push(lengthHeader([head16, head16, head32], count, form.countBytes));
      for (const child of item.items) writeItem(child, form, parts);
      return;
    }
    case 'raw':
      parts.push(item.bytes);
  }
}

/** The accepted body written again in each form (keys, values and the map header alike). */
function otherForms(accepted: Uint8Array): NearMiss[] {
  const read = readItem(accepted, 0);
  if (read === null || read.end !== accepted.length) return [];
  return FORMS.map((form) => {
    const parts: Uint8Array[] = [];
    writeItem(read.item, form, parts);
    return { name: form.name, bytes: concat(parts), code: SAME_AS, sameAs: accepted };
  }).filter((nearMiss) => nearMiss.bytes.length <= FRAME_BODY_BYTES_MAX);
}

/**
 * One unknown field holding a value of every msgpack type in every form, placed first so a
 * wrong skip misreads the known fields after it. The payloads of strs, bins and exts are 0xc1
 * (the byte msgpack never uses): a skip that stops short reads it as a type byte and refuses.
 * Maps hold two pairs (a count of one pair cannot tell `2 * n` from `2 / n`).
 */
const UNKNOWN_OF_EVERY_TYPE: Uint8Array = (() => {
  const filler = (n: number): number[] => new Array<number>(n).fill(0xc1);
  const values: number[][] = [
    [0xc0], [0xc2], [0xc3], [0x05], [0x7f], [0xe0], [0xff],
    [0xcc, 0xff], [0xcd, 0xff, 0xff], [0xce, 0xff, 0xff, 0xff, 0xff], [0xcf, ...new Array<number>(8).fill(0xff)],
    [0xd0, 0x80], [0xd1, 0x80, 0x00], [0xd2, 0x80, 0, 0, 0], [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
    [0xca, 0x3f, 0x80, 0, 0], [0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0],
    [0xa3, ...filler(3)], [0xd9, 3, ...filler(3)], [0xda, 0, 3, ...filler(3)], [0xdb, 0, 0, 0, 3, ...filler(3)],
    [0xc4, 3, ...filler(3)], [0xc5, 0, 3, ...filler(3)], [0xc6, 0, 0, 0, 3, ...filler(3)],
    [0xc7, 3, 0x01, ...filler(3)], [0xc8, 0, 3, 0x01, ...filler(3)], [0xc9, 0, 0, 0, 3, 0x01, ...filler(3)],
    [0xd4, 0x01, ...filler(1)], [0xd5, 0x01, ...filler(2)], [0xd6, 0x01, ...filler(4)], [0xd7, 0x01, ...filler(8)], [0xd8, 0x01, ...filler(16)],
    [0x92, 0x01, 0x02], [0xdc, 0, 2, 0x01, 0x02], [0xdd, 0, 0, 0, 2, 0x01, 0x02],
    [0x82, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x02], [0xde, 0, 2, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x02], [0xdf, 0, 0, 0, 2, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x02],
    [0x91, 0x91, 0x91, 0xc0],
    // The fix forms at their largest: a skip that reads 0xbf, 0x9f or 0x8f as another type refuses.
    [0xbf, ...filler(31)], [0x9f, ...new Array<number>(15).fill(0x01)], [0x8f, ...Array.from({ length: 15 }, () => [0xa1, 0x61, 0x01]).flat()],
  ];
  return Uint8Array.from([0xdc, 0, values.length, ...values.flat()]);
})();

/**
 * The same body with: an unknown field of every type first; the entries in reverse order; each
 * absent known field written out as nil (nil means absent); each present one set to nil, which
 * must decode as the body without it.
 */
function sameThingRewritten(accepted: Uint8Array, entries: readonly Entry[], known: ReadonlySet<string>): NearMiss[] {
  const out: NearMiss[] = [...otherForms(accepted)];
  const same = (name: string, bytes: Uint8Array, reference: Uint8Array = accepted): void => {
    if (bytes.length <= FRAME_BODY_BYTES_MAX) out.push({ name, bytes, code: SAME_AS, sameAs: reference });
  };
  same('unknown-field-of-every-type-first', mapOf([{ name: 'zz', key: str('zz'), value: UNKNOWN_OF_EVERY_TYPE }, ...entries]).bytes);
  if (entries.length >= 2) same('fields-reversed', mapOf([...entries].reverse()).bytes);
  // The largest fixmap (0x8f): the body padded with unknown nil fields up to 15 entries.
  const padding = Array.from({ length: 15 - entries.length }, (_, i) => ({ name: `z${i}`, key: str(`z${i}`), value: Uint8Array.of(0xc0) }));
  if (padding.length > 0) same('fields-padded-to-fixmap-max', mapOf([...entries, ...padding]).bytes);
  const present = new Set(entries.map((e) => e.name));
  const absent = [...known].filter((name) => !present.has(name));
  if (absent.length > 0) same('absent-fields-as-nil', mapOf([...entries, ...absent.map((name) => ({ name, key: str(name), value: Uint8Array.of(0xc0) }))]).bytes);
  entries.forEach((entry, i) => {
    if (!known.has(entry.name)) return;
    same(`field-${entry.name}-nil`, mapOf(entries.map((e, j) => (j === i ? { ...e, value: Uint8Array.of(0xc0) } : e))).bytes, mapOf(entries.filter((_, j) => j !== i)).bytes);
  });
  return out;
}

/**
 * The body promises that need no seed, for the accepted body of `entries`: the empty map in each
 * of its three forms is refused alike (a required field missing); the body padded by an unknown
 * bin field to exactly FRAME_BODY_BYTES_MAX bytes decodes as the body does, and one byte more is
 * refused before it is read.
 */
function bodyLimits(entries: readonly Entry[]): NearMiss[] {
  const reference = mapOf(entries).bytes;
  const emptyMap16 = Uint8Array.of(0xde, 0, 0);
  const padded = (total: number): Uint8Array => {
    const pad = (n: number) => mapOf([...entries, { name: 'zz', key: str('zz'), value: concat([Uint8Array.of(0xc6, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff), new Uint8Array(n)]) }]).bytes;
    return pad(total - pad(0).length);
  };
  return [
    { name: 'empty-map-as-fixmap', bytes: Uint8Array.of(0x80), code: SAME_AS, sameAs: emptyMap16 },
    { name: 'empty-map-as-map32', bytes: Uint8Array.of(0xdf, 0, 0, 0, 0), code: SAME_AS, sameAs: emptyMap16 },
    // A positive fixint, just below the fixmap range, is not a map.
    { name: 'body-fixint', bytes: Uint8Array.of(0x05), code: BAD, offset: 0 },
    { name: 'body-at-max', bytes: padded(FRAME_BODY_BYTES_MAX), code: SAME_AS, sameAs: reference },
    { name: 'body-above-max', bytes: padded(FRAME_BODY_BYTES_MAX + 1), code: BAD },
  ];
}

/** The body promises of `bodyLimits` for a getTs answer. */
export function answerBodyLimits(): NearMiss[] {
  return bodyLimits([
    { name: 'id', key: str('id'), value: Uint8Array.of(0x01) },
    { name: 'ok', key: str('ok'), value: Uint8Array.of(0xc3) },
    { name: 'physicalMs', key: str('physicalMs'), value: Uint8Array.of(0x01) },
    { name: 'logicalStart', key: str('logicalStart'), value: Uint8Array.of(0x00) },
    { name: 'count', key: str('count'), value: Uint8Array.of(0x01) },
    { name: 'epoch', key: str('epoch'), value: Uint8Array.of(0x01) },
  ]);
}

/** Ints at the edges of every msgpack int form, and just past them. */
const INT_EDGES: readonly bigint[] = [
  0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0xffffn, 0x1_0000n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n,
  (1n << 53n) - 1n, 1n << 53n, I64_MAX, 1n << 63n, (1n << 64n) - 1n,
];
const NEGATIVE_EDGES: readonly bigint[] = [-1n, -32n, -33n, -128n, -129n, -32768n, -32769n, -(1n << 31n), -(1n << 31n) - 1n, -(1n << 63n)];

/**
 * The request's int fields at every edge of every int form: each form that holds a value decodes
 * as the smallest form of that value does (accepted, or refused at the value when out of the
 * field's range), and every negative form is refused at the value. With them, the body promises
 * of `bodyLimits` for a getSeq request.
 */
export function requestIntLimits(): NearMiss[] {
  const entries: Entry[] = [
    { name: 'id', key: str('id'), value: Uint8Array.of(0x01) },
    { name: 'op', key: str('op'), value: str('getSeq') },
    { name: 'key', key: str('key'), value: str('k') },
    { name: 'count', key: str('count'), value: Uint8Array.of(0x01) },
    { name: 'clientId', key: str('clientId'), value: Uint8Array.of(0x01) },
    { name: 'requestId', key: str('requestId'), value: Uint8Array.of(0x01) },
  ];
  const out: NearMiss[] = [...bodyLimits(entries)];
  entries.forEach((entry, i) => {
    if (entry.name === 'op' || entry.name === 'key') return;
    const withValue = (value: Uint8Array) => mapOf(entries.map((e, j) => (j === i ? { ...e, value } : e)));
    for (const value of INT_EDGES) {
      const [smallest, ...others] = intForms(value);
      const reference = withValue(smallest as Uint8Array).bytes;
      for (const form of others) out.push({ name: `${entry.name}-${value}-as-0x${(form[0] as number).toString(16)}`, bytes: withValue(form).bytes, code: SAME_AS, sameAs: reference });
    }
    for (const value of NEGATIVE_EDGES) {
      for (const form of intForms(value)) {
        const map = withValue(form);
        out.push({ name: `${entry.name}-${value}-as-0x${(form[0] as number).toString(16)}`, bytes: map.bytes, code: BAD, offset: map.valueAt[i] as number });
      }
    }
  });
  return out;
}
