// The messages of tsoracle.admin.v1.MembershipAdmin (proto/tsoracle/admin/v1/admin.proto) on the
// table codec of drivers/grpc/tso-messages.ts. Bools and enums are varints on the wire, read and
// written as u32 (proto3 reads any non-zero varint as true; an enum value outside the known ones
// is kept as its number, so a newer peer's kind reaches the caller, who falls back to `message`).
import { protoCodec, protoField as f, protoSchema as schema, type ProtoFieldKind } from '../grpc/tso-messages.js';

const u32: ProtoFieldKind = { t: 'u32' };
const u64: ProtoFieldKind = { t: 'u64' };
const str: ProtoFieldKind = { t: 'string' };

export const ADMIN_SERVICE_NAME = 'tsoracle.admin.v1.MembershipAdmin';

export const MemberRoleWire = { UNSPECIFIED: 0, VOTER: 1, LEARNER: 2 } as const;

/** AdminErrorKind, the original's values. */
export const AdminErrorKind = {
  UNSPECIFIED: 0,
  NOT_LEADER: 1,
  UNSUPPORTED: 2,
  NOT_MEMBER: 3,
  NOT_CAUGHT_UP: 4,
  WOULD_LOSE_QUORUM: 5,
  TIMEOUT: 6,
  DRIVER: 7,
} as const;

export const ADMIN_ERROR_KIND_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(AdminErrorKind).map(([k, v]) => [v, k]));

export interface MemberEntryWire {
  readonly id: bigint;
  readonly role: number;
  readonly raftAddr: string;
  readonly serviceEndpoint: string;
  readonly adminEndpoint: string;
}
export interface MembershipViewWire {
  readonly members: readonly MemberEntryWire[];
  readonly hasLeader: number;
  readonly leader: bigint;
}
export interface AddLearnerRequestWire {
  readonly id: bigint;
  readonly raftAddr: string;
  readonly serviceEndpoint: string;
  readonly adminEndpoint: string;
}
export interface NodeIdRequestWire {
  readonly id: bigint;
}
export interface ChangeResponseWire {
  readonly ok: number;
  readonly error: number;
  readonly leaderAdminEndpoint: string;
  readonly message: string;
}
export interface CapabilitiesReportWire {
  readonly driver: string;
  readonly membershipChanges: number;
  readonly cluster: string;
  readonly nodeId: bigint;
  readonly membershipIndex: bigint;
}
export type EmptyWire = Record<string, never>;

const MEMBER_ENTRY = schema('MemberEntry', f(1, 'id', u64), f(2, 'role', u32), f(3, 'raftAddr', str), f(4, 'serviceEndpoint', str), f(5, 'adminEndpoint', str));

export const ListMembersRequestCodec = protoCodec<EmptyWire>(schema('ListMembersRequest'));
export const MembershipViewCodec = protoCodec<MembershipViewWire>(
  schema('MembershipView', f(1, 'members', { t: 'repeated', schema: MEMBER_ENTRY }), f(2, 'hasLeader', u32), f(3, 'leader', u64)),
);
export const AddLearnerRequestCodec = protoCodec<AddLearnerRequestWire>(
  schema('AddLearnerRequest', f(1, 'id', u64), f(2, 'raftAddr', str), f(3, 'serviceEndpoint', str), f(4, 'adminEndpoint', str)),
);
export const PromoteRequestCodec = protoCodec<NodeIdRequestWire>(schema('PromoteRequest', f(1, 'id', u64)));
export const RemoveNodeRequestCodec = protoCodec<NodeIdRequestWire>(schema('RemoveNodeRequest', f(1, 'id', u64)));
export const ChangeResponseCodec = protoCodec<ChangeResponseWire>(
  schema('ChangeResponse', f(1, 'ok', u32), f(2, 'error', u32), f(3, 'leaderAdminEndpoint', str), f(4, 'message', str)),
);
export const ReportCapabilitiesRequestCodec = protoCodec<EmptyWire>(schema('ReportCapabilitiesRequest'));
export const CapabilitiesReportCodec = protoCodec<CapabilitiesReportWire>(
  schema('CapabilitiesReport', f(1, 'driver', str), f(2, 'membershipChanges', u32), f(3, 'cluster', str), f(4, 'nodeId', u64), f(5, 'membershipIndex', u64)),
);

export const ADMIN_RPC_CODECS = {
  ListMembers: { request: ListMembersRequestCodec, response: MembershipViewCodec },
  AddLearner: { request: AddLearnerRequestCodec, response: ChangeResponseCodec },
  Promote: { request: PromoteRequestCodec, response: ChangeResponseCodec },
  RemoveNode: { request: RemoveNodeRequestCodec, response: ChangeResponseCodec },
  ReportCapabilities: { request: ReportCapabilitiesRequestCodec, response: CapabilitiesReportCodec },
} as const;

export type AdminRpcName = keyof typeof ADMIN_RPC_CODECS;
export const ADMIN_RPC_NAMES = Object.keys(ADMIN_RPC_CODECS) as AdminRpcName[];
