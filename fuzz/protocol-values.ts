// Valid protocol values for the protocol targets: every request and answer shape the wire
// allows (core/protocol.ts), with ranges at their edges. Request counts and keys range over
// everything the wire can carry, valid or not for the server: validation is a separate step
// (`validateRequest`), and the decoder must carry invalid-but-well-typed values through.
import * as fc from 'fast-check';
import { LOGICAL_MAX, PHYSICAL_MS_MAX, TIMESTAMPS_PER_MS, U64_MAX } from '../core/limits.js';
import { ANSWER_FIELDS, MEMBER_ENDPOINT_BYTES_MAX, REQUEST_FIELDS, utf8ByteLength, WIRE_ERROR_CODES, type ErrorAnswer, type Request, type Response } from '../core/protocol.js';
import { longStringArbitrary, u64Arbitrary, unicodeString } from './arbitraries.js';

const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0, 1, 262_144, 262_145, 65_536, 65_537, 0xffff_ffff));
const requestId = fc.oneof(fc.integer({ min: 1, max: 0xffff_ffff }), fc.constantFrom(1, 0xffff_ffff));
// A key may start with U+FEFF, which a UTF-8 decoder drops unless told not to: it must come back.
const key = fc.oneof(unicodeString({ minLength: 0, maxLength: 40 }), longStringArbitrary(1024), unicodeString({ maxLength: 8 }).map((rest) => `\uFEFF${rest}`));

export const requestArbitrary: fc.Arbitrary<Request> = fc.oneof(
  fc.record({ id: requestId, op: fc.constant('getTs' as const), count: u32 }),
  fc.record({ id: requestId, op: fc.constant('getSeq' as const), key, count: u32, clientId: u64Arbitrary, requestId: u64Arbitrary }),
  fc.record({ id: requestId, op: fc.constant('members' as const) }),
  fc.record({ id: requestId, op: fc.constantFrom('getCurrentMaxSafe' as const, 'getSafeFrontier' as const) }) as fc.Arbitrary<Request>,
);

const getTsAnswer = fc
  .record({ id: requestId, physicalMs: fc.oneof(fc.integer({ min: 0, max: PHYSICAL_MS_MAX }), fc.constant(PHYSICAL_MS_MAX)), logicalStart: fc.integer({ min: 0, max: LOGICAL_MAX }), epoch: u64Arbitrary })
  .chain((base) => fc.integer({ min: 1, max: TIMESTAMPS_PER_MS - base.logicalStart }).map((count) => ({ ...base, ok: true as const, count })));

const getSeqAnswer = fc
  .record({ id: requestId, count: fc.integer({ min: 1, max: 0xffff_ffff }), epoch: u64Arbitrary })
  .chain((base) => fc.bigInt({ min: 0n, max: U64_MAX - BigInt(base.count) + 1n }).map((start) => ({ ...base, ok: true as const, start })));

const errorAnswer: fc.Arbitrary<ErrorAnswer> = fc
  .record({
    id: fc.integer({ min: 0, max: 0xffff_ffff }),
    code: fc.constantFrom(...WIRE_ERROR_CODES),
    message: unicodeString({ maxLength: 60 }),
    leaderEndpoint: fc.option(fc.constantFrom('127.0.0.1:50551', '[::1]:9', 'node-3.tso.svc:50551'), { nil: undefined }),
    leaderEpoch: fc.option(u64Arbitrary, { nil: undefined }),
    requestIdsFrom: fc.option(u64Arbitrary, { nil: undefined }),
  })
  .map(({ id, code, message, leaderEndpoint, leaderEpoch, requestIdsFrom }) => ({
    id,
    ok: false as const,
    code,
    message,
    ...(leaderEndpoint === undefined ? {} : { leaderEndpoint }),
    ...(leaderEpoch === undefined ? {} : { leaderEpoch }),
    ...(requestIdsFrom === undefined ? {} : { requestIdsFrom }),
  }));

const memberEndpoint = fc.oneof(fc.constantFrom('127.0.0.1:50551', '[::1]:9', 'node-3.tso.svc:50551', ''), fc.string({ maxLength: MEMBER_ENDPOINT_BYTES_MAX }).filter((s) => utf8ByteLength(s) <= MEMBER_ENDPOINT_BYTES_MAX));
const membersAnswer: fc.Arbitrary<Response> = fc
  .record({
    id: requestId,
    members: fc.array(fc.record({ id: u32, role: fc.constantFrom('voter' as const, 'learner' as const), endpoint: memberEndpoint }), { maxLength: 8 }),
    leaderEndpoint: fc.option(memberEndpoint, { nil: undefined }),
  })
  .map(({ id, members, leaderEndpoint }) => ({ id, ok: true as const, members, ...(leaderEndpoint === undefined ? {} : { leaderEndpoint }) }));

export const responseArbitrary: fc.Arbitrary<Response> = fc.oneof(getTsAnswer, getSeqAnswer, errorAnswer, membersAnswer);

/** Field names a request or an answer may carry (for dictionaries and wild maps): the decoders' own tables. */
export const PROTOCOL_FIELD_NAMES: readonly string[] = [...new Set([...REQUEST_FIELDS, ...ANSWER_FIELDS])];

/** msgpack tokens: field names as fixstr, type bytes at their edges. */
export const PROTOCOL_DICTIONARY: readonly Uint8Array[] = [
  ...PROTOCOL_FIELD_NAMES.map((name) => Uint8Array.of(0xa0 | name.length, ...Array.from(name, (c) => c.charCodeAt(0)))),
  Uint8Array.of(0xa5, 0x67, 0x65, 0x74, 0x54, 0x73), // "getTs"
  Uint8Array.of(0xa6, 0x67, 0x65, 0x74, 0x53, 0x65, 0x71), // "getSeq"
  Uint8Array.of(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0xce, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0),
  Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0xdf, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0xdb, 0x00, 0x01, 0x00, 0x00),
  Uint8Array.of(0xc1),
  Uint8Array.of(0xc0),
  Uint8Array.of(0xc3),
];
