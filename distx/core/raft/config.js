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
// Invariants of a valid config: 1 ≤ voters ≤ RAFT_VOTERS_MAX, distinct safe ids ≥ 1, `id` among
// them; 0 < heartbeatIntervalMs < electionTimeoutMs; 0 ≤ clockDriftBound < 0.25;
// 0 < leaseMs < electionTimeoutMs; per-message and in-flight limits within their ceilings.
import { ErrorCode } from '../errors.js';
import { RAFT_CLOCK_DRIFT_BOUND_DEFAULT, RAFT_ELECTION_TIMEOUT_MS_DEFAULT, RAFT_ENTRIES_PER_MESSAGE_DEFAULT, RAFT_ENTRIES_PER_MESSAGE_MAX, RAFT_HEARTBEAT_INTERVAL_MS_DEFAULT, RAFT_INFLIGHT_MESSAGES_DEFAULT, RAFT_INFLIGHT_MESSAGES_MAX, RAFT_LEASE_MARGIN_MS_DEFAULT, RAFT_VOTERS_MAX, } from '../limits.js';
/** The lease a leader gets from a quorum-acknowledged round, on its own clock. */
export function leaseDurationMs(config) {
    return Math.floor(config.electionTimeoutMs * (1 - 2 * config.clockDriftBound)) - config.leaseMarginMs;
}
function isPositiveId(n) {
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
}
function isPositiveInt(n, max = Number.MAX_SAFE_INTEGER) {
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 && n <= max;
}
/** Fills defaults and validates; INVALID_CONFIG names the first problem. */
export function makeRaftConfig(options) {
    const config = {
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
    if (problem !== undefined)
        return { ok: false, code: ErrorCode.INVALID_CONFIG, message: `raft config: ${problem}` };
    return { ok: true, config };
}
/** The first reason `config` is invalid (snake_case), or undefined. */
export function raftConfigProblem(config) {
    if (!isPositiveId(config.id))
        return 'id_not_positive_safe_integer';
    if (config.voters.length < 1 || config.voters.length > RAFT_VOTERS_MAX)
        return 'voter_count_out_of_range';
    if (!config.voters.every(isPositiveId))
        return 'voter_id_not_positive_safe_integer';
    if (new Set(config.voters).size !== config.voters.length)
        return 'voter_ids_not_distinct';
    if (!config.voters.includes(config.id))
        return 'id_not_a_voter';
    if (!isPositiveInt(config.heartbeatIntervalMs))
        return 'heartbeat_interval_not_positive';
    if (!isPositiveInt(config.electionTimeoutMs, 2 ** 40))
        return 'election_timeout_not_positive';
    if (config.heartbeatIntervalMs >= config.electionTimeoutMs)
        return 'heartbeat_interval_not_below_election_timeout';
    if (!(typeof config.clockDriftBound === 'number' && config.clockDriftBound >= 0 && config.clockDriftBound < 0.25)) {
        return 'clock_drift_bound_out_of_range';
    }
    if (!(Number.isSafeInteger(config.leaseMarginMs) && config.leaseMarginMs >= 0))
        return 'lease_margin_negative';
    const leaseMs = leaseDurationMs(config);
    if (!(leaseMs > 0 && leaseMs < config.electionTimeoutMs))
        return 'lease_not_positive';
    if (!isPositiveInt(config.maxEntriesPerMessage, RAFT_ENTRIES_PER_MESSAGE_MAX))
        return 'max_entries_per_message_out_of_range';
    if (!isPositiveInt(config.maxInflightMessages, RAFT_INFLIGHT_MESSAGES_MAX))
        return 'max_inflight_messages_out_of_range';
    if (typeof config.preVote !== 'boolean' || typeof config.checkQuorum !== 'boolean')
        return 'flags_not_boolean';
    return undefined;
}
/** Votes that make a majority of `voterCount`. */
export function quorumSize(voterCount) {
    return Math.floor(voterCount / 2) + 1;
}
//# sourceMappingURL=config.js.map