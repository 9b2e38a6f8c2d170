// Public surface of the Paxos core: the pure state machine (`PaxosNode`), its configuration,
// ballots and the epoch derived from them, the shapes of inputs and outputs, and the byte formats
// a host needs. Test support is not exported.
export { BALLOT_ZERO, ballotEquals, compareBallots, epochOfBallot, formatBallot, PAXOS_BALLOT_N_MAX, PAXOS_NODE_ID_MAX } from './ballot.js';
export { leaseDurationMs, makePaxosConfig, paxosConfigProblem, quorumSize } from './config.js';
export type { PaxosConfig, PaxosConfigOptions } from './config.js';
export { PaxosNode } from './node.js';
export type { PaxosCampaignResult, PaxosFaults, PaxosHandleResult, PaxosNotLeaderFailure, PaxosProposeResult, PaxosReadIndexResult, PaxosStatus } from './node.js';
export type * from './types.js';
