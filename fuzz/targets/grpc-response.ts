// Target: the hand-written tsoracle.v1 protobuf decoders of every RESPONSE (drivers/grpc/
// tso-messages.ts), which a gRPC client of this package (drivers/grpc/tso-grpc-client.ts, the
// bench) runs on whatever a server sends back. The first byte picks the message (an index into
// MESSAGES), the rest is its protobuf encoding. decode may only throw GrpcMessageError; a decoded
// value re-encodes to bytes that decode to the same value. Not canonical: protobuf accepts any
// field order, repeated scalars (last wins), unknown fields and non-minimal varints, so only the
// normalised form is unique.
import * as fc from 'fast-check';
import {
  AcquireLeaseResponseCodec,
  EpochWireCodec,
  GetCurrentMaxSafeResponseCodec,
  GetSafeFrontierResponseCodec,
  GetSeqBatchResponseCodec,
  GetSeqResponseCodec,
  GetTsResponseCodec,
  GrpcMessageError,
  ReleaseLeaseResponseCodec,
  RenewLeaseResponseCodec,
  type MessageCodec,
} from '../../drivers/grpc/tso-messages.js';
import { defineTarget, token } from '../target.js';

const MESSAGES: readonly MessageCodec<unknown>[] = [
  GetTsResponseCodec,
  GetCurrentMaxSafeResponseCodec,
  GetSeqResponseCodec,
  GetSeqBatchResponseCodec,
  AcquireLeaseResponseCodec,
  RenewLeaseResponseCodec,
  ReleaseLeaseResponseCodec,
  GetSafeFrontierResponseCodec,
  EpochWireCodec,
] as MessageCodec<unknown>[];

export interface SelectedResponse {
  readonly index: number;
  readonly message: unknown;
}

function decode(bytes: Uint8Array): SelectedResponse {
  const index = bytes[0];
  const codec = index === undefined ? undefined : MESSAGES[index];
  if (index === undefined || codec === undefined) throw new GrpcMessageError(`no response number ${String(index)}`);
  return { index, message: codec.decode(bytes.subarray(1)) };
}

function encode(value: SelectedResponse): Uint8Array {
  const body = (MESSAGES[value.index] as MessageCodec<unknown>).encode(value.message);
  return Uint8Array.from([value.index, ...body]);
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const epoch = fc.record({ hi: u64, lo: u64 });
const grant = fc.record({ key: fc.string({ maxLength: 20 }), start: u64, count: u32 });

const arbitrary: fc.Arbitrary<SelectedResponse> = fc.oneof(
  fc.record({ physicalMs: u64, logicalStart: u32, count: u32, epochHi: u64, epochLo: u64 }).map((message) => ({ index: 0, message })),
  fc.record({ maxSafePhysicalMs: u64, epochHi: u64, epochLo: u64 }).map((message) => ({ index: 1, message })),
  fc.record({ key: fc.string({ maxLength: 40 }), start: u64, count: u32, epoch }, { requiredKeys: ['key', 'start', 'count'] }).map((message) => ({ index: 2, message })),
  fc.record({ grants: fc.array(grant, { maxLength: 6 }), epoch }, { requiredKeys: ['grants'] }).map((message) => ({ index: 3, message })),
  fc.record({ leaseId: u64, tsUpperBound: u64, expiresAtMs: u64, epoch }, { requiredKeys: ['leaseId', 'tsUpperBound', 'expiresAtMs'] }).map((message) => ({ index: 4, message })),
  fc.record({ tsUpperBound: u64, expiresAtMs: u64, epoch }, { requiredKeys: ['tsUpperBound', 'expiresAtMs'] }).map((message) => ({ index: 5, message })),
  fc.record({ frontierPhysicalMs: u64, epochHi: u64, epochLo: u64 }).map((message) => ({ index: 7, message })),
  epoch.map((message) => ({ index: 8, message })),
);

export default defineTarget<SelectedResponse>({
  name: 'grpc-response',
  description: 'tsoracle.v1 protobuf decoders of every response (what a gRPC client decodes)',
  decode,
  encode,
  canonical: false,
  isExpectedError: (error) => error instanceof GrpcMessageError,
  arbitrary,
  rejections: (accepted) => (accepted.length > 1 ? [{ name: 'truncated-tag', bytes: Uint8Array.from([...accepted, 0x80]), code: 'BAD_GRPC_MESSAGE' }] : []),
  seeds: () =>
    [
      { index: 0, message: { physicalMs: 1_764_000_000_000n, logicalStart: 5, count: 262_144, epochHi: 0n, epochLo: 9n } },
      { index: 1, message: { maxSafePhysicalMs: 1_764_000_000_000n, epochHi: 1n, epochLo: 2n } },
      { index: 2, message: { key: 'orders', start: 100n, count: 10, epoch: { hi: 0n, lo: 0n } } },
      { index: 3, message: { grants: [{ key: 'a', start: 0n, count: 1 }, { key: 'ключ', start: (1n << 64n) - 2n, count: 1 }], epoch: { hi: 5n, lo: 3n } } },
      { index: 4, message: { leaseId: 5n, tsUpperBound: 1000n, expiresAtMs: 2000n, epoch: { hi: 0n, lo: 9n } } },
      { index: 5, message: { tsUpperBound: 1000n, expiresAtMs: 2000n, epoch: { hi: 1n, lo: 0n } } },
      { index: 6, message: {} },
      { index: 7, message: { frontierPhysicalMs: 0n, epochHi: 0n, epochLo: 0n } },
      { index: 8, message: { hi: (1n << 64n) - 1n, lo: 1n } },
    ].map(encode),
  dictionary: [token('orders'), Uint8Array.from([0x08]), Uint8Array.from([0x0a]), Uint8Array.from([0x10]), Uint8Array.from([0x12]), Uint8Array.from([0x22]), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])],
});
