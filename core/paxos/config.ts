// Paxos configuration: defaults, validation, and the lease derived from the clock-drift bound.
//
// The timing flags and their defaults are the Raft core's (core/raft/config.ts), and so is the
// lease argument (docs/paxos.md, "Lease"): every node's monotonic clock runs at a rate within
// [1 − ρ, 1 + ρ] of real time; a lease of
//   leaseMs = floor(electionTimeoutMs × (1 − 2ρ)) − leaseMarginMs
// on the leader's clock ends, in real time, before any acceptor that acknowledged it can have
// let an election timeout pass on its own clock and promised a higher ballot.
//
// Invariants of a valid config: 1 ≤ voters ≤ PAXOS_VOTERS_MAX, distinct ids in
// [1, PAXOS_NODE_ID_MAX] (the epoch packs the id in 16 bits), `id` among them;
// 0 < heartbeatIntervalMs < electionTimeoutMs; 0 ≤ ρ < 0.25; 0 < leaseMs < electionTimeoutMs.
import { ErrorCode, type Result } from '../errors.js';
import { RAFT_CLOCK_DRIFT_BOUND_DEFAULT, RAFT_ELECTION_TIMEOUT_MS_DEFAULT, RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT, RAFT_LEASE_MARGIN_MS_DEFAULT } from '../limits.js';
import { leaseDurationMs } from '../raft/config.js';
import { PAXOS_NODE_ID_MAX } from './ballot.js';
import {
  PAXOS_ENTRIES_PER_MESSAGE_DEFAULT,
  PAXOS_ENTRIES_PER_MESSAGE_MAX,
  PAXOS_INFLIGHT_MESSAGES_DEFAULT,
  PAXOS_INFLIGHT_MESSAGES_MAX,
  PAXOS_VOTERS_MAX,
} from './limits.js';

export interface PaxosConfig {
  /** This node's id (1 ≤ id ≤ PAXOS_NODE_ID_MAX). */
  readonly id: number;
  /** Every voter's id, this node's included; static for the life of the group. */
  readonly voters: readonly number[];
  readonly heartbeatIntervalMs: number;
  /** Minimum election timeout; each node draws its timeout in [this, 2 × this) from the PRNG. */
  readonly electionTimeoutMs: number;
  /** Bound on clock rate error (0.01 = 1%); the lease shrinks by twice this fraction. */
  readonly clockDriftBound: number;
  readonly leaseMarginMs: number;
  readonly maxEntriesPerMessage: number;
  /** Accept messages with entries in flight to one follower (the leader's send window). */
  readonly maxInflightMessages: number;
}

export type PaxosConfigOptions = Pick<PaxosConfig, 'id' | 'voters'> & Partial<Omit<PaxosConfig, 'id' | 'voters'>>;

export { leaseDurationMs };

function isNodeId(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= PAXOS_NODE_ID_MAX;
}

function isPositiveInt(n: unknown, max = Number.MAX_SAFE_INTEGER): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= max;
}

/** Fills defaults and validates; INVALID_CONFIG names the first problem. */
export function makePaxosConfig(options: PaxosConfigOptions): Result<{ readonly config: PaxosConfig }, typeof ErrorCode.INVALID_CONFIG> {
  const config: PaxosConfig = {
    id: options.id,
    voters: [...options.voters].sort((a, b) => a - b),
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT,
    electionTimeoutMs: options.electionTimeoutMs ?? RAFT_ELECTION_TIMEOUT_MS_DEFAULT,
    clockDriftBound: options.clockDriftBound ?? RAFT_CLOCK_DRIFT_BOUND_DEFAULT,
    leaseMarginMs: options.leaseMarginMs ?? RAFT_LEASE_MARGIN_MS_DEFAULT,
    maxEntriesPerMessage: options.maxEntriesPerMessage ?? PAXOS_ENTRIES_PER_MESSAGE_DEFAULT,
    maxInflightMessages: options.maxInflightMessages ?? PAXOS_INFLIGHT_MESSAGES_DEFAULT,
  };
  const problem = paxosConfigProblem(config);
  if (problem !== undefined) return { ok: false, code: ErrorCode.INVALID_CONFIG, message: `paxos config: ${problem}` };
  return { ok: true, config };
}

/** The first reason `config` is invalid (snake_case), or undefined. */
export function paxosConfigProblem(config: PaxosConfig): string | undefined {
  if (!isNodeId(config.id)) return 'id_out_of_range';
  if (config.voters.length < 1 || config.voters.length > PAXOS_VOTERS_MAX) return 'voter_count_out_of_range';
  if (!config.voters.every(isNodeId)) return 'voter_id_out_of_range';
  if (new Set(config.voters).size !== config.voters.length) return 'voter_ids_not_distinct';
  if (!config.voters.includes(config.id)) return 'id_not_a_voter';
  if (!isPositiveInt(config.heartbeatIntervalMs)) return 'heartbeat_interval_not_positive';
  if (!isPositiveInt(config.electionTimeoutMs, 2 ** 40)) return 'election_timeout_not_positive';
  if (config.heartbeatIntervalMs >= config.electionTimeoutMs) return 'heartbeat_interval_not_below_election_timeout';
  if (!(typeof config.clockDriftBound === 'number' && config.clockDriftBound >= 0 && config.clockDriftBound < 0.25)) {
    return 'clock_drift_bound_out_of_range';
  }
  if (!(Number.isSafeInteger(config.leaseMarginMs) && config.leaseMarginMs >= 0)) return 'lease_margin_negative';
  const leaseMs = leaseDurationMs(config);
  if (!(leaseMs > 0 && leaseMs < config.electionTimeoutMs)) return 'lease_not_positive';
  if (!isPositiveInt(config.maxEntriesPerMessage, PAXOS_ENTRIES_PER_MESSAGE_MAX)) return 'max_entries_per_message_out_of_range';
  if (!isPositiveInt(config.maxInflightMessages, PAXOS_INFLIGHT_MESSAGES_MAX)) return 'max_inflight_messages_out_of_range';
  return undefined;
}

/** Acceptors that make a majority of `voterCount`. */
export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}
