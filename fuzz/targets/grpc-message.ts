// Target: the hand-written tsoracle.v1 protobuf decoders (drivers/grpc/tso-messages.ts) that the
// gRPC listener runs on every request, and the LeaderHint decoder a client runs on the trailer.
// The first byte picks the message (an index into MESSAGES), the rest is its protobuf encoding.
// decode may only throw GrpcMessageError; a decoded value re-encodes to bytes that decode to the
// same value. Not canonical: protobuf accepts any field order, repeated scalars (last wins),
// unknown fields and non-minimal varints, so only the normalised form is unique.
import * as fc from 'fast-check';
import {
  AcquireLeaseRequestCodec,
  GetCurrentMaxSafeRequestCodec,
  GetSafeFrontierRequestCodec,
  GetSeqBatchRequestCodec,
  GetSeqRequestCodec,
  GetTsRequestCodec,
  GrpcMessageError,
  LeaderHintCodec,
  ReleaseLeaseRequestCodec,
  RenewLeaseRequestCodec,
  type MessageCodec,
} from '../../drivers/grpc/tso-messages.js';
import { defineTarget, token } from '../target.js';

const MESSAGES: readonly MessageCodec<unknown>[] = [
  GetTsRequestCodec,
  GetCurrentMaxSafeRequestCodec,
  GetSeqRequestCodec,
  GetSeqBatchRequestCodec,
  AcquireLeaseRequestCodec,
  RenewLeaseRequestCodec,
  ReleaseLeaseRequestCodec,
  GetSafeFrontierRequestCodec,
  LeaderHintCodec,
] as MessageCodec<unknown>[];

export interface SelectedMessage {
  readonly index: number;
  readonly message: unknown;
}

function decode(bytes: Uint8Array): SelectedMessage {
  const index = bytes[0];
  const codec = index === undefined ? undefined : MESSAGES[index];
  if (index === undefined || codec === undefined) throw new GrpcMessageError(`no message number ${String(index)}`);
  return { index, message: codec.decode(bytes.subarray(1)) };
}

function encode(value: SelectedMessage): Uint8Array {
  const body = (MESSAGES[value.index] as MessageCodec<unknown>).encode(value.message);
  return Uint8Array.from([value.index, ...body]);
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const epoch = fc.record({ hi: u64, lo: u64 });

const arbitrary: fc.Arbitrary<SelectedMessage> = fc.oneof(
  u32.map((count) => ({ index: 0, message: { count } })),
  fc.record({ key: fc.string({ maxLength: 40 }), count: u32 }).map((message) => ({ index: 2, message })),
  fc.array(fc.record({ key: fc.string({ maxLength: 20 }), count: u32 }), { maxLength: 6 }).map((entries) => ({ index: 3, message: { entries } })),
  fc.record({ holder: fc.uint8Array({ maxLength: 40 }), holderEpoch: u64, ttlMs: u64 }).map((message) => ({ index: 4, message })),
  u64.map((leaseId) => ({ index: 5, message: { leaseId } })),
  fc.record({ leaderEndpoint: fc.string({ maxLength: 40 }), leaderEpoch: epoch }, { requiredKeys: [] }).map((message) => ({ index: 8, message })),
);

export default defineTarget<SelectedMessage>({
  name: 'grpc-message',
  description: 'tsoracle.v1 protobuf decoders of the gRPC listener (requests) and the LeaderHint trailer',
  decode,
  encode,
  canonical: false,
  isExpectedError: (error) => error instanceof GrpcMessageError,
  arbitrary,
  rejections: (accepted) => (accepted.length > 1 ? [{ name: 'truncated-tag', bytes: Uint8Array.from([...accepted, 0x80]), code: 'BAD_GRPC_MESSAGE' }] : []),
  seeds: () =>
    [
      { index: 0, message: { count: 1 } },
      { index: 0, message: { count: 262_144 } },
      { index: 2, message: { key: 'orders', count: 10 } },
      { index: 3, message: { entries: [{ key: 'a', count: 1 }, { key: 'ключ', count: 65_536 }] } },
      { index: 4, message: { holder: new Uint8Array([0xab, 0xcd]), holderEpoch: 7n, ttlMs: 20_000n } },
      { index: 5, message: { leaseId: (1n << 64n) - 1n } },
      { index: 8, message: { leaderEndpoint: '10.0.0.2:50551', leaderEpoch: { hi: 1n, lo: 2n } } },
    ].map(encode),
  dictionary: [token('orders'), Uint8Array.from([0x08]), Uint8Array.from([0x0a]), Uint8Array.from([0x10]), Uint8Array.from([0x12]), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f])],
});
