// Tests of the client-protocol codec: golden bytes (the same as docs/protocol.md), round trips
// of every valid request and answer, totality of the decoders on arbitrary and mutated bytes,
// forward compatibility (unknown fields skipped) and the decode-versus-validate split.
import { decode as libDecode, encode as libEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from './errors.js';
import { FRAME_BODY_BYTES_MAX, GET_TS_COUNT_MAX, LOGICAL_MAX, PHYSICAL_MS_MAX, SEQ_BATCH_KEYS_MAX, SEQ_COUNT_MAX, U64_MAX } from './limits.js';
import { describedDecodeError, invariantOf } from './test-support.js';
import {
  ANSWER_FIELDS,
  REQUEST_FIELDS,
  WIRE_ERROR_CODES,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  utf8ByteLength,
  validateRequest,
  type Request,
  type Response,
  MEMBERS_MAX,
  MEMBER_ENDPOINT_BYTES_MAX,
  REQUEST_TOKEN_CHARS_MAX,
  checkSeqBatch,
  decodeRequestWithToken,
  errorAnswer,
  truncateText,
} from './protocol.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

function decodeErrorOf(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return describedDecodeError(e);
    throw new Error(`expected a DecodeError, got ${String(e)}`);
  }
  throw new Error('expected a DecodeError, but decoding succeeded');
}

/** `body` (a fixmap, as the reference encoder writes) with extra fields appended at the end (a map16 past 15 fields). */
function withFields(body: Uint8Array, extra: Record<string, unknown>): Uint8Array {
  const head = body[0] ?? 0;
  const entries = Object.entries(extra);
  expect(head >= 0x80 && head <= 0x8f).toBe(true);
  const fields = head - 0x80 + entries.length;
  const header = fields <= 15 ? [0x80 + fields] : [0xde, fields >> 8, fields & 0xff];
  const parts = entries.flatMap(([name, value]) => [...libEncode(name), ...libEncode(value, { useBigInt64: true })]);
  return Uint8Array.from([...header, ...body.subarray(1), ...parts]);
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const requestId = fc.integer({ min: 1, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: U64_MAX });
const wellFormedText = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', maxLength });

const requestArb: fc.Arbitrary<Request> = fc.oneof(
  fc.record({ id: requestId, op: fc.constant('getTs' as const), count: u32 }),
  fc.record({ id: requestId, op: fc.constant('getSeq' as const), key: wellFormedText(40), count: u32, clientId: u64, requestId: u64 }),
  fc.record({ id: requestId, op: fc.constant('acquireLease' as const), holder: fc.uint8Array({ maxLength: 140 }), holderEpoch: u64, ttlMs: u32 }),
  fc.record({ id: requestId, op: fc.constantFrom('renewLease' as const, 'releaseLease' as const), leaseId: u64 }) as fc.Arbitrary<Request>,
  // Requests of an id and an op only: each op must come back as itself.
  fc.record({ id: requestId, op: fc.constantFrom('getCurrentMaxSafe' as const, 'getSafeFrontier' as const, 'members' as const) }) as fc.Arbitrary<Request>,
);

const getTsAnswerArb = fc
  .record({ id: requestId, physicalMs: fc.integer({ min: 0, max: PHYSICAL_MS_MAX }), logicalStart: fc.integer({ min: 0, max: LOGICAL_MAX }), epoch: u64 })
  .chain((r) => fc.integer({ min: 1, max: LOGICAL_MAX + 1 - r.logicalStart }).map((count) => ({ ...r, ok: true as const, count })));
const getSeqAnswerArb = fc
  .record({ id: requestId, start: u64, epoch: u64 })
  .chain((r) => fc.integer({ min: 1, max: Number(U64_MAX - r.start + 1n > 0xffff_ffffn ? 0xffff_ffffn : U64_MAX - r.start + 1n) }).map((count) => ({ ...r, ok: true as const, count })));
const errorAnswerArb = fc.record(
  {
    id: u32,
    ok: fc.constant(false as const),
    code: fc.constantFrom(...WIRE_ERROR_CODES),
    message: wellFormedText(60),
    leaderEndpoint: wellFormedText(30),
    leaderEpoch: u64,
  },
  { requiredKeys: ['id', 'ok', 'code', 'message'] },
);
const leaseAnswerArb = fc.record({
  id: requestId,
  ok: fc.constant(true as const),
  leaseId: u64,
  tsUpperBoundMs: fc.integer({ min: 0, max: PHYSICAL_MS_MAX }),
  expiresAtMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  epoch: u64,
});
const releasedAnswerArb = fc.record({ id: requestId, ok: fc.constant(true as const), released: fc.constant(true as const) });
const responseArb: fc.Arbitrary<Response> = fc.oneof(getTsAnswerArb, getSeqAnswerArb, errorAnswerArb, leaseAnswerArb, releasedAnswerArb);

/** Any msgpack value the library can write, as the value of an unknown field. */
const anyMsgpackValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.bigInt({ min: -(1n << 63n), max: U64_MAX }),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('protocol golden bytes (docs/protocol.md shows the same)', () => {
  it('encodes a getTs request as the documented bytes', () => {
    const bytes = encodeRequest({ id: 1, op: 'getTs', count: 1 });
    expect(hex(bytes)).toBe('83a2696401a26f70a56765745473a5636f756e7401');
    expect(decodeRequest(bytes)).toEqual({ id: 1, op: 'getTs', count: 1 });
  });

  it('encodes a getTs answer as the documented bytes', () => {
    const answer = { id: 1, ok: true, physicalMs: 1_700_000_000_000, logicalStart: 0, count: 1, epoch: 7n } as const;
    const bytes = encodeResponse(answer);
    expect(hex(bytes)).toBe(
      '86a2696401a26f6bc3aa706879736963616c4d73cf0000018bcfe56800ac6c6f676963616c537461727400a5636f756e7401a565706f6368cf0000000000000007',
    );
    expect(decodeResponse(bytes)).toEqual(answer);
  });

  it('encodes a getSeq request as the documented bytes', () => {
    const request = { id: 2, op: 'getSeq', key: 'orders', count: 10, clientId: 42n, requestId: 1n } as const;
    const bytes = encodeRequest(request);
    expect(hex(bytes)).toBe(
      '86a2696402a26f70a6676574536571a36b6579a66f7264657273a5636f756e740aa8636c69656e744964cf000000000000002aa9726571756573744964cf0000000000000001',
    );
    expect(decodeRequest(bytes)).toEqual(request);
  });

  it('encodes a NOT_LEADER answer with its hint as the documented bytes', () => {
    const answer = { id: 3, ok: false, code: 'NOT_LEADER', message: 'not leader', leaderEndpoint: '10.0.0.2:50551', leaderEpoch: 8n } as const;
    const bytes = encodeResponse(answer);
    expect(hex(bytes)).toBe(
      '86a2696403a26f6bc2a4636f6465aa4e4f545f4c4541444552a76d657373616765aa6e6f74206c6561646572ae6c6561646572456e64706f696e74ae31302e302e302e323a3530353531ab6c6561646572457' +
        '06f6368cf0000000000000008',
    );
    expect(decodeResponse(bytes)).toEqual(answer);
  });
});

describe('a getSeq request is written directly, byte for byte what the msgpack encoder writes', () => {
  it('for any id, key, count and ids: ASCII keys of 0 to 300 characters, and keys that are not ASCII (the encoder writes those)', () => {
    const u32 = fc.integer({ min: 1, max: 0xffff_ffff });
    const u64 = fc.bigInt({ min: 0n, max: U64_MAX });
    const edgeU32 = fc.constantFrom(1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xffff_ffff);
    const key = fc.oneof(
      fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), minLength: 0, maxLength: 300 }),
      fc.constantFrom('', 'k', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(255), 'x'.repeat(256), 'é', 'a\u0080', '\u{1f600}'),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.oneof(u32, edgeU32), key, fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), edgeU32), fc.oneof(u64, fc.constantFrom(0n, 2n ** 32n - 1n, 2n ** 32n, U64_MAX)), u64, (id, k, count, clientId, requestId) => {
        const direct = encodeRequest({ id, op: 'getSeq', key: k, count, clientId, requestId });
        const generic = libEncode({ id, op: 'getSeq', key: k, count, clientId, requestId }, { useBigInt64: true });
        expect(Buffer.from(direct).toString('hex')).toBe(Buffer.from(generic).toString('hex'));
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('map keys are matched to the known fields byte for byte', () => {
  const nearMisses = (name: string): string[] => {
    const out = [name.slice(0, -1), `${name}x`, `x${name}`, name.toUpperCase()];
    for (let i = 0; i < name.length; i++) out.push(name.slice(0, i) + String.fromCharCode(name.charCodeAt(i) ^ 1) + name.slice(i + 1));
    return out.filter((k) => k.length > 0 && !REQUEST_FIELDS.has(k) && !ANSWER_FIELDS.has(k));
  };

  it('a key one byte off a known name (cut, grown, changed, other case) is an unknown field, skipped in both directions', () => {
    for (const name of [...REQUEST_FIELDS, ...ANSWER_FIELDS]) {
      for (const key of nearMisses(name)) {
        expect(decodeRequest(libEncode({ id: 1, op: 'getTs', count: 1, [key]: [1, 'x'] }))).toEqual({ id: 1, op: 'getTs', count: 1 });
        expect(decodeResponse(libEncode({ id: 1, ok: true, epoch: 1, physicalMs: 5, logicalStart: 0, count: 1, [key]: { a: 1 } }))).toEqual(
          decodeResponse(libEncode({ id: 1, ok: true, epoch: 1, physicalMs: 5, logicalStart: 0, count: 1 })),
        );
      }
    }
  });

  it('any other key, ASCII or not, is skipped; a known one given twice is refused by name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20, unit: fc.oneof(fc.constantFrom(...'idopcountkeyms'), fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c))) }), (key) => {
        fc.pre(!REQUEST_FIELDS.has(key));
        expect(decodeRequest(libEncode({ id: 1, op: 'getTs', count: 1, [key]: 7 }))).toEqual({ id: 1, op: 'getTs', count: 1 });
      }),
      { numRuns: 2000 },
    );
    const twice = Uint8Array.of(0x84, ...libEncode({ id: 1, op: 'getTs', count: 1 }).subarray(1), 0xa5, ...Buffer.from('count'), 0x02);
    expect(decodeErrorOf(() => decodeRequest(twice)).message).toMatch(/count/);
  });
});

describe('integers are read without a DataView, every width at its edges', () => {
  it('a uint64 field at the edges of 2^32 and 2^53 (where the reader switches from one exact number to two halves) decodes to its value', () => {
    const edges = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, U64_MAX - 1n, U64_MAX];
    for (const clientId of edges) {
      // 0xcf: the uint64 form, whatever the value (the encoder would pick a shorter one for small values).
      const id = Uint8Array.of(0xcf, ...Array.from({ length: 8 }, (_, i) => Number((clientId >> BigInt(56 - 8 * i)) & 0xffn)));
      const head = libEncode({ id: 1, op: 'getSeq', key: 'k', count: 1 });
      const tail = libEncode({ clientId: 0, requestId: 9n }, { useBigInt64: true });
      // A fixmap of 6: the head's 4 fields, then clientId in its 0xcf form, then requestId.
      const body = Uint8Array.of(0x86, ...head.subarray(1), 0xa8, ...Buffer.from('clientId'), ...id, ...tail.subarray(1 + 9 + 1));
      expect(decodeRequest(body)).toEqual({ id: 1, op: 'getSeq', key: 'k', count: 1, clientId, requestId: 9n });
    }
  });

  it('a u32 field in each unsigned form decodes to its value, and above its bound is refused by name', () => {
    for (const [bytes, count] of [[[0xcc, 0xff], 0xff], [[0xcd, 0xff, 0xff], 0xffff], [[0xce, 0x00, 0x01, 0x00, 0x00], 0x1_0000]] as const) {
      const body = Uint8Array.of(0x83, 0xa2, 0x69, 0x64, 0x01, 0xa2, 0x6f, 0x70, 0xa5, ...Buffer.from('getTs'), 0xa5, ...Buffer.from('count'), ...bytes);
      if (count <= GET_TS_COUNT_MAX) expect(decodeRequest(body)).toEqual({ id: 1, op: 'getTs', count });
      else expect(decodeErrorOf(() => decodeRequest(body)).message).toMatch(new RegExp(`field count is ${count}, above ${GET_TS_COUNT_MAX}`));
    }
    const id = Uint8Array.of(0x83, 0xa2, 0x69, 0x64, 0xce, 0xff, 0xff, 0xff, 0xff, 0xa2, 0x6f, 0x70, 0xa5, ...Buffer.from('getTs'), 0xa5, ...Buffer.from('count'), 0x01);
    expect(decodeRequest(id)).toEqual({ id: 0xffff_ffff, op: 'getTs', count: 1 });
  });
});

describe('getTs requests and getTs/getSeq answers are written directly, byte for byte what the msgpack encoder writes', () => {
  const u32 = fc.oneof(fc.integer({ min: 1, max: 0xffff_ffff }), fc.constantFrom(1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xffff_ffff));
  const u64 = fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), fc.constantFrom(0n, 2n ** 32n - 1n, 2n ** 32n, U64_MAX));
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
  const generic = (fields: Record<string, unknown>): string => hex(libEncode(fields, { useBigInt64: true }));

  it('getTs requests', () => {
    fc.assert(
      fc.property(u32, fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0, 1, 0x7f, 0x80, 0x1_0000)), (id, count) => {
        expect(hex(encodeRequest({ id, op: 'getTs', count }))).toBe(generic({ id, op: 'getTs', count }));
      }),
      { numRuns: 2_000 },
    );
  });

  it('getTs answers (physicalMs as uint64)', () => {
    const physicalMs = fc.oneof(fc.integer({ min: 0, max: PHYSICAL_MS_MAX }), fc.constantFrom(0, 0xffff_ffff, 0x1_0000_0000, PHYSICAL_MS_MAX));
    const logicalAndCount = fc.integer({ min: 0, max: LOGICAL_MAX }).chain((logicalStart) => fc.tuple(fc.constant(logicalStart), fc.integer({ min: 1, max: LOGICAL_MAX + 1 - logicalStart })));
    fc.assert(
      fc.property(u32, physicalMs, logicalAndCount, u64, (id, ms, [logicalStart, count], epoch) => {
        const answer = { id, ok: true as const, physicalMs: ms, logicalStart, count, epoch };
        expect(hex(encodeResponse(answer))).toBe(generic({ id, ok: true, physicalMs: BigInt(ms), logicalStart, count, epoch }));
      }),
      { numRuns: 2_000 },
    );
  });

  it('getSeq answers', () => {
    fc.assert(
      fc.property(u32, fc.bigInt({ min: 0n, max: U64_MAX - 0xffff_ffffn }), u32, u64, (id, start, count, epoch) => {
        expect(hex(encodeResponse({ id, ok: true, start, count, epoch }))).toBe(generic({ id, ok: true, start, count, epoch }));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('protocol round trips', () => {
  it('every request round-trips through encodeRequest and decodeRequest', () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        expect(decodeRequest(encodeRequest(request))).toEqual(request);
      }),
      { numRuns: 500 },
    );
  });

  it('every answer round-trips through encodeResponse and decodeResponse', () => {
    fc.assert(
      fc.property(responseArb, (response) => {
        expect(decodeResponse(encodeResponse(response))).toEqual(response);
      }),
      { numRuns: 500 },
    );
  });

  it('writes u64 fields as uint64 whatever their value', () => {
    const bytes = encodeRequest({ id: 1, op: 'getSeq', key: 'k', count: 1, clientId: 0n, requestId: 5n });
    expect(hex(bytes)).toContain(`${Buffer.from('clientId').toString('hex')}cf0000000000000000`);
  });
});

describe('protocol decoders are total', () => {
  it('decode arbitrary bytes into a value or a FRAME_BAD_BODY DecodeError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const decode of [decodeRequest, decodeResponse]) {
          try {
            decode(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
            expect((e as DecodeError).code).toBe('FRAME_BAD_BODY');
          }
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('every decode error names FRAME_BAD_BODY exactly once (regression: doubled prefixes)', () => {
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      requestArb.map(encodeRequest),
      responseArb.map(encodeResponse),
      fc.dictionary(fc.constantFrom(...REQUEST_FIELDS, ...ANSWER_FIELDS, 'x'), anyMsgpackValue, { maxKeys: 6 }).map((m) => libEncode(m, { useBigInt64: true })),
    );
    fc.assert(
      fc.property(bodies, fc.nat(), fc.integer({ min: 0, max: 255 }), (body, at, byte) => {
        const bytes = Uint8Array.from(body);
        if (bytes.length > 0) bytes[at % bytes.length] = byte;
        for (const decode of [decodeRequest, decodeResponse]) {
          try {
            decode(bytes);
          } catch (e) {
            expect((e as DecodeError).message).toMatch(/^FRAME_BAD_BODY: /);
            expect((e as DecodeError).message).not.toMatch(/^([A-Z][A-Z0-9_]*): \1: /);
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('decode mutated and truncated valid bodies into a value or a DecodeError only', () => {
    const bodies = fc.oneof(requestArb.map(encodeRequest), responseArb.map(encodeResponse));
    const mutation = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), cut: fc.nat(), mode: fc.integer({ min: 0, max: 2 }) });
    fc.assert(
      fc.property(bodies, fc.array(mutation, { minLength: 1, maxLength: 4 }), (body, mutations) => {
        let bytes = Uint8Array.from(body);
        for (const m of mutations) {
          if (m.mode === 0 && bytes.length > 0) bytes[m.at % bytes.length] = m.byte;
          else if (m.mode === 1) bytes = bytes.subarray(0, m.cut % (bytes.length + 1));
          else bytes = Uint8Array.from([...bytes.subarray(0, m.at % (bytes.length + 1)), m.byte, ...bytes.subarray(m.at % (bytes.length + 1))]);
        }
        for (const decode of [decodeRequest, decodeResponse]) {
          let decoded: unknown;
          try {
            decoded = decode(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
            continue;
          }
          // Whatever our reader accepts, the reference library reads the same way (when the
          // library reads it at all: it refuses a `__proto__` key, which we skip as unknown).
          let viaLibrary: Record<string, unknown>;
          try {
            viaLibrary = libDecode(bytes, { useBigInt64: true }) as Record<string, unknown>;
          } catch {
            continue;
          }
          for (const [field, value] of Object.entries(decoded as Record<string, unknown>)) {
            const other = viaLibrary[field];
            expect(typeof value === 'bigint' && typeof other === 'number' ? BigInt(other) : typeof value === 'number' && typeof other === 'bigint' ? Number(other) : other).toEqual(value);
          }
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('refuses a body over FRAME_BODY_BYTES_MAX and an empty body', () => {
    const big = libEncode({ id: 1, op: 'getTs', count: 1, pad: 'x'.repeat(FRAME_BODY_BYTES_MAX) });
    expect(decodeErrorOf(() => decodeRequest(big)).message).toMatch(/exceeds/);
    expect(decodeErrorOf(() => decodeRequest(new Uint8Array(0))).message).toMatch(/empty request body/);
    expect(decodeErrorOf(() => decodeResponse(new Uint8Array(0))).message).toMatch(/empty answer body/);
  });

  it('accepts a body of exactly FRAME_BODY_BYTES_MAX bytes and refuses one byte more', () => {
    // {id, op, count, pad: bin 32 of n bytes}: 1 + 3 + 1 + 3 + 6 + 6 + 1 + 4 + 5 + n bytes.
    const padded = (total: number): Uint8Array => {
      const head = unhex('84 a2 6964 01 a2 6f70 a5 6765745473 a5 636f756e74 01 a3 706164 c6');
      const n = total - head.length - 4;
      const body = new Uint8Array(total);
      body.set(head);
      new DataView(body.buffer).setUint32(head.length, n);
      return body;
    };
    expect(padded(FRAME_BODY_BYTES_MAX)).toHaveLength(FRAME_BODY_BYTES_MAX);
    expect(decodeRequest(padded(FRAME_BODY_BYTES_MAX))).toEqual({ id: 1, op: 'getTs', count: 1 });
    expect(decodeErrorOf(() => decodeRequest(padded(FRAME_BODY_BYTES_MAX + 1))).message).toMatch(/request body of 65537 bytes exceeds 65536/);
  });

  it('refuses a body that is not bytes with a typed error that says so', () => {
    for (const notBytes of ['84a26964', [0x80], null, new ArrayBuffer(1)]) {
      expect(decodeErrorOf(() => decodeRequest(notBytes as unknown as Uint8Array)).message).toMatch(/request body is not bytes/);
      expect(decodeErrorOf(() => decodeResponse(notBytes as unknown as Uint8Array)).message).toMatch(/answer body is not bytes/);
    }
  });

  it('survives deep nesting and absurd declared lengths in an unknown field without allocating', () => {
    const deep = new Uint8Array(FRAME_BODY_BYTES_MAX).fill(0x91); // array of array of ...
    const body = Uint8Array.from([...unhex('84a2696401a26f70a56765745473a5636f756e7401a178'), ...deep.subarray(0, 60_000)]);
    expect(decodeErrorOf(() => decodeRequest(body)).message).toMatch(/truncated/);
    const hugeArray = unhex('84a2696401a26f70a56765745473a5636f756e7401a178 dd ffffffff');
    expect(decodeErrorOf(() => decodeRequest(hugeArray)).message).toMatch(/truncated/);
    const hugeStr = unhex('84a2696401a26f70a56765745473a5636f756e7401a178 db ffffffff 41');
    expect(decodeErrorOf(() => decodeRequest(hugeStr)).message).toMatch(/truncated/);
  });
});

describe('protocol decoding rules', () => {
  it('names the missing field and what lacks it, for every required field of every request and answer', () => {
    const body = (fields: Record<string, unknown>) => libEncode(fields, { useBigInt64: true });
    const requests: readonly [Record<string, unknown>, string, readonly string[]][] = [
      [{ id: 1, op: 'getTs', count: 1 }, 'getTs', ['count']],
      [{ id: 1, op: 'getSeq', key: 'k', count: 1, clientId: 1n, requestId: 1n }, 'getSeq', ['key', 'count', 'clientId', 'requestId']],
      [{ id: 1, op: 'acquireLease', holder: Uint8Array.of(1), holderEpoch: 1n, ttlMs: 5_000 }, 'acquireLease', ['holder', 'holderEpoch', 'ttlMs']],
      [{ id: 1, op: 'renewLease', leaseId: 1n }, 'renewLease', ['leaseId']],
      [{ id: 1, op: 'releaseLease', leaseId: 1n }, 'releaseLease', ['leaseId']],
      [{ id: 1, op: 'getSeqBatch', entries: [['k', 1]], clientId: 1n, requestId: 1n }, 'getSeqBatch', ['entries', 'clientId', 'requestId']],
      [{ id: 1, op: 'getTs', count: 1 }, 'request', ['id', 'op']],
    ];
    for (const [fields, what, required] of requests) {
      expect(decodeRequest(body(fields)).op).toBe(fields.op);
      for (const field of required) {
        const { [field]: _dropped, ...rest } = fields;
        expect(decodeErrorOf(() => decodeRequest(body(rest))).message, `${what} without ${field}`).toBe(`FRAME_BAD_BODY: ${what} is missing field ${field} (absent or nil)`);
      }
    }
    const answers: readonly [Record<string, unknown>, string, readonly string[]][] = [
      [{ id: 1, ok: true, start: 1n, count: 1, epoch: 1n }, 'answer', ['id', 'ok']],
      [{ id: 1, ok: false, code: 'NOT_LEADER', message: 'm' }, 'error answer', ['code', 'message']],
      [{ id: 1, ok: true, leaseId: 1n, tsUpperBoundMs: 1, expiresAtMs: 1, epoch: 1n }, 'lease answer', ['leaseId', 'tsUpperBoundMs', 'expiresAtMs', 'epoch']],
      [{ id: 1, ok: true, maxSafeMs: 1, epoch: 1n }, 'ok answer', ['epoch']],
      [{ id: 1, ok: true, grants: [['k', 1n, 1]], epoch: 1n }, 'ok answer', ['epoch']],
      [{ id: 1, ok: true, start: 1n, count: 1, epoch: 1n }, 'ok answer', ['count', 'epoch']],
      [{ id: 1, ok: true, physicalMs: 1, logicalStart: 0, count: 1, epoch: 1n }, 'getTs answer', ['physicalMs', 'logicalStart']],
    ];
    for (const [fields, what, required] of answers) {
      expect(decodeResponse(body(fields)).id).toBe(1);
      for (const field of required) {
        const { [field]: _dropped, ...rest } = fields;
        expect(decodeErrorOf(() => decodeResponse(body(rest))).message, `${what} without ${field}`).toBe(`FRAME_BAD_BODY: ${what} is missing field ${field} (absent or nil)`);
      }
    }
    const { start: _start, ...noStart } = { id: 1, ok: true, start: 1n, count: 1, epoch: 1n };
    expect(decodeErrorOf(() => decodeResponse(body(noStart))).message).toBe('FRAME_BAD_BODY: ok answer is missing field start or physicalMs (absent or nil)');
  });

  it('ignores unknown fields of any msgpack type, in any position', () => {
    fc.assert(
      fc.property(requestArb, fc.string({ minLength: 1, maxLength: 12 }), anyMsgpackValue, fc.boolean(), (request, name, value, first) => {
        fc.pre(!['id', 'op', 'count', 'key', 'clientId', 'requestId', '__proto__'].includes(name));
        const fields = { ...request } as Record<string, unknown>;
        const withExtra = first ? { [name]: value, ...fields } : { ...fields, [name]: value };
        expect(decodeRequest(libEncode(withExtra, { useBigInt64: true }))).toEqual(request);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a u64 or u32 field written in any msgpack integer format and normalizes it', () => {
    // count as int8 (0xd0 05), id as uint16 (0xcd 0001), clientId as positive fixint, requestId as uint32.
    const body = unhex(
      '86 a2 6964 cd 0001  a2 6f70 a6 676574536571  a3 6b6579 a1 6b  a5 636f756e74 d0 05  a8 636c69656e744964 2a  a9 726571756573744964 ce 00000009',
    );
    expect(decodeRequest(body)).toEqual({ id: 1, op: 'getSeq', key: 'k', count: 5, clientId: 42n, requestId: 9n });
    const answer = libEncode({ id: 4, ok: true, physicalMs: 12, logicalStart: 3, count: 2, epoch: 1 });
    expect(decodeResponse(answer)).toEqual({ id: 4, ok: true, physicalMs: 12, logicalStart: 3, count: 2, epoch: 1n });
  });

  it('refuses known fields of the wrong msgpack type: float, negative, bin for str, str for int', () => {
    const floatCount = libEncode({ id: 1, op: 'getTs', count: 1 }, { forceIntegerToFloat: true });
    expect(decodeErrorOf(() => decodeRequest(floatCount)).message).toMatch(/not an integer/);
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 1, op: 'getTs', count: -1 }))).message).toMatch(/negative/);
    // Every negative fixint (0xe0 = -32 to 0xff = -1) is named negative, not "not an integer".
    for (const head of [0xe0, 0xe1, 0xff]) {
      expect(decodeErrorOf(() => decodeRequest(unhex(`83 a2 6964 01 a2 6f70 a5 6765745473 a5 636f756e74 ${head.toString(16)}`))).message).toMatch(/count is negative/);
    }
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 1, op: new TextEncoder().encode('getTs'), count: 1 }))).message).toMatch(/not a string/);
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: '1', op: 'getTs', count: 1 }))).message).toMatch(/not an integer/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: 1, start: 0, count: 1, epoch: 1 }))).message).toMatch(/not a boolean/);
  });

  it('refuses values too wide for their field', () => {
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 2 ** 32, op: 'getTs', count: 1 }, { useBigInt64: false }))).message).toMatch(/above/);
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 1, op: 'getTs', count: 2 ** 32 }))).message).toMatch(/above/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: true, physicalMs: PHYSICAL_MS_MAX + 1, logicalStart: 0, count: 1, epoch: 1 }))).message).toMatch(/above/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: true, physicalMs: 1, logicalStart: LOGICAL_MAX + 1, count: 1, epoch: 1 }))).message).toMatch(/above/);
  });

  it('refuses a request with id 0, no op, an unknown op or a missing field', () => {
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 0, op: 'getTs', count: 1 }))).message).toMatch(/reserved/);
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 1, count: 1 }))).message).toMatch(/missing field op/);
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 1, op: 'getTS', count: 1 }))).message).toMatch(/unknown op/);
    expect(decodeErrorOf(() => decodeRequest(libEncode({ op: 'getTs', count: 1 }))).message).toMatch(/missing field id/);
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 1, op: 'getSeq', key: 'k', count: 1, clientId: 1 }))).message).toMatch(/missing field requestId/);
  });

  it('refuses every known field named twice, by its name at the second occurrence, in both directions (a nil counts)', () => {
    // A map of the field twice, nil both times, after one unknown field: `83 a1 7a c0 <f> c0 <f> c0`.
    const twice = (field: string): Uint8Array => {
      const key = libEncode(field);
      return Uint8Array.from([0x83, 0xa1, 0x7a, 0xc0, ...key, 0xc0, ...key, 0xc0]);
    };
    for (const [fields, decode] of [
      [REQUEST_FIELDS, decodeRequest],
      [ANSWER_FIELDS, decodeResponse],
    ] as const) {
      for (const field of fields) {
        const error = decodeErrorOf(() => decode(twice(field)));
        expect(error.message, field).toBe(`FRAME_BAD_BODY: field ${field} appears twice`);
        expect(error.offset, field).toBe(4 + libEncode(field).length + 1);
      }
    }
    // The other direction's names are unknown there, so twice is not refused for them.
    expect(decodeErrorOf(() => decodeRequest(twice('ok'))).message).not.toMatch(/twice/);
    expect(decodeErrorOf(() => decodeResponse(twice('token'))).message).not.toMatch(/twice/);
  });

  it('refuses a duplicated known field, trailing bytes, a non-map body and a non-str key', () => {
    const duplicated = unhex('83 a2 6964 01 a2 6964 02 a2 6f70 a5 6765745473');
    expect(decodeErrorOf(() => decodeRequest(duplicated)).message).toMatch(/twice/);
    const trailing = Uint8Array.from([...encodeRequest({ id: 1, op: 'getTs', count: 1 }), 0xc0]);
    expect(decodeErrorOf(() => decodeRequest(trailing)).message).toMatch(/trailing/);
    expect(decodeErrorOf(() => decodeRequest(libEncode([1, 'getTs', 1]))).message).toMatch(/not a msgpack map/);
    expect(decodeErrorOf(() => decodeRequest(unhex('81 01 01'))).message).toMatch(/key is not a string/);
  });

  it('refuses invalid UTF-8 in a string and keeps a leading byte-order mark', () => {
    const badKey = unhex('86 a2 6964 01 a2 6f70 a6 676574536571 a3 6b6579 a2 c328 a5 636f756e74 01 a8 636c69656e744964 01 a9 726571756573744964 01');
    expect(decodeErrorOf(() => decodeRequest(badKey)).message).toMatch(/UTF-8/);
    const bomKey = encodeRequest({ id: 1, op: 'getSeq', key: '\uFEFFk', count: 1, clientId: 1n, requestId: 1n });
    expect(decodeRequest(bomKey)).toMatchObject({ key: '\uFEFFk' });
  });

  it('skips a __proto__ field instead of letting it shape the decoded value', () => {
    const body = unhex('84 a9 5f5f70726f746f5f5f 81 a5 636f756e74 05 a2 6964 01 a2 6f70 a5 6765745473 a5 636f756e74 01');
    const decoded = decodeRequest(body);
    expect(decoded).toEqual({ id: 1, op: 'getTs', count: 1 });
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });

  it('refuses an answer that is neither a getTs grant, a getSeq grant nor a known error', () => {
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: false, code: 'TEAPOT', message: '' }))).message).toMatch(/unknown error code/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: false, message: '' }))).message).toMatch(/missing field code/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 0, ok: true, start: 1, count: 1, epoch: 1 }))).message).toMatch(/id 0/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: true, start: 1, physicalMs: 1, logicalStart: 0, count: 1, epoch: 1 }))).message).toMatch(/both/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: true, count: 1, epoch: 1 }))).message).toMatch(/missing field start/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: true, start: 1, count: 0, epoch: 1 }))).message).toMatch(/at least one/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: true, physicalMs: 1, logicalStart: LOGICAL_MAX, count: 2, epoch: 1 }))).message).toMatch(/spans a millisecond/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: true, start: U64_MAX, count: 2, epoch: 1 }, { useBigInt64: true }))).message).toMatch(/past u64/);
  });

  it('reads a nil hint as no hint and accepts a connection-level error with id 0', () => {
    const body = libEncode({ id: 0, ok: false, code: 'BAD_FRAME', message: 'garbage', leaderEndpoint: null, leaderEpoch: null });
    expect(decodeResponse(body)).toEqual({ id: 0, ok: false, code: 'BAD_FRAME', message: 'garbage' });
  });
});

describe('nil means absent, for every known field in both directions (docs/protocol.md §2, regression)', () => {
  const REQUIRED: Record<Request['op'], readonly string[]> = { getTs: ['id', 'op', 'count'], getSeq: ['id', 'op', 'key', 'count', 'clientId', 'requestId'],
    getSeqBatch: ['id', 'op', 'entries', 'clientId', 'requestId'],
    getCurrentMaxSafe: ['id', 'op'],
    getSafeFrontier: ['id', 'op'],
    members: ['id', 'op'],
    acquireLease: ['id', 'op', 'holder', 'holderEpoch', 'ttlMs'],
    renewLease: ['id', 'op', 'leaseId'],
    releaseLease: ['id', 'op', 'leaseId'],
  };

  it('a request field its op does not use may be sent as nil (was BAD_FRAME)', () => {
    expect(decodeRequest(libEncode({ id: 1, op: 'getTs', count: 1, key: null, clientId: null, requestId: null }))).toEqual({ id: 1, op: 'getTs', count: 1 });
    fc.assert(
      fc.property(requestArb, fc.boolean(), (request, first) => {
        const unused = Object.fromEntries([...REQUEST_FIELDS].filter((f) => !(f in request)).map((f) => [f, null]));
        const body = first ? { ...unused, ...request } : { ...request, ...unused };
        expect(decodeRequest(libEncode(body, { useBigInt64: true }))).toEqual(request);
      }),
      { numRuns: 200 },
    );
  });

  it('a required request field sent as nil is refused as missing, for every op and field', () => {
    const samples: Request[] = [
      { id: 1, op: 'getTs', count: 1 },
      { id: 1, op: 'getSeq', key: 'k', count: 1, clientId: 1n, requestId: 1n },
    ];
    for (const request of samples) {
      for (const field of REQUIRED[request.op]) {
        const body = libEncode({ ...request, [field]: null }, { useBigInt64: true });
        expect(decodeErrorOf(() => decodeRequest(body)).message).toMatch(new RegExp(`missing field ${field}\\b`));
      }
    }
  });

  it('an answer field of another shape may be sent as nil; a required one may not', () => {
    fc.assert(
      fc.property(responseArb, (response) => {
        const unused = Object.fromEntries([...ANSWER_FIELDS].filter((f) => !(f in response)).map((f) => [f, null]));
        expect(decodeResponse(withFields(encodeResponse(response), unused))).toEqual(response);
      }),
      { numRuns: 200 },
    );
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: false, code: 'UNAVAILABLE', message: null }))).message).toMatch(/missing field message/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: null, start: 1, count: 1, epoch: 1 }))).message).toMatch(/missing field ok/);
  });

  it('a nil occurrence counts towards "a known field appears once"', () => {
    const twice = unhex('84 a2 6964 01 a2 6f70 a5 6765745473 a5 636f756e74 01 a5 636f756e74 c0');
    expect(decodeErrorOf(() => decodeRequest(twice)).message).toMatch(/twice/);
  });
});

describe("each direction type-checks its own fields whatever the op or shape; the other direction's names are unknown", () => {
  const answerOnly = [...ANSWER_FIELDS].filter((f) => !REQUEST_FIELDS.has(f));
  const requestOnly = [...REQUEST_FIELDS].filter((f) => !ANSWER_FIELDS.has(f));

  it('an answer-only field name in a request is ignored, whatever its value', () => {
    fc.assert(
      fc.property(requestArb, fc.constantFrom(...answerOnly), anyMsgpackValue, (request, name, value) => {
        expect(decodeRequest(libEncode({ ...request, [name]: value }, { useBigInt64: true }))).toEqual(request);
      }),
      { numRuns: 300 },
    );
  });

  it('a request-only field name in an answer is ignored, whatever its value', () => {
    fc.assert(
      fc.property(responseArb, fc.constantFrom(...requestOnly), anyMsgpackValue, (response, name, value) => {
        expect(decodeResponse(withFields(encodeResponse(response), { [name]: value }))).toEqual(response);
      }),
      { numRuns: 300 },
    );
  });

  it('a field of the same direction but another op or shape is type-checked', () => {
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 1, op: 'getTs', count: 1, key: 5 }))).message).toMatch(/key is not a string/);
    expect(decodeErrorOf(() => decodeRequest(libEncode({ id: 1, op: 'getTs', count: 1, clientId: 'x' }))).message).toMatch(/clientId is not an integer/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: false, code: 'INTERNAL', message: '', start: 'x' }))).message).toMatch(/start is not an integer/);
    expect(decodeErrorOf(() => decodeResponse(libEncode({ id: 1, ok: true, start: 1, count: 1, epoch: 1, code: 7 }))).message).toMatch(/code is not a string/);
  });
});

describe('protocol validation (INVALID_ARGUMENT, not a decode error)', () => {
  it('accepts counts and keys at their limits', () => {
    expect(validateRequest({ id: 9, op: 'getTs', count: 1 })).toBeNull();
    expect(validateRequest({ id: 9, op: 'getTs', count: GET_TS_COUNT_MAX })).toBeNull();
    const key128 = 'é'.repeat(64); // 2 bytes each
    expect(validateRequest({ id: 9, op: 'getSeq', key: key128, count: SEQ_COUNT_MAX, clientId: 1n, requestId: 1n })).toBeNull();
  });

  it('answers INVALID_ARGUMENT with the request id and the precise code for out-of-range counts and keys', () => {
    const cases: Array<[Request, string]> = [
      [{ id: 9, op: 'getTs', count: 0 }, 'INVALID_COUNT'],
      [{ id: 9, op: 'getTs', count: GET_TS_COUNT_MAX + 1 }, 'INVALID_COUNT'],
      [{ id: 9, op: 'getSeq', key: 'k', count: 0, clientId: 1n, requestId: 1n }, 'INVALID_SEQ_COUNT'],
      [{ id: 9, op: 'getSeq', key: 'k', count: SEQ_COUNT_MAX + 1, clientId: 1n, requestId: 1n }, 'INVALID_SEQ_COUNT'],
      [{ id: 9, op: 'getSeq', key: '', count: 1, clientId: 1n, requestId: 1n }, 'INVALID_SEQ_KEY'],
      [{ id: 9, op: 'getSeq', key: 'é'.repeat(64) + 'x', count: 1, clientId: 1n, requestId: 1n }, 'INVALID_SEQ_KEY'],
      [{ id: 9, op: 'getSeq', key: '\uD800', count: 1, clientId: 1n, requestId: 1n }, 'INVALID_SEQ_KEY'],
    ];
    for (const [request, code] of cases) {
      const answer = validateRequest(request);
      expect(answer).toMatchObject({ id: 9, ok: false, code: 'INVALID_ARGUMENT' });
      expect(answer?.message.startsWith(`${code}:`)).toBe(true);
    }
  });

  it('a request with an out-of-range count still decodes, so the server can answer it by id', () => {
    expect(decodeRequest(encodeRequest({ id: 77, op: 'getTs', count: 0 }))).toEqual({ id: 77, op: 'getTs', count: 0 });
  });

  it('measures UTF-8 length like TextEncoder for well-formed text and flags lone surrogates', () => {
    fc.assert(
      fc.property(wellFormedText(50), (text) => {
        expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
    expect(utf8ByteLength('a\uDC00')).toBe(-1);
    expect(utf8ByteLength('\uD83D\uDE00')).toBe(4);
  });
});

describe('answers stay within one frame whatever the request held (regression)', () => {
  it('a decode error does not echo an unbounded field', () => {
    const body = libEncode({ id: 1, op: '"'.repeat(33_000), count: 1 });
    let message = '';
    try {
      decodeRequest(body);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.length).toBeLessThan(200);
    const answer = encodeResponse({ id: 0, ok: false, code: 'BAD_FRAME', message });
    expect(answer.length).toBeLessThanOrEqual(FRAME_BODY_BYTES_MAX);
  });

  it('encodeResponse bounds any error message', () => {
    const answer = encodeResponse({ id: 3, ok: false, code: 'INTERNAL', message: '\u{1F600}'.repeat(100_000) });
    expect(answer.length).toBeLessThanOrEqual(FRAME_BODY_BYTES_MAX);
    const decoded = decodeResponse(answer);
    expect(decoded.ok).toBe(false);
  });
});

describe('the members op (docs/protocol.md §4)', () => {
  it('round-trips a members request and answer, with and without a leader', () => {
    expect(decodeRequest(encodeRequest({ id: 5, op: 'members' }))).toEqual({ id: 5, op: 'members' });
    const members = [
      { id: 1, role: 'voter' as const, endpoint: '10.0.0.1:50551' },
      { id: 7, role: 'learner' as const, endpoint: 'node-7.example:50551' },
    ];
    expect(decodeResponse(encodeResponse({ id: 5, ok: true, members, leaderEndpoint: '10.0.0.1:50551' }))).toEqual({ id: 5, ok: true, members, leaderEndpoint: '10.0.0.1:50551' });
    expect(decodeResponse(encodeResponse({ id: 5, ok: true, members: [] }))).toEqual({ id: 5, ok: true, members: [] });
    // On the wire: members as [id, role, endpoint] triples.
    expect(libDecode(encodeResponse({ id: 5, ok: true, members }))).toEqual({ id: 5, ok: true, members: [[1, 'voter', '10.0.0.1:50551'], [7, 'learner', 'node-7.example:50551']] });
  });

  it('refuses a malformed members answer as FRAME_BAD_BODY', () => {
    const refuse = (body: Record<string, unknown>): string => decodeErrorOf(() => decodeResponse(libEncode(body))).message;
    expect(refuse({ id: 1, ok: true, members: [[1, 'boss', 'a:1']] })).toMatch(/role/);
    expect(refuse({ id: 1, ok: true, members: [[1, 'voter']] })).toMatch(/triple/);
    expect(refuse({ id: 1, ok: true, members: [[1, 'voter', 'a'.repeat(MEMBER_ENDPOINT_BYTES_MAX + 1)]] })).toMatch(/longer than/);
    expect(refuse({ id: 1, ok: true, members: Array.from({ length: MEMBERS_MAX + 1 }, (_, i) => [i, 'voter', 'a:1']) })).toMatch(/more than/);
    expect(refuse({ id: 1, ok: true, members: [], epoch: 1 })).toMatch(/other fields/);
    expect(refuse({ id: 1, ok: true, members: [[-1, 'voter', 'a:1']] })).toBeTruthy();
    // At the limits: accepted.
    const atLimit = Array.from({ length: MEMBERS_MAX }, (_, i) => [i, 'voter', 'a'.repeat(MEMBER_ENDPOINT_BYTES_MAX)]);
    expect((decodeResponse(libEncode({ id: 1, ok: true, members: atLimit })) as unknown as { members: unknown[] }).members).toHaveLength(MEMBERS_MAX);
  });
});

describe('protocol encoders refuse, by name, what no decoder would accept (bugs of the caller)', () => {
  const getTs: Request = { id: 1, op: 'getTs', count: 1 };
  const getSeq: Request = { id: 1, op: 'getSeq', key: 'k', count: 1, clientId: 0n, requestId: 0n };
  const batch: Request = { id: 1, op: 'getSeqBatch', entries: [{ key: 'k', count: 1 }], clientId: 0n, requestId: 0n };
  const lease: Request = { id: 1, op: 'acquireLease', holder: Uint8Array.of(1), holderEpoch: 0n, ttlMs: 1 };
  const renew: Request = { id: 1, op: 'renewLease', leaseId: 0n };
  const release: Request = { id: 1, op: 'releaseLease', leaseId: 0n };
  const as = <T>(value: unknown): T => value as T;
  const request = (base: Request, change: Record<string, unknown>): Request => as<Request>({ ...base, ...change });

  // [name, accepted at the bound, refused past it, the refusal's invariant]
  it.each<[string, () => unknown, () => unknown, string]>([
    ['a request id above u32', () => encodeRequest(request(getTs, { id: 0xffff_ffff })), () => encodeRequest(request(getTs, { id: 2 ** 32 })), 'protocol_request_id_u32'],
    ['a negative request id', () => encodeRequest(request(getTs, { id: 1 })), () => encodeRequest(request(getTs, { id: -1 })), 'protocol_request_id_u32'],
    ['a fractional request id', () => encodeRequest(request(getTs, { id: 2 })), () => encodeRequest(request(getTs, { id: 1.5 })), 'protocol_request_id_u32'],
    ['request id 0 (the connection-error id)', () => encodeRequest(request(getTs, { id: 1 })), () => encodeRequest(request(getTs, { id: 0 })), 'protocol_request_id_nonzero'],
    ['a getTs count above u32', () => encodeRequest(request(getTs, { count: 0xffff_ffff })), () => encodeRequest(request(getTs, { count: 2 ** 32 })), 'protocol_request_count_u32'],
    ['a getSeq count above u32', () => encodeRequest(request(getSeq, { count: 0xffff_ffff })), () => encodeRequest(request(getSeq, { count: 2 ** 32 })), 'protocol_request_count_u32'],
    ['a getSeq key that is not a string', () => encodeRequest(request(getSeq, { key: '' })), () => encodeRequest(request(getSeq, { key: 7 })), 'protocol_request_key_string'],
    ['a getSeq clientId above u64', () => encodeRequest(request(getSeq, { clientId: U64_MAX })), () => encodeRequest(request(getSeq, { clientId: U64_MAX + 1n })), 'protocol_request_client_id_u64'],
    ['a getSeq clientId that is a number', () => encodeRequest(request(getSeq, { clientId: 0n })), () => encodeRequest(request(getSeq, { clientId: 0 })), 'protocol_request_client_id_u64'],
    ['a negative getSeq requestId', () => encodeRequest(request(getSeq, { requestId: 0n })), () => encodeRequest(request(getSeq, { requestId: -1n })), 'protocol_request_request_id_u64'],
    ['a getSeqBatch clientId above u64', () => encodeRequest(request(batch, { clientId: U64_MAX })), () => encodeRequest(request(batch, { clientId: U64_MAX + 1n })), 'protocol_request_client_id_u64'],
    ['a getSeqBatch requestId above u64', () => encodeRequest(request(batch, { requestId: U64_MAX })), () => encodeRequest(request(batch, { requestId: U64_MAX + 1n })), 'protocol_request_request_id_u64'],
    ['a getSeqBatch key that is not a string', () => encodeRequest(request(batch, { entries: [{ key: 'a', count: 1 }] })), () => encodeRequest(request(batch, { entries: [{ key: 'a', count: 1 }, { key: null, count: 1 }] })), 'protocol_request_key_string'],
    ['a getSeqBatch count above u32', () => encodeRequest(request(batch, { entries: [{ key: 'a', count: 0xffff_ffff }] })), () => encodeRequest(request(batch, { entries: [{ key: 'a', count: 1 }, { key: 'b', count: 2 ** 32 }] })), 'protocol_request_count_u32'],
    ['a lease holder past half a frame', () => encodeRequest(request(lease, { holder: new Uint8Array(FRAME_BODY_BYTES_MAX / 2) })), () => encodeRequest(request(lease, { holder: new Uint8Array(FRAME_BODY_BYTES_MAX / 2 + 1) })), 'protocol_request_holder_bytes'],
    ['a lease holder that is not bytes', () => encodeRequest(request(lease, { holder: new Uint8Array(0) })), () => encodeRequest(request(lease, { holder: 'holder' })), 'protocol_request_holder_bytes'],
    ['a lease holderEpoch above u64', () => encodeRequest(request(lease, { holderEpoch: U64_MAX })), () => encodeRequest(request(lease, { holderEpoch: U64_MAX + 1n })), 'protocol_request_holder_epoch_u64'],
    ['a lease ttlMs above u32', () => encodeRequest(request(lease, { ttlMs: 0xffff_ffff })), () => encodeRequest(request(lease, { ttlMs: 2 ** 32 })), 'protocol_request_ttl_ms_u32'],
    ['a renewed leaseId above u64', () => encodeRequest(request(renew, { leaseId: U64_MAX })), () => encodeRequest(request(renew, { leaseId: U64_MAX + 1n })), 'protocol_request_lease_id_u64'],
    ['a negative released leaseId', () => encodeRequest(request(release, { leaseId: 0n })), () => encodeRequest(request(release, { leaseId: -1n })), 'protocol_request_lease_id_u64'],
    ['an empty token', () => encodeRequest(getTs, 't'), () => encodeRequest(getTs, ''), 'protocol_request_token_bounded'],
    ['a token that is not a string (an array has a length too)', () => encodeRequest(getTs, 't'), () => encodeRequest(getTs, as<string>(['t'])), 'protocol_request_token_bounded'],
    ['a token past 4,096 chars', () => encodeRequest(getTs, 't'.repeat(REQUEST_TOKEN_CHARS_MAX)), () => encodeRequest(getTs, 't'.repeat(REQUEST_TOKEN_CHARS_MAX + 1)), 'protocol_request_token_bounded'],
    ['an op no request has', () => encodeRequest(getTs), () => encodeRequest(request(getTs, { op: 'getAll' })), 'protocol_request_op_exhaustive'],
  ])('request: %s', (_name, inside, outside, invariant) => {
    expect(() => inside()).not.toThrow();
    expect(invariantOf(outside)).toBe(invariant);
  });

  const error = { id: 1, ok: false, code: 'NOT_LEADER', message: 'm' } as const;
  const ts = { id: 1, ok: true, physicalMs: 0, logicalStart: 0, count: 1, epoch: 0n } as const;
  const seq = { id: 1, ok: true, start: 0n, count: 1, epoch: 0n } as const;
  const grants = { id: 1, ok: true, grants: [{ key: 'k', start: 0n, count: 1 }], epoch: 0n } as const;
  const safe = { id: 1, ok: true, safePoint: 'maxSafe', safePhysicalMs: 0, epoch: 0n } as const;
  const leased = { id: 1, ok: true, leaseId: 0n, tsUpperBoundMs: 0, expiresAtMs: 0, epoch: 0n } as const;
  const members = { id: 1, ok: true, members: [{ id: 1, role: 'voter', endpoint: 'h:1' }] } as const;
  const answer = (base: object, change: Record<string, unknown>): Response => as<Response>({ ...base, ...change });
  const grant = (change: Record<string, unknown>): Response => answer(grants, { grants: [{ key: 'a', start: 0n, count: 1 }, { key: 'b', start: 0n, count: 1, ...change }] });
  const member = (change: Record<string, unknown>): Response => answer(members, { members: [{ id: 1, role: 'voter', endpoint: 'h:1' }, { id: 2, role: 'learner', endpoint: 'h:2', ...change }] });

  it.each<[string, Response, Response, string]>([
    ['an answer id above u32', answer(error, { id: 0xffff_ffff }), answer(error, { id: 2 ** 32 }), 'protocol_response_id_u32'],
    ['a negative answer id', answer(ts, { id: 1 }), answer(ts, { id: -1 }), 'protocol_response_id_u32'],
    ['an error code no client knows', answer(error, { code: 'UNAVAILABLE' }), answer(error, { code: 'NOT_A_CODE' }), 'protocol_response_code_known'],
    ['an error message that is not a string', answer(error, { message: '' }), answer(error, { message: 7 }), 'protocol_response_message_string'],
    ['an error leader hint that is not a string', answer(error, { leaderEndpoint: 'h:1' }), answer(error, { leaderEndpoint: 7 }), 'protocol_response_leader_endpoint_string'],
    ['an error leader epoch above u64', answer(error, { leaderEpoch: U64_MAX }), answer(error, { leaderEpoch: U64_MAX + 1n }), 'protocol_response_leader_epoch_u64'],
    ['an error requestIdsFrom below 0', answer(error, { requestIdsFrom: 0n }), answer(error, { requestIdsFrom: -1n }), 'protocol_response_clients_expired_below_u64'],
    ['an ok answer with id 0', answer(ts, { id: 1 }), answer(ts, { id: 0 }), 'protocol_response_ok_id_nonzero'],
    ['members past 64', answer(members, { members: Array.from({ length: MEMBERS_MAX }, (_, i) => ({ id: i, role: 'voter', endpoint: 'h' })) }), answer(members, { members: Array.from({ length: MEMBERS_MAX + 1 }, (_, i) => ({ id: i, role: 'voter', endpoint: 'h' })) }), 'protocol_response_members_length'],
    ['a member id above u32', member({ id: 0xffff_ffff }), member({ id: 2 ** 32 }), 'protocol_response_member_id_u32'],
    ['a member role other than voter or learner', member({ role: 'voter' }), member({ role: 'witness' }), 'protocol_response_member_role'],
    ['a member endpoint past 256 bytes', member({ endpoint: 'e'.repeat(MEMBER_ENDPOINT_BYTES_MAX) }), member({ endpoint: 'e'.repeat(MEMBER_ENDPOINT_BYTES_MAX + 1) }), 'protocol_response_member_endpoint'],
    ['a member endpoint with a lone surrogate (regression: it passed as -1 bytes)', member({ endpoint: 'h\u{1F600}' }), member({ endpoint: 'h\ud800' }), 'protocol_response_member_endpoint'],
    ['a member endpoint that is not a string', member({ endpoint: '' }), member({ endpoint: 7 }), 'protocol_response_member_endpoint'],
    ['a members leader hint that is not a string', answer(members, { leaderEndpoint: 'h:1' }), answer(members, { leaderEndpoint: 1 }), 'protocol_response_leader_endpoint_string'],
    ['an epoch above u64', answer(ts, { epoch: U64_MAX }), answer(ts, { epoch: U64_MAX + 1n }), 'protocol_response_epoch_u64'],
    ['a lease id above u64', answer(leased, { leaseId: U64_MAX }), answer(leased, { leaseId: U64_MAX + 1n }), 'protocol_response_lease_id_u64'],
    ['a lease bound past PHYSICAL_MS_MAX', answer(leased, { tsUpperBoundMs: PHYSICAL_MS_MAX }), answer(leased, { tsUpperBoundMs: PHYSICAL_MS_MAX + 1 }), 'protocol_response_physical_ms_range'],
    ['a negative lease bound', answer(leased, { tsUpperBoundMs: 0 }), answer(leased, { tsUpperBoundMs: -1 }), 'protocol_response_physical_ms_range'],
    ['a lease expiry that is not a safe integer', answer(leased, { expiresAtMs: Number.MAX_SAFE_INTEGER }), answer(leased, { expiresAtMs: 2 ** 53 }), 'protocol_response_expires_at_safe'],
    ['a negative lease expiry', answer(leased, { expiresAtMs: 0 }), answer(leased, { expiresAtMs: -1 }), 'protocol_response_expires_at_safe'],
    ['a getTs physical ms past PHYSICAL_MS_MAX', answer(ts, { physicalMs: PHYSICAL_MS_MAX }), answer(ts, { physicalMs: PHYSICAL_MS_MAX + 1 }), 'protocol_response_physical_ms_range'],
    ['a negative getTs physical ms', answer(ts, { physicalMs: 0 }), answer(ts, { physicalMs: -1 }), 'protocol_response_physical_ms_range'],
    ['a getTs logical start past LOGICAL_MAX', answer(ts, { logicalStart: LOGICAL_MAX }), answer(ts, { logicalStart: LOGICAL_MAX + 1 }), 'protocol_response_logical_range'],
    ['a negative getTs logical start', answer(ts, { logicalStart: 0 }), answer(ts, { logicalStart: -1 }), 'protocol_response_logical_range'],
    ['a getTs grant of count 0', answer(ts, { count: 1 }), answer(ts, { count: 0 }), 'protocol_response_ts_count_range'],
    ['a getTs grant spanning a millisecond', answer(ts, { logicalStart: 1, count: LOGICAL_MAX }), answer(ts, { logicalStart: 1, count: LOGICAL_MAX + 1 }), 'protocol_response_ts_count_range'],
    ['a fractional getTs count', answer(ts, { count: 2 }), answer(ts, { count: 1.5 }), 'protocol_response_ts_count_range'],
    ['a safe point past PHYSICAL_MS_MAX', answer(safe, { safePhysicalMs: PHYSICAL_MS_MAX }), answer(safe, { safePhysicalMs: PHYSICAL_MS_MAX + 1 }), 'protocol_response_physical_ms_range'],
    ['a negative frontier', answer(safe, { safePoint: 'frontier', safePhysicalMs: 0 }), answer(safe, { safePoint: 'frontier', safePhysicalMs: -1 }), 'protocol_response_physical_ms_range'],
    ['no grants', answer(grants, {}), answer(grants, { grants: [] }), 'protocol_response_batch_length'],
    [
      'grants past 128',
      answer(grants, { grants: Array.from({ length: SEQ_BATCH_KEYS_MAX }, (_, i) => ({ key: `k${i}`, start: 0n, count: 1 })) }),
      answer(grants, { grants: Array.from({ length: SEQ_BATCH_KEYS_MAX + 1 }, (_, i) => ({ key: `k${i}`, start: 0n, count: 1 })) }),
      'protocol_response_batch_length',
    ],
    ['a grant key that is not a string', grant({ key: 'b' }), grant({ key: 7 }), 'protocol_response_grant_key_string'],
    ['a grant start above u64', grant({ start: U64_MAX }), grant({ start: U64_MAX + 1n }), 'protocol_response_start_u64'],
    ['a grant count above u32', grant({ count: 0xffff_ffff }), grant({ count: 2 ** 32 }), 'protocol_response_seq_count_u32'],
    ['a grant of count 0', grant({ count: 1 }), grant({ count: 0 }), 'protocol_response_seq_block_range'],
    ['a grant ending past u64', grant({ start: U64_MAX - 1n, count: 2 }), grant({ start: U64_MAX - 1n, count: 3 }), 'protocol_response_seq_block_range'],
    ['a getSeq start above u64', answer(seq, { start: U64_MAX }), answer(seq, { start: U64_MAX + 1n }), 'protocol_response_start_u64'],
    ['a getSeq count above u32', answer(seq, { count: 0xffff_ffff }), answer(seq, { count: 2 ** 32 }), 'protocol_response_seq_count_u32'],
    ['a getSeq block of count 0', answer(seq, { count: 1 }), answer(seq, { count: 0 }), 'protocol_response_seq_block_range'],
    ['a getSeq block ending past u64', answer(seq, { start: U64_MAX, count: 1 }), answer(seq, { start: U64_MAX, count: 2 }), 'protocol_response_seq_block_range'],
    ['an ok answer of no known shape', answer(seq, {}), as<Response>({ id: 1, ok: true, epoch: 0n }), 'protocol_response_shape'],
  ])('answer: %s', (_name, inside, outside, invariant) => {
    expect(decodeResponse(encodeResponse(inside))).toBeDefined();
    expect(invariantOf(() => encodeResponse(outside))).toBe(invariant);
  });

  it('writes a released answer and a safe point under the field its kind names', () => {
    expect(libDecode(encodeResponse(as<Response>({ id: 3, ok: true, released: true })), { useBigInt64: true })).toEqual({ id: 3, ok: true, released: true });
    expect(libDecode(encodeResponse(answer(safe, { safePhysicalMs: 5 })), { useBigInt64: true })).toEqual({ id: 1, ok: true, maxSafeMs: 5n, epoch: 0n });
    expect(libDecode(encodeResponse(answer(safe, { safePoint: 'frontier', safePhysicalMs: 6 })), { useBigInt64: true })).toEqual({ id: 1, ok: true, frontierMs: 6n, epoch: 0n });
  });
});

describe('protocol validation, every rule with its message (the server answers these to the client)', () => {
  const message = (request: Request): string | undefined => validateRequest(request)?.message;
  const entries = (n: number): Array<{ key: string; count: number }> => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, count: 1 }));
  const batchOf = (e: Array<{ key: unknown; count: unknown }>): Request => ({ id: 9, op: 'getSeqBatch', entries: e as Array<{ key: string; count: number }>, clientId: 1n, requestId: 1n });

  it('refuses a getSeqBatch of no entries or of more than 128, and accepts 1 and 128', () => {
    expect(validateRequest(batchOf(entries(1)))).toBeNull();
    expect(validateRequest(batchOf(entries(SEQ_BATCH_KEYS_MAX)))).toBeNull();
    expect(message(batchOf([]))).toBe('INVALID_SEQ_BATCH: getSeqBatch holds 0 entries, outside 1..128');
    expect(message(batchOf(entries(SEQ_BATCH_KEYS_MAX + 1)))).toBe('INVALID_SEQ_BATCH: getSeqBatch holds 129 entries, outside 1..128');
  });

  it('judges each batch entry as a getSeq (count first, then key) and refuses a key named twice', () => {
    expect(message(batchOf([{ key: 'a', count: 1 }, { key: 'b', count: 0 }]))).toBe('INVALID_SEQ_COUNT: getSeq count 0 is outside 1..65536');
    expect(message(batchOf([{ key: '', count: 0 }]))).toBe('INVALID_SEQ_COUNT: getSeq count 0 is outside 1..65536');
    expect(message(batchOf([{ key: 'a', count: 1 }, { key: '', count: 1 }]))).toBe('INVALID_SEQ_KEY: getSeq key is 0 UTF-8 bytes, outside 1..128');
    expect(message(batchOf([{ key: 'a', count: 1 }, { key: 'b', count: 2 }, { key: 'a', count: 3 }]))).toBe('INVALID_SEQ_BATCH: getSeqBatch names key "a" twice');
    expect(message(batchOf([{ key: 'x'.repeat(100), count: 1 }, { key: 'x'.repeat(100), count: 1 }]))).toBe(`INVALID_SEQ_BATCH: getSeqBatch names key "${'x'.repeat(62)}… twice`);
  });

  it('caps a batch at the server\'s own key limit, never above 128', () => {
    expect(checkSeqBatch(entries(2), 2)).toBeNull();
    expect(checkSeqBatch(entries(3), 2)).toEqual({ code: 'INVALID_SEQ_BATCH', message: 'getSeqBatch holds 3 entries, outside 1..2' });
    expect(checkSeqBatch(entries(SEQ_BATCH_KEYS_MAX + 1), 1_000)).toEqual({ code: 'INVALID_SEQ_BATCH', message: 'getSeqBatch holds 129 entries, outside 1..128' });
  });

  it('says which getTs and getSeq rule a request breaks', () => {
    expect(message({ id: 9, op: 'getTs', count: 0 })).toBe(`INVALID_COUNT: getTs count 0 is outside 1..${GET_TS_COUNT_MAX}`);
    expect(message({ id: 9, op: 'getTs', count: 1.5 })).toBe(`INVALID_COUNT: getTs count 1.5 is outside 1..${GET_TS_COUNT_MAX}`);
    expect(message({ id: 9, op: 'getSeq', key: 'k', count: 2.5, clientId: 1n, requestId: 1n })).toBe('INVALID_SEQ_COUNT: getSeq count 2.5 is outside 1..65536');
    expect(message({ id: 9, op: 'getSeq', key: 7 as unknown as string, count: 1, clientId: 1n, requestId: 1n })).toBe('INVALID_SEQ_KEY: getSeq key is not a string');
    expect(message({ id: 9, op: 'getSeq', key: 'a\uD800', count: 1, clientId: 1n, requestId: 1n })).toBe('INVALID_SEQ_KEY: getSeq key is not well-formed Unicode');
    expect(message({ id: 9, op: 'getSeq', key: 'x'.repeat(129), count: 1, clientId: 1n, requestId: 1n })).toBe('INVALID_SEQ_KEY: getSeq key is 129 UTF-8 bytes, outside 1..128');
  });

  it('leaves lease, safe-point and members requests to the server (no request problem)', () => {
    const others: Request[] = [
      { id: 9, op: 'getCurrentMaxSafe' },
      { id: 9, op: 'getSafeFrontier' },
      { id: 9, op: 'members' },
      { id: 9, op: 'acquireLease', holder: new Uint8Array(0), holderEpoch: 0n, ttlMs: 0 },
      { id: 9, op: 'renewLease', leaseId: 0n },
      { id: 9, op: 'releaseLease', leaseId: 0n },
    ];
    for (const request of others) expect(validateRequest(request)).toBeNull();
    expect(invariantOf(() => validateRequest({ id: 9, op: 'nope' } as unknown as Request))).toBe('protocol_request_op_exhaustive');
  });

  it('builds an error answer with exactly the hints it was given', () => {
    // Strict: a hint given as absent must not appear as a field holding undefined.
    expect(errorAnswer(4, 'NOT_LEADER', 'm')).toStrictEqual({ id: 4, ok: false, code: 'NOT_LEADER', message: 'm' });
    expect(errorAnswer(4, 'NOT_LEADER', 'm', { leaderEndpoint: null, leaderEpoch: null, requestIdsFrom: null })).toStrictEqual({ id: 4, ok: false, code: 'NOT_LEADER', message: 'm' });
    expect(errorAnswer(4, 'NOT_LEADER', 'm', { leaderEndpoint: 'h:1', leaderEpoch: 0n, requestIdsFrom: 0n })).toEqual({
      id: 4,
      ok: false,
      code: 'NOT_LEADER',
      message: 'm',
      leaderEndpoint: 'h:1',
      leaderEpoch: 0n,
      requestIdsFrom: 0n,
    });
  });

  it('cuts text to at most its limit, never inside a surrogate pair, and leaves shorter text alone', () => {
    expect(truncateText('abcd', 4)).toBe('abcd');
    expect(truncateText('abcde', 4)).toBe('abc…');
    expect(truncateText('ab\u{1F600}cd', 4)).toBe('ab…');
    expect(truncateText('a\u{1F600}cd', 4)).toBe('a\u{1F600}…');
    expect(truncateText('', 0)).toBe('');
    // The lowest and highest high surrogates at the cut move it back by one.
    expect(truncateText('a\ud800\udc00cd', 3)).toBe('a…');
    expect(truncateText('a\udbff\udfffcd', 3)).toBe('a…');
    expect(truncateText('ab\udc00cd', 3)).toBe('ab…');
  });

  it('counts UTF-8 bytes at every width boundary and refuses every lone surrogate', () => {
    const widths: Array<[string, number]> = [
      ['\u007f', 1],
      ['\u0080', 2],
      ['\u07ff', 2],
      ['\u0800', 3],
      ['\ud7ff', 3],
      ['\ue000', 3],
      ['\uffff', 3],
      ['\u{10000}', 4],
      ['\u{10ffff}', 4],
    ];
    for (const [text, bytes] of widths) expect(utf8ByteLength(text)).toBe(bytes);
    for (const text of ['\ud800', 'a\udbff', '\ud800a', '\udc00', '\udfff', '\ud800\ud800', '\ud800\ue000']) expect(utf8ByteLength(text)).toBe(-1);
  });
});

describe('protocol round trips of the shapes the shared arbitraries leave out', () => {
  it('a getSeqBatch request, with and without a token', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: requestId,
          op: fc.constant('getSeqBatch' as const),
          entries: fc.uniqueArray(fc.record({ key: wellFormedText(20), count: u32 }), { minLength: 1, maxLength: 4, selector: (e) => e.key }),
          clientId: u64,
          requestId: u64,
        }),
        (request) => {
          expect(decodeRequest(encodeRequest(request))).toEqual(request);
          expect(decodeRequestWithToken(encodeRequest(request, 'secret'))).toEqual({ request, token: 'secret' });
        },
      ),
      { numRuns: 100 },
    );
    expect(libDecode(encodeRequest({ id: 2, op: 'getSeqBatch', entries: [{ key: 'a', count: 3 }], clientId: 4n, requestId: 5n }), { useBigInt64: true })).toEqual({
      id: 2,
      op: 'getSeqBatch',
      entries: [['a', 3]],
      clientId: 4n,
      requestId: 5n,
    });
  });

  it('any request with a token keeps every field and the token', () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        expect(decodeRequestWithToken(encodeRequest(request, 't'.repeat(REQUEST_TOKEN_CHARS_MAX)))).toEqual({ request, token: 't'.repeat(REQUEST_TOKEN_CHARS_MAX) });
      }),
      { numRuns: 100 },
    );
  });

  it('an error answer carrying requestIdsFrom', () => {
    const answer: Response = { id: 3, ok: false, code: 'SEQ_SESSION_EXPIRED', message: 'm', requestIdsFrom: 7n };
    expect(decodeResponse(encodeResponse(answer))).toEqual(answer);
    expect(libDecode(encodeResponse(answer), { useBigInt64: true })).toMatchObject({ requestIdsFrom: 7n });
  });
});
