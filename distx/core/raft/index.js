// Public surface of the Raft core: the pure state machine (`RaftNode`), its configuration, the
// shapes of its inputs and outputs, and the byte formats a host needs (peer messages, WAL
// records, snapshot files). Test support (arbitraries, the interaction harness) is not exported.
export { leaseDurationMs, makeRaftConfig, quorumSize, raftConfigProblem } from './config.js';
export { RaftNode } from './node.js';
export { decodeRaftMessage, decodeSnapshotRecord, decodeWalRecordAt, encodeRaftMessage, encodeSnapshotRecord, encodeWalRecord, RAFT_MESSAGE_VERSION, RAFT_SNAPSHOT_RECORD_MAGIC, RAFT_SNAPSHOT_RECORD_VERSION, RAFT_WAL_HEADER_BYTES, RAFT_WAL_PAYLOAD_VERSION, replayWal, scanWal, } from './codec.js';
//# sourceMappingURL=index.js.map