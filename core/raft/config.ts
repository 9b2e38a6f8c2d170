// Raft configuration: defaults, validation, and the lease derived from the clock-drift bound.
//
// The lease assumption (docs/raft.md, "Lease"): every node's monotonic clock runs at a rate
// within [1 − clockDriftBound, 1 + clockDriftBound] of real time. Nothing else about clocks is
// assumed (no synchronisation, no shared epoch). Under it, a lease of
//   leaseMs = floor(electionTimeoutMs × (1 − 2 × clockDriftBound)) − leaseMarginMs
// measured on the leader's clock ends, in real time, before any voter that acknowledged the lease
// can have let an election timeout pass on its own clock, since
//   leaseMs / (1 − ρ) < electionTimeoutMs / (1 + ρ)  ⇐  leaseMs < electionTimeoutMs × (1 − 2ρ).
// The margin covers the time between a lease check and the answer it guards leaving the node.
//
// Invariants of a valid config: 0 ≤ voters ≤ RAFT_VOTERS_MAX (0: a node joining a group),
// distinct safe ids ≥ 1, `id` among them when there are any; 0 < heartbeatIntervalMs < electionTimeoutMs; 0 ≤ clockDriftBound < 0.25;
// 0 < leaseMs < electionTimeoutMs; per-message and in-flight limits within their ceilings.
import { ErrorCode, type Result } from '../errors.js';
import {
  RAFT_CLOCK_DRIFT_BOUND_DEFAULT,
  RAFT_ELECTION_TIMEOUT_MS_DEFAULT,
  RAFT_ENTRIES_PER_MESSAGE_DEFAULT,
  RAFT_ENTRIES_PER_MESSAGE_MAX,
  RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT,
  RAFT_INFLIGHT_MESSAGES_DEFAULT,
  RAFT_INFLIGHT_MESSAGES_MAX,
  RAFT_LEASE_MARGIN_MS_DEFAULT,
  RAFT_VOTERS_MAX,
} from '../limits.js';

export interface RaftConfig {
  /** This node's id (≥ 1). */
  readonly id: number;
  /**
   * The bootstrap voters, this node's included: the membership of a group until its first
   * membership change is in the log. Empty for a node that joins an existing group: it waits,
   * without campaigning, until a leader sends it the log or a snapshot.
   */
  readonly voters: readonly number[];
  readonly heartbeatIntervalMs: number;
  /** Minimum election timeout; each node draws its timeout in [this, 2 × this) from the PRNG. */
  readonly electionTimeoutMs: number;
  /** Bound on clock rate error (0.01 = 1%); the lease shrinks by twice this fraction. */
  readonly clockDriftBound: number;
  readonly leaseMarginMs: number;
  readonly maxEntriesPerMessage: number;
  /** AppendEntries in flight to one follower before the leader waits for answers. */
  readonly maxInflightMessages: number;
  /** Dissertation §9.6: ask for pre-votes before moving to a new term. */
  readonly preVote: boolean;
  /**
   * Dissertation §6.2 / §9.6: a leader steps down when no quorum answered for an election
   * timeout, and voters ignore campaigns while they heard from a leader within one. The lease
   * depends on both; without checkQuorum a leader never holds a lease.
   */
  readonly checkQuorum: boolean;
}

export type RaftConfigOptions = Pick<RaftConfig, 'id' | 'voters'> & Partial<Omit<RaftConfig, 'id' | 'voters'>>;

/** The lease a leader gets from a quorum-acknowledged round, on its own clock. */
export function leaseDurationMs(config: Pick<RaftConfig, 'electionTimeoutMs' | 'clockDriftBound' | 'leaseMarginMs'>): number {
  return Math.floor(config.electionTimeoutMs * (1 - 2 * config.clockDriftBound)) - config.leaseMarginMs;
}

function isPositiveId(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
}

function isPositiveInt(n: unknown, max = Number.MAX_SAFE_INTEGER): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= max;
}

/** Fills defaults and validates; INVALID_CONFIG names the first problem. */
export function makeRaftConfig(options: RaftConfigOptions): Result<{ readonly config: RaftConfig }, typeof ErrorCode.INVALID_CONFIG> {
  const config: RaftConfig = {
    id: options.id,
    voters: [...options.voters].sort((a, b) => a - b),
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT,
    electionTimeoutMs: options.electionTimeoutMs ?? RAFT_ELECTION_TIMEOUT_MS_DEFAULT,
    clockDriftBound: options.clockDriftBound ?? RAFT_CLOCK_DRIFT_BOUND_DEFAULT,
    leaseMarginMs: options.leaseMarginMs ?? RAFT_LEASE_MARGIN_MS_DEFAULT,
    maxEntriesPerMessage: options.maxEntriesPerMessage ?? RAFT_ENTRIES_PER_MESSAGE_DEFAULT,
    maxInflightMessages: options.maxInflightMessages ?? RAFT_INFLIGHT_MESSAGES_DEFAULT,
    preVote: options.preVote ?? true,
    checkQuorum: options.checkQuorum ?? true,
  };
  const problem = raftConfigProblem(config);
  if (problem !== undefined) return { ok: false, code: ErrorCode.INVALID_CONFIG, message: `raft config: ${problem}` };
  return { ok: true, config };
}

/** The first reason `config` is invalid (snake_case), or undefined. */
export function raftConfigProblem(config: RaftConfig): string | undefined {
  if (!isPositiveId(config.id)) return 'id_not_positive_safe_integer';
  if (config.voters.length > RAFT_VOTERS_MAX) return 'voter_count_out_of_range';
  if (!config.voters.every(isPositiveId)) return 'voter_id_not_positive_safe_integer';
  if (new Set(config.voters).size !== config.voters.length) return 'voter_ids_not_distinct';
  if (config.voters.length > 0 && !config.voters.includes(config.id)) return 'id_not_a_voter';
  if (!isPositiveInt(config.heartbeatIntervalMs)) return 'heartbeat_interval_not_positive';
  if (!isPositiveInt(config.electionTimeoutMs, 2 ** 40)) return 'election_timeout_not_positive';
  if (config.heartbeatIntervalMs >= config.electionTimeoutMs) return 'heartbeat_interval_not_below_election_timeout';
  if (!(typeof config.clockDriftBound === 'number' && config.clockDriftBound >= 0 && config.clockDriftBound < 0.25)) {
    return 'clock_drift_bound_out_of_range';
  }
  if (!(Number.isSafeInteger(config.leaseMarginMs) && config.leaseMarginMs >= 0)) return 'lease_margin_negative';
  const leaseMs = leaseDurationMs(config);
  if (!(leaseMs > 0 && leaseMs < config.electionTimeoutMs)) return 'lease_not_positive';
  if (!isPositiveInt(config.maxEntriesPerMessage, RAFT_ENTRIES_PER_MESSAGE_MAX)) return 'max_entries_per_message_out_of_range';
  if (!isPositiveInt(config.maxInflightMessages, RAFT_INFLIGHT_MESSAGES_MAX)) return 'max_inflight_messages_out_of_range';
  if (typeof config.preVote !== 'boolean' || typeof config.checkQuorum !== 'boolean') return 'flags_not_boolean';
  return undefined;
}

/** Votes that make a majority of `voterCount`. */
export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}
