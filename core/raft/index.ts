// Public surface of the Raft core: the pure state machine (`RaftNode`), its configuration, the
// shapes of its inputs and outputs, and the byte formats a host needs (peer messages, WAL
// records, snapshot files). Test support (arbitraries, the interaction harness) is not exported.
export { leaseDurationMs, makeRaftConfig, quorumSize, raftConfigProblem } from './config.js';
export type { RaftConfig, RaftConfigOptions } from './config.js';
export { RaftNode } from './node.js';
export type { CampaignResult, ChangeMembershipResult, HandleResult, NotLeaderFailure, ProposeResult, RaftFaults, RaftStatus, ReadIndexResult } from './node.js';
export { applyMembershipChange, decodeMembership, encodeMembership, EMPTY_MEMBERSHIP, isVoter, learnersOf, memberOf, membershipOfVoters, votersOf } from './membership.js';
export type { Member, MemberAddresses, MemberRole, Membership, MembershipChange, MembershipChangeFailure } from './membership.js';
export {
  decodeRaftMessage,
  decodeSnapshotRecord,
  decodeWalRecordAt,
  encodeRaftMessage,
  encodeSnapshotRecord,
  encodeWalRecord,
  RAFT_MESSAGE_VERSION,
  RAFT_MESSAGE_VERSION_SNAPSHOT_MEMBERSHIP,
  RAFT_SNAPSHOT_RECORD_MAGIC,
  RAFT_SNAPSHOT_RECORD_VERSION,
  RAFT_SNAPSHOT_RECORD_VERSION_MEMBERSHIP,
  RAFT_WAL_HEADER_BYTES,
  RAFT_WAL_PAYLOAD_VERSION,
  replayWal,
  scanWal,
} from './codec.js';
export type { WalRecord, WalScan } from './codec.js';
export type * from './types.js';
