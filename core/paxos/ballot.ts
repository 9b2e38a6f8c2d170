// Ballots `(n, nodeId)`: the total order that makes Paxos' promises meaningful, and the oracle
// epoch derived from a leader's ballot.
//
// Invariants: `compareBallots` is a total order (n first, then nodeId); distinct leaders never
// share a ballot because the node id is part of it; `epochOfBallot` is strictly monotonic in that
// order for ballots within range (n < 2^47, nodeId < 2^16), so a leader with a higher ballot has
// a higher epoch, and the epoch fits the protocol's u64.
import { assert } from '../assert.js';
import type { Ballot } from './types.js';

/** The "none" ballot: below every real one. */
export const BALLOT_ZERO: Ballot = Object.freeze({ n: 0, nodeId: 0 });

/** Node ids fit 16 bits so that the epoch packs (n, nodeId) into a u64. */
export const PAXOS_NODE_ID_MAX = 0xffff;
/** Ballot numbers stay below 2^47 so the packed epoch stays below 2^63. */
export const PAXOS_BALLOT_N_MAX = 2 ** 47 - 1;

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.n !== b.n) return a.n < b.n ? -1 : 1;
  if (a.nodeId !== b.nodeId) return a.nodeId < b.nodeId ? -1 : 1;
  return 0;
}

export function ballotEquals(a: Ballot, b: Ballot): boolean {
  return a.n === b.n && a.nodeId === b.nodeId;
}

export function ballotGreater(a: Ballot, b: Ballot): boolean {
  return compareBallots(a, b) > 0;
}

export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}

export function isZeroBallot(b: Ballot): boolean {
  return b.n === 0 && b.nodeId === 0;
}

/** A ballot's problem (snake_case), or undefined: zero, or n and nodeId in range with nodeId ≥ 1. */
export function ballotProblem(b: Ballot): string | undefined {
  if (!Number.isSafeInteger(b.n) || b.n < 0 || b.n > PAXOS_BALLOT_N_MAX) return 'ballot_n_out_of_range';
  if (!Number.isSafeInteger(b.nodeId) || b.nodeId < 0 || b.nodeId > PAXOS_NODE_ID_MAX) return 'ballot_node_id_out_of_range';
  if ((b.n === 0) !== (b.nodeId === 0)) return 'ballot_half_zero';
  return undefined;
}

/** The oracle epoch of the leader of `ballot`: n × 2^16 + nodeId, strictly increasing with the ballot. */
export function epochOfBallot(ballot: Ballot): bigint {
  assert(ballotProblem(ballot) === undefined, 'ballot_in_range', () => `${ballot.n}.${ballot.nodeId}`);
  return (BigInt(ballot.n) << 16n) | BigInt(ballot.nodeId);
}

/** `n.nodeId`, for logs and errors. */
export function formatBallot(b: Ballot): string {
  return `${b.n}.${b.nodeId}`;
}
