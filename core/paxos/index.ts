// Public surface of the Paxos core: the pure state machine (`PaxosNode`), its configuration,
// ballots and the epoch derived from them, the shapes of inputs and outputs, and the byte formats
// a host needs. Test support is not exported.
export { BALLOT_ZERO, ballotEquals, compareBallots, epochOfBallot, formatBallot, PAXOS_BALLOT_N_MAX, PAXOS_NODE_ID_MAX } from './ballot.js';
export { leaseDurationMs, makePaxosConfig, paxosConfigProblem, quorumSize } from './config.js';
export type { PaxosConfig, PaxosConfigOptions } from './config.js';
export { PaxosNode } from './node.js';
export type { PaxosCampaignResult, PaxosFaults, PaxosHandleResult, PaxosNotLeaderFailure, PaxosProposeResult, PaxosReadIndexResult, PaxosStatus } from './node.js';
export {
  decodePaxosLogRecordAt,
  decodePaxosMessage,
  decodePaxosSnapshotRecord,
  encodePaxosLogRecord,
  encodePaxosMessage,
  encodePaxosSnapshotRecord,
  PAXOS_LOG_HEADER_BYTES,
  PAXOS_LOG_PAYLOAD_VERSION,
  PAXOS_LOG_RECORD_BYTES_MAX,
  PAXOS_MESSAGE_VERSION,
  PAXOS_SNAPSHOT_RECORD_MAGIC,
  PAXOS_SNAPSHOT_RECORD_VERSION,
  replayPaxosLog,
  scanPaxosLog,
} from './codec.js';
export type { PaxosLogRecord, PaxosLogScan } from './codec.js';
export type * from './types.js';
