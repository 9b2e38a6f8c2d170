// Raft group membership: who votes, who only learns, and where each member is reached.
//
// Changes are single-server (dissertation §4.1): each configuration differs from the one before
// it by one voter at most, so any majority of the old voters and any majority of the new ones
// share a server, and two leaders can never be elected by disjoint quorums. A learner receives
// the log but never votes, never campaigns and never counts toward a quorum; adding or removing
// a learner does not change the voters at all. A voter becomes one only by promotion of a
// learner, so it is caught up before it counts.
//
// Invariants of a valid membership (`membershipProblem`): 1 ≤ voters ≤ RAFT_VOTERS_MAX (0 only for
// the empty membership of a node that joins an existing group), learners ≤ RAFT_LEARNERS_MAX,
// ids are distinct safe integers ≥ 1, sorted ascending within their role, and each member's
// addresses are printable strings within RAFT_MEMBER_ADDRESS_BYTES_MAX. Addresses are stored
// verbatim: the core never parses them, the driver dials them.
//
// The byte form (`encodeMembership`) is the data of a `config` log entry and the membership
// carried by a snapshot: envelope version 1, then a seq of `(u64 id, u8 role, str raft,
// str service, str admin)`, voters first, each role ascending, so one membership has one encoding.
import { decodeEnvelope, encodeEnvelope } from '../codec/envelope.js';
import type { Reader } from '../codec/postcard.js';
import { DecodeError, ErrorCode, type Failure } from '../errors.js';
import { RAFT_LEARNERS_MAX, RAFT_MEMBER_ADDRESS_BYTES_MAX, RAFT_VOTERS_MAX } from '../limits.js';

export type MemberRole = 'voter' | 'learner';

/** Where a member is reached: its Raft peer address, its client endpoint, its admin endpoint. */
export interface MemberAddresses {
  readonly raft: string;
  readonly service: string;
  readonly admin: string;
}

export interface Member extends MemberAddresses {
  readonly id: number;
  readonly role: MemberRole;
}

export interface Membership {
  /** Voters then learners, each ascending by id. */
  readonly members: readonly Member[];
}

export type MembershipChange =
  | { readonly type: 'add-learner'; readonly id: number; readonly addresses: MemberAddresses }
  | { readonly type: 'promote'; readonly id: number }
  | { readonly type: 'remove'; readonly id: number };

export type MembershipChangeFailure = Failure<
  typeof ErrorCode.MEMBERSHIP_NOT_MEMBER | typeof ErrorCode.MEMBERSHIP_WOULD_LOSE_QUORUM | typeof ErrorCode.INVALID_ARGUMENT
>;

/** The outcome of applying a change: the next membership, or `unchanged` when it is a no-op. */
export type MembershipChangeResult =
  | { readonly ok: true; readonly unchanged: false; readonly membership: Membership }
  | { readonly ok: true; readonly unchanged: true }
  | MembershipChangeFailure;

export const MEMBERSHIP_VERSION = 1;
const EMPTY_ADDRESSES: MemberAddresses = { raft: '', service: '', admin: '' };

export const EMPTY_MEMBERSHIP: Membership = { members: [] };

/** The bootstrap membership of a group started with `--peers`: these voters, no addresses known. */
export function membershipOfVoters(voters: readonly number[], addresses?: ReadonlyMap<number, MemberAddresses>): Membership {
  return normalize([...voters].map((id) => ({ id, role: 'voter' as const, ...(addresses?.get(id) ?? EMPTY_ADDRESSES) })));
}

export function votersOf(m: Membership): number[] {
  return m.members.filter((x) => x.role === 'voter').map((x) => x.id);
}

export function learnersOf(m: Membership): number[] {
  return m.members.filter((x) => x.role === 'learner').map((x) => x.id);
}

export function memberOf(m: Membership, id: number): Member | undefined {
  return m.members.find((x) => x.id === id);
}

export function isVoter(m: Membership, id: number): boolean {
  return memberOf(m, id)?.role === 'voter';
}

function normalize(members: Member[]): Membership {
  const byRoleThenId = (a: Member, b: Member): number => (a.role === b.role ? a.id - b.id : a.role === 'voter' ? -1 : 1);
  return { members: members.sort(byRoleThenId) };
}

/**
 * Applies one change with the original's rules: adding a member that exists (with any addresses)
 * and removing one that does not are no-ops; promoting a voter is a no-op; promoting a stranger is
 * NOT_MEMBER; removing the last voter is WOULD_LOSE_QUORUM. Any other loss of quorum (removing a
 * voter while others are down) is the operator's to judge, as in the original.
 */
export function applyMembershipChange(m: Membership, change: MembershipChange): MembershipChangeResult {
  if (!isMemberId(change.id)) return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: `member id ${String(change.id)} is not a safe integer ≥ 1` };
  const existing = memberOf(m, change.id);
  switch (change.type) {
    case 'add-learner': {
      if (existing !== undefined) return { ok: true, unchanged: true };
      const problem = addressesProblem(change.addresses);
      if (problem !== undefined) return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: `member ${change.id}: ${problem}` };
      if (learnersOf(m).length >= RAFT_LEARNERS_MAX) {
        return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: `at most ${RAFT_LEARNERS_MAX} learners` };
      }
      const { raft, service, admin } = change.addresses;
      return { ok: true, unchanged: false, membership: normalize([...m.members, { id: change.id, role: 'learner', raft, service, admin }]) };
    }
    case 'promote': {
      if (existing === undefined) return { ok: false, code: ErrorCode.MEMBERSHIP_NOT_MEMBER, message: `node ${change.id} is not a member; add it as a learner first` };
      if (existing.role === 'voter') return { ok: true, unchanged: true };
      if (votersOf(m).length >= RAFT_VOTERS_MAX) {
        return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: `at most ${RAFT_VOTERS_MAX} voters` };
      }
      return { ok: true, unchanged: false, membership: normalize(m.members.map((x) => (x.id === change.id ? { ...x, role: 'voter' as const } : { ...x }))) };
    }
    case 'remove': {
      if (existing === undefined) return { ok: true, unchanged: true };
      if (existing.role === 'voter' && votersOf(m).length === 1) {
        return { ok: false, code: ErrorCode.MEMBERSHIP_WOULD_LOSE_QUORUM, message: `node ${change.id} is the last voter` };
      }
      return { ok: true, unchanged: false, membership: normalize(m.members.filter((x) => x.id !== change.id).map((x) => ({ ...x }))) };
    }
    default:
      return change satisfies never;
  }
}

/** Voters that differ between `a` and `b` (the symmetric difference), for the one-voter rule. */
export function voterDifference(a: Membership, b: Membership): number {
  const va = new Set(votersOf(a));
  const vb = new Set(votersOf(b));
  let n = 0;
  for (const id of va) if (!vb.has(id)) n += 1;
  for (const id of vb) if (!va.has(id)) n += 1;
  return n;
}

function isMemberId(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
}

function addressProblem(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `${name} address is not a string`;
  if (new TextEncoder().encode(value).length > RAFT_MEMBER_ADDRESS_BYTES_MAX) return `${name} address above ${RAFT_MEMBER_ADDRESS_BYTES_MAX} bytes`;
  // Printable ASCII only: addresses end up in logs, metrics labels and hints.
  if (!/^[\x21-\x7e]*$/.test(value)) return `${name} address has a character outside printable ASCII`;
  return undefined;
}

function addressesProblem(a: MemberAddresses): string | undefined {
  return addressProblem('raft', a.raft) ?? addressProblem('service', a.service) ?? addressProblem('admin', a.admin);
}

/** The first reason `m` is not a valid membership (snake_case), or undefined. */
export function membershipProblem(m: Membership): string | undefined {
  const voters = votersOf(m);
  const learners = learnersOf(m);
  if (voters.length === 0 && learners.length > 0) return 'learners_without_voters';
  if (voters.length > RAFT_VOTERS_MAX) return 'voter_count_out_of_range';
  if (learners.length > RAFT_LEARNERS_MAX) return 'learner_count_out_of_range';
  if (!m.members.every((x) => isMemberId(x.id))) return 'member_id_not_positive_safe_integer';
  if (new Set(m.members.map((x) => x.id)).size !== m.members.length) return 'member_ids_not_distinct';
  const normalized = normalize([...m.members]);
  if (!normalized.members.every((x, i) => x === m.members[i])) return 'members_not_in_canonical_order';
  for (const x of m.members) {
    const problem = addressesProblem(x);
    if (problem !== undefined) return 'member_address_invalid';
  }
  return undefined;
}

// --- Bytes ------------------------------------------------------------------------------------

export function encodeMembership(m: Membership): Uint8Array {
  return encodeEnvelope(MEMBERSHIP_VERSION, (w) => {
    w.seq(m.members, (w2, x) => {
      w2.u64n(x.id).u8(x.role === 'voter' ? 0 : 1).str(x.raft).str(x.service).str(x.admin);
    });
  });
}

function readMember(r: Reader): Member {
  const start = r.offset;
  const id = r.u64n();
  const roleByte = r.u8();
  if (roleByte > 1) throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, `member role ${roleByte}`, start);
  const raft = r.str(RAFT_MEMBER_ADDRESS_BYTES_MAX);
  const service = r.str(RAFT_MEMBER_ADDRESS_BYTES_MAX);
  const admin = r.str(RAFT_MEMBER_ADDRESS_BYTES_MAX);
  return { id, role: roleByte === 0 ? 'voter' : 'learner', raft, service, admin };
}

/** Decodes a membership; anything but the one canonical encoding of a valid one is refused. */
export function decodeMembership(bytes: Uint8Array): Membership {
  const m = decodeEnvelope(bytes, {
    [MEMBERSHIP_VERSION]: (r) => ({ members: r.seq(readMember, RAFT_VOTERS_MAX + RAFT_LEARNERS_MAX) }),
  });
  const problem = membershipProblem(m);
  if (problem !== undefined) throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, `membership: ${problem}`, 1);
  return m;
}
