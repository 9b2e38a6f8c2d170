// The protobuf codecs of every tsoracle.v1 message (proto/tsoracle/v1/tso.proto), written by hand
// on @bufbuild/protobuf's conformance-tested wire reader and writer. Each message is a table of
// (field number, name, kind); one generic encoder and one generic decoder walk the tables, so a
// field number lives in exactly one place and the golden-byte tests pin them all.
//
// Invariants:
//   - u64 fields are bigint both ways (epochs, sequence starts and lease ids exceed 2^53); u32
//     fields are numbers.
//   - Encoding is proto3's: a scalar equal to its default is omitted; a nested message present in
//     the value is always written (an EpochWire of {0, 0} is an empty but present field, which is
//     how "the epoch is always populated on success" reaches the Rust client).
//   - Decoding accepts what proto3 allows (fields in any order, repeated scalars: last wins,
//     unknown fields skipped) and refuses everything else with a GrpcMessageError: truncated
//     input, a known field with the wrong wire type, invalid UTF-8 in a string, a group, nesting
//     deeper than the schema. It never throws anything else, never loops on bad input, and its
//     work is linear in the input's length.

import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** A message that is not a valid encoding of the expected tsoracle.v1 message. */
export class GrpcMessageError extends Error {
  override readonly name = 'GrpcMessageError';
  readonly code = 'BAD_GRPC_MESSAGE';
  constructor(message: string) {
    super(`BAD_GRPC_MESSAGE: ${message}`);
  }
}

export interface EpochWire {
  readonly hi: bigint;
  readonly lo: bigint;
}
export interface GetTsRequest {
  readonly count: number;
}
export interface GetTsResponse {
  readonly physicalMs: bigint;
  readonly logicalStart: number;
  readonly count: number;
  readonly epochHi: bigint;
  readonly epochLo: bigint;
}
export type GetCurrentMaxSafeRequest = Record<string, never>;
export interface GetCurrentMaxSafeResponse {
  readonly maxSafePhysicalMs: bigint;
  readonly epochHi: bigint;
  readonly epochLo: bigint;
}
export interface GetSeqRequest {
  readonly key: string;
  readonly count: number;
}
export interface GetSeqResponse {
  readonly key: string;
  readonly start: bigint;
  readonly count: number;
  readonly epoch?: EpochWire;
}
export interface SeqRequestEntry {
  readonly key: string;
  readonly count: number;
}
export interface GetSeqBatchRequest {
  readonly entries: readonly SeqRequestEntry[];
}
export interface SeqGrantEntry {
  readonly key: string;
  readonly start: bigint;
  readonly count: number;
}
export interface GetSeqBatchResponse {
  readonly grants: readonly SeqGrantEntry[];
  readonly epoch?: EpochWire;
}
export interface LeaderHint {
  readonly leaderEndpoint?: string;
  readonly leaderEpoch?: EpochWire;
}
export interface AcquireLeaseRequest {
  readonly holder: Uint8Array;
  readonly holderEpoch: bigint;
  readonly ttlMs: bigint;
}
export interface AcquireLeaseResponse {
  readonly leaseId: bigint;
  readonly tsUpperBound: bigint;
  readonly expiresAtMs: bigint;
  readonly epoch?: EpochWire;
}
export interface RenewLeaseRequest {
  readonly leaseId: bigint;
}
export interface RenewLeaseResponse {
  readonly tsUpperBound: bigint;
  readonly expiresAtMs: bigint;
  readonly epoch?: EpochWire;
}
export interface ReleaseLeaseRequest {
  readonly leaseId: bigint;
}
export type ReleaseLeaseResponse = Record<string, never>;
export type GetSafeFrontierRequest = Record<string, never>;
export interface GetSafeFrontierResponse {
  readonly frontierPhysicalMs: bigint;
  readonly epochHi: bigint;
  readonly epochLo: bigint;
}

type FieldKind =
  | { readonly t: 'u32' }
  | { readonly t: 'u64' }
  | { readonly t: 'string' }
  | { readonly t: 'bytes' }
  | { readonly t: 'optionalString' }
  | { readonly t: 'message'; readonly schema: MessageSchema }
  | { readonly t: 'repeated'; readonly schema: MessageSchema };

interface FieldSpec {
  readonly no: number;
  readonly name: string;
  readonly kind: FieldKind;
}

interface MessageSchema {
  readonly typeName: string;
  readonly fields: readonly FieldSpec[];
}

export interface MessageCodec<T> {
  readonly typeName: string;
  encode(value: T): Uint8Array;
  /** Throws GrpcMessageError (and nothing else) on input that is not this message. */
  decode(bytes: Uint8Array): T;
}

const u32: FieldKind = { t: 'u32' };
const u64: FieldKind = { t: 'u64' };
const str: FieldKind = { t: 'string' };
const f = (no: number, name: string, kind: FieldKind): FieldSpec => ({ no, name, kind });
const schema = (typeName: string, ...fields: FieldSpec[]): MessageSchema => ({ typeName, fields });

const EPOCH_WIRE = schema('EpochWire', f(1, 'hi', u64), f(2, 'lo', u64));
const epoch: FieldKind = { t: 'message', schema: EPOCH_WIRE };
const SEQ_REQUEST_ENTRY = schema('SeqRequestEntry', f(1, 'key', str), f(2, 'count', u32));
const SEQ_GRANT_ENTRY = schema('SeqGrantEntry', f(1, 'key', str), f(2, 'start', u64), f(3, 'count', u32));

const utf8 = new TextDecoder('utf-8', { fatal: true });

function defaultOf(kind: FieldKind): unknown {
  switch (kind.t) {
    case 'u32':
      return 0;
    case 'u64':
      return 0n;
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'repeated':
      return [];
    default:
      return undefined;
  }
}

function wireTypeOf(kind: FieldKind): WireType {
  return kind.t === 'u32' || kind.t === 'u64' ? WireType.Varint : WireType.LengthDelimited;
}

function writeMessage(writer: BinaryWriter, s: MessageSchema, value: Record<string, unknown>): void {
  for (const field of s.fields) {
    const v = value[field.name];
    switch (field.kind.t) {
      case 'u32':
        if (v !== undefined && v !== 0) writer.tag(field.no, WireType.Varint).uint32(v as number);
        break;
      case 'u64':
        if (v !== undefined && v !== 0n) writer.tag(field.no, WireType.Varint).uint64(v as bigint);
        break;
      case 'string':
        if (v !== undefined && v !== '') writer.tag(field.no, WireType.LengthDelimited).string(v as string);
        break;
      case 'bytes':
        if (v !== undefined && (v as Uint8Array).length > 0) writer.tag(field.no, WireType.LengthDelimited).bytes(v as Uint8Array);
        break;
      case 'optionalString':
        if (v !== undefined) writer.tag(field.no, WireType.LengthDelimited).string(v as string);
        break;
      case 'message':
        if (v !== undefined) {
          writer.tag(field.no, WireType.LengthDelimited).fork();
          writeMessage(writer, field.kind.schema, v as Record<string, unknown>);
          writer.join();
        }
        break;
      case 'repeated':
        for (const item of (v as readonly Record<string, unknown>[] | undefined) ?? []) {
          writer.tag(field.no, WireType.LengthDelimited).fork();
          writeMessage(writer, field.kind.schema, item);
          writer.join();
        }
        break;
    }
  }
}

function readMessage(bytes: Uint8Array, s: MessageSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of s.fields) {
    const d = defaultOf(field.kind);
    if (d !== undefined) out[field.name] = d;
  }
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (no < 1) throw new GrpcMessageError(`${s.typeName}: field number ${no} is not valid`);
    const field = s.fields.find((x) => x.no === no);
    if (field === undefined) {
      // Unknown fields are skipped, as proto3 asks; groups are refused (no tsoracle message has one).
      if (wireType === WireType.StartGroup || wireType === WireType.EndGroup) throw new GrpcMessageError(`${s.typeName}: field ${no} is a group`);
      reader.skip(wireType, no);
      continue;
    }
    if (wireType !== wireTypeOf(field.kind)) throw new GrpcMessageError(`${s.typeName}.${field.name} (field ${no}) has wire type ${wireType}`);
    switch (field.kind.t) {
      case 'u32':
        out[field.name] = reader.uint32();
        break;
      case 'u64':
        out[field.name] = BigInt(reader.uint64());
        break;
      case 'string':
      case 'optionalString': {
        const raw = reader.bytes();
        try {
          out[field.name] = utf8.decode(raw);
        } catch {
          throw new GrpcMessageError(`${s.typeName}.${field.name} (field ${no}) is not valid UTF-8`);
        }
        break;
      }
      case 'bytes':
        out[field.name] = reader.bytes().slice();
        break;
      case 'message': {
        // A repeated occurrence of a message field merges into the earlier one (proto3).
        const nested = readMessage(reader.bytes(), field.kind.schema);
        const earlier = out[field.name] as Record<string, unknown> | undefined;
        out[field.name] = earlier === undefined ? nested : mergeMessage(field.kind.schema, earlier, nested);
        break;
      }
      case 'repeated':
        (out[field.name] as unknown[]).push(readMessage(reader.bytes(), field.kind.schema));
        break;
    }
  }
  if (reader.pos !== reader.len) throw new GrpcMessageError(`${s.typeName}: truncated`);
  return out;
}

/** proto3 merge of two decoded messages of `s`: later non-default scalars win, lists concatenate. */
function mergeMessage(s: MessageSchema, earlier: Record<string, unknown>, later: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...earlier };
  for (const field of s.fields) {
    const v = later[field.name];
    if (field.kind.t === 'repeated') merged[field.name] = [...(earlier[field.name] as unknown[]), ...(v as unknown[])];
    else if (field.kind.t === 'message') {
      if (v !== undefined) merged[field.name] = earlier[field.name] === undefined ? v : mergeMessage(field.kind.schema, earlier[field.name] as Record<string, unknown>, v as Record<string, unknown>);
    } else if (v !== undefined && v !== defaultOf(field.kind) && !(field.kind.t === 'bytes' && (v as Uint8Array).length === 0)) merged[field.name] = v;
  }
  return merged;
}

function codec<T>(s: MessageSchema): MessageCodec<T> {
  return {
    typeName: `tsoracle.v1.${s.typeName}`,
    encode(value: T): Uint8Array {
      const writer = new BinaryWriter();
      writeMessage(writer, s, value as Record<string, unknown>);
      return writer.finish();
    },
    decode(bytes: Uint8Array): T {
      try {
        return readMessage(bytes, s) as T;
      } catch (e) {
        if (e instanceof GrpcMessageError) throw e;
        // The wire reader's own errors (premature EOF, a varint too long, a bad wire type).
        throw new GrpcMessageError(`${s.typeName}: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

export const EpochWireCodec = codec<EpochWire>(EPOCH_WIRE);
export const GetTsRequestCodec = codec<GetTsRequest>(schema('GetTsRequest', f(1, 'count', u32)));
export const GetTsResponseCodec = codec<GetTsResponse>(
  schema('GetTsResponse', f(1, 'physicalMs', u64), f(2, 'logicalStart', u32), f(3, 'count', u32), f(4, 'epochHi', u64), f(5, 'epochLo', u64)),
);
export const GetCurrentMaxSafeRequestCodec = codec<GetCurrentMaxSafeRequest>(schema('GetCurrentMaxSafeRequest'));
export const GetCurrentMaxSafeResponseCodec = codec<GetCurrentMaxSafeResponse>(
  schema('GetCurrentMaxSafeResponse', f(1, 'maxSafePhysicalMs', u64), f(2, 'epochHi', u64), f(3, 'epochLo', u64)),
);
export const GetSeqRequestCodec = codec<GetSeqRequest>(schema('GetSeqRequest', f(1, 'key', str), f(2, 'count', u32)));
export const GetSeqResponseCodec = codec<GetSeqResponse>(schema('GetSeqResponse', f(1, 'key', str), f(2, 'start', u64), f(3, 'count', u32), f(4, 'epoch', epoch)));
export const GetSeqBatchRequestCodec = codec<GetSeqBatchRequest>(schema('GetSeqBatchRequest', f(1, 'entries', { t: 'repeated', schema: SEQ_REQUEST_ENTRY })));
export const GetSeqBatchResponseCodec = codec<GetSeqBatchResponse>(
  schema('GetSeqBatchResponse', f(1, 'grants', { t: 'repeated', schema: SEQ_GRANT_ENTRY }), f(2, 'epoch', epoch)),
);
export const LeaderHintCodec = codec<LeaderHint>(schema('LeaderHint', f(1, 'leaderEndpoint', { t: 'optionalString' }), f(2, 'leaderEpoch', epoch)));
export const AcquireLeaseRequestCodec = codec<AcquireLeaseRequest>(
  schema('AcquireLeaseRequest', f(1, 'holder', { t: 'bytes' }), f(2, 'holderEpoch', u64), f(3, 'ttlMs', u64)),
);
export const AcquireLeaseResponseCodec = codec<AcquireLeaseResponse>(
  schema('AcquireLeaseResponse', f(1, 'leaseId', u64), f(2, 'tsUpperBound', u64), f(3, 'expiresAtMs', u64), f(4, 'epoch', epoch)),
);
export const RenewLeaseRequestCodec = codec<RenewLeaseRequest>(schema('RenewLeaseRequest', f(1, 'leaseId', u64)));
export const RenewLeaseResponseCodec = codec<RenewLeaseResponse>(schema('RenewLeaseResponse', f(1, 'tsUpperBound', u64), f(2, 'expiresAtMs', u64), f(3, 'epoch', epoch)));
export const ReleaseLeaseRequestCodec = codec<ReleaseLeaseRequest>(schema('ReleaseLeaseRequest', f(1, 'leaseId', u64)));
export const ReleaseLeaseResponseCodec = codec<ReleaseLeaseResponse>(schema('ReleaseLeaseResponse'));
export const GetSafeFrontierRequestCodec = codec<GetSafeFrontierRequest>(schema('GetSafeFrontierRequest'));
export const GetSafeFrontierResponseCodec = codec<GetSafeFrontierResponse>(
  schema('GetSafeFrontierResponse', f(1, 'frontierPhysicalMs', u64), f(2, 'epochHi', u64), f(3, 'epochLo', u64)),
);

const U64_MASK = (1n << 64n) - 1n;

/** A u128 epoch as the wire's two u64 halves. */
export function epochToWire(epoch: bigint): EpochWire {
  return { hi: (epoch >> 64n) & U64_MASK, lo: epoch & U64_MASK };
}

export function epochFromWire(wire: EpochWire): bigint {
  return (wire.hi << 64n) | wire.lo;
}

// The table codec itself, for the messages of this package's other gRPC services
// (drivers/admin/admin-messages.ts): one reader and writer for every proto message here.
export { codec as protoCodec, f as protoField, schema as protoSchema };
export type { FieldKind as ProtoFieldKind, MessageSchema as ProtoMessageSchema };
