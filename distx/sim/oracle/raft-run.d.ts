import { type RunSeedOptions, type SeedReport } from './run-shared.js';
import { type RunSpec } from './options.js';
export declare const RAFT_SERVICE_PORT = 50551;
export declare const RAFT_PEER_PORT = 50552;
export declare const RAFT_DATA_DIR = "/data";
/** Election timeouts the liveness phase allows for a leader to be elected and serve. */
export declare const RAFT_LIVENESS_ELECTION_TIMEOUTS = 10;
/** Time the liveness phase allows for restarting nodes, on top of the calls' deadlines. */
export declare const RAFT_SERVER_RECOVERY_MS = 2000;
/** After convergence the workload goes on at least this long (every call of it must succeed). */
export declare const RAFT_CONVERGED_WORKLOAD_MS_MIN = 300;
/** A livelock bound: a healthy cluster run takes a few hundred thousand to a few million events. */
export declare const RAFT_RUN_EVENTS_MAX = 20000000;
/** A leader died (crash or kill): how long until the cluster had a leader, and one serving, again. */
export interface Failover {
    readonly leader: string;
    readonly diedMs: number;
    electedMs: number | null;
    servingMs: number | null;
}
export interface RaftRunStats {
    readonly nodes: number;
    /** Terms won by some node. */
    readonly elections: number;
    /** Index of the last entry applied anywhere. */
    readonly committedIndex: number;
    /** One per leader crash or kill in the safety phase: ms from the death to a new leader / a serving one. */
    readonly failovers: ReadonlyArray<{
        readonly electMs: number | null;
        readonly serveMs: number | null;
    }>;
    /** Nodes kept down through the liveness phase. */
    readonly heldDown: readonly string[];
}
/** Runs one seed of a Raft cluster: draws its options, runs the world, checks, and reports. */
export declare function runRaftSeed(spec: RunSpec, options?: RunSeedOptions): Promise<SeedReport>;
