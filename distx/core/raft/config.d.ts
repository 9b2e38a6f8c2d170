import { ErrorCode, type Result } from '../errors.js';
export interface RaftConfig {
    /** This node's id (≥ 1). */
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
export declare function leaseDurationMs(config: Pick<RaftConfig, 'electionTimeoutMs' | 'clockDriftBound' | 'leaseMarginMs'>): number;
/** Fills defaults and validates; INVALID_CONFIG names the first problem. */
export declare function makeRaftConfig(options: RaftConfigOptions): Result<{
    readonly config: RaftConfig;
}, typeof ErrorCode.INVALID_CONFIG>;
/** The first reason `config` is invalid (snake_case), or undefined. */
export declare function raftConfigProblem(config: RaftConfig): string | undefined;
/** Votes that make a majority of `voterCount`. */
export declare function quorumSize(voterCount: number): number;
