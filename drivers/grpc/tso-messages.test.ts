// The tsoracle.v1 codecs: the original's golden bytes, round trips of every message (fast-check),
// proto3 decoding rules, and refusals of bad input as GrpcMessageError only.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AcquireLeaseRequestCodec,
  AcquireLeaseResponseCodec,
  epochFromWire,
  epochToWire,
  GetSeqBatchRequestCodec,
  GetSeqRequestCodec,
  GetSeqResponseCodec,
  GetTsRequestCodec,
  GetTsResponseCodec,
  GrpcMessageError,
  LeaderHintCodec,
  RenewLeaseResponseCodec,
  type MessageCodec,
} from './tso-messages.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replaceAll(' ', ''), 'hex'));
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const epochWire = fc.record({ hi: u64, lo: u64 });

function refusal<T>(codec: MessageCodec<T>, bytes: Uint8Array): string {
  try {
    codec.decode(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(GrpcMessageError);
    return (e as Error).message;
  }
  throw new Error('expected a GrpcMessageError');
}

describe('tsoracle.v1 messages', () => {
  it('encode the original golden lease vectors byte for byte (a zero epoch half omitted, the nested epoch present)', () => {
    expect(hex(AcquireLeaseRequestCodec.encode({ holder: new Uint8Array([0xab, 0xcd]), holderEpoch: 7n, ttlMs: 20_000n }))).toBe('0a02abcd100718a09c01');
    const response = { leaseId: 5n, tsUpperBound: 1000n, expiresAtMs: 2000n, epoch: { hi: 0n, lo: 9n } };
    expect(hex(AcquireLeaseResponseCodec.encode(response))).toBe('080510e80718d00f22021009');
    expect(AcquireLeaseResponseCodec.decode(fromHex('08 05 10 e8 07 18 d0 0f 22 02 10 09'))).toEqual(response);
  });

  it('put every GetTs and GetSeq field at its original number', () => {
    expect(hex(GetTsRequestCodec.encode({ count: 3 }))).toBe('0803');
    expect(hex(GetTsResponseCodec.encode({ physicalMs: 1n, logicalStart: 2, count: 3, epochHi: 4n, epochLo: 5n }))).toBe('0801100218032004' + '2805');
    expect(hex(GetSeqRequestCodec.encode({ key: 'k', count: 2 }))).toBe('0a016b1002');
    expect(hex(GetSeqResponseCodec.encode({ key: 'k', start: 7n, count: 2, epoch: { hi: 0n, lo: 0n } }))).toBe('0a016b100718022200');
    expect(hex(LeaderHintCodec.encode({ leaderEndpoint: 'h:1', leaderEpoch: { hi: 1n, lo: 2n } }))).toBe('0a03683a31120408011002');
    // proto3 `optional`: an empty endpoint that is present is still written.
    expect(hex(LeaderHintCodec.encode({ leaderEndpoint: '' }))).toBe('0a00');
    expect(LeaderHintCodec.decode(new Uint8Array(0))).toEqual({});
  });

  it('round-trip every field value, u64 halves and u128 epochs included', () => {
    fc.assert(
      fc.property(u64, u32, u32, u64, u64, (physicalMs, logicalStart, count, epochHi, epochLo) => {
        const m = { physicalMs, logicalStart, count, epochHi, epochLo };
        expect(GetTsResponseCodec.decode(GetTsResponseCodec.encode(m))).toEqual(m);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), u64, u32, epochWire, (key, start, count, epoch) => {
        const m = { key, start, count, epoch };
        expect(GetSeqResponseCodec.decode(GetSeqResponseCodec.encode(m))).toEqual(m);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.string(), count: u32 }), { maxLength: 8 }), (entries) => {
        expect(GetSeqBatchRequestCodec.decode(GetSeqBatchRequestCodec.encode({ entries }))).toEqual({ entries });
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (epoch) => {
        expect(epochFromWire(epochToWire(epoch))).toBe(epoch);
      }),
    );
  });

  it('decode as proto3 does: defaults for absent fields, unknown fields skipped, the last scalar wins, nested messages merge', () => {
    expect(GetTsRequestCodec.decode(new Uint8Array(0))).toEqual({ count: 0 });
    // field 9 varint, field 10 length-delimited, field 11 fixed64, field 12 fixed32: all unknown.
    expect(GetTsRequestCodec.decode(fromHex('4801 5202aabb 590102030405060708 6501020304 0805'))).toEqual({ count: 5 });
    expect(GetTsRequestCodec.decode(fromHex('0801 0807'))).toEqual({ count: 7 });
    expect(RenewLeaseResponseCodec.decode(fromHex('1a020801 1a021002'))).toEqual({ tsUpperBound: 0n, expiresAtMs: 0n, epoch: { hi: 1n, lo: 2n } });
  });

  it('refuse truncated input, wrong wire types, invalid UTF-8 and groups with a GrpcMessageError', () => {
    expect(refusal(GetTsRequestCodec, fromHex('08'))).toMatch(/^BAD_GRPC_MESSAGE: GetTsRequest/);
    expect(refusal(GetTsRequestCodec, fromHex('0a0101'))).toMatch(/count \(field 1\) has wire type 2/);
    expect(refusal(GetSeqRequestCodec, fromHex('0a02c328'))).toMatch(/key \(field 1\) is not valid UTF-8/);
    expect(refusal(GetSeqRequestCodec, fromHex('0a05616263'))).toMatch(/BAD_GRPC_MESSAGE/);
    expect(refusal(GetSeqRequestCodec, fromHex('4b4c'))).toMatch(/group/);
    expect(refusal(GetTsRequestCodec, fromHex('08ffffffffffffffffffff01'))).toMatch(/BAD_GRPC_MESSAGE/);
  });

  it('never throw anything but GrpcMessageError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const c of [GetTsRequestCodec, GetSeqRequestCodec, GetSeqBatchRequestCodec, LeaderHintCodec, AcquireLeaseRequestCodec] as MessageCodec<unknown>[]) {
          try {
            c.decode(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(GrpcMessageError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
