export { leaseDurationMs, makeRaftConfig, quorumSize, raftConfigProblem } from './config.js';
export type { RaftConfig, RaftConfigOptions } from './config.js';
export { RaftNode } from './node.js';
export type { CampaignResult, HandleResult, NotLeaderFailure, ProposeResult, RaftFaults, RaftStatus, ReadIndexResult } from './node.js';
export { decodeRaftMessage, decodeSnapshotRecord, decodeWalRecordAt, encodeRaftMessage, encodeSnapshotRecord, encodeWalRecord, RAFT_MESSAGE_VERSION, RAFT_SNAPSHOT_RECORD_MAGIC, RAFT_SNAPSHOT_RECORD_VERSION, RAFT_WAL_HEADER_BYTES, RAFT_WAL_PAYLOAD_VERSION, replayWal, scanWal, } from './codec.js';
export type { WalRecord, WalScan } from './codec.js';
export type * from './types.js';
