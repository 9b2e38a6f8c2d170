import { RaftDriver, type RaftPeer } from '../drivers/raft/index.js';
import { type TsoServer } from './server.js';
export interface RaftServerOptions {
    /** This node's id; it must be in `peers`. */
    readonly id: number;
    /** Every voter: `"1=RAFT_H:P/SERVICE_H:P,2=..."`, or already parsed. */
    readonly peers: string | ReadonlyMap<number, RaftPeer>;
    readonly dataDir: string;
    /** Client protocol bind address (default: this node's service address from `peers`). */
    readonly listen?: string;
    /** HTTP bind address (default: the service host, a free port); null disables HTTP. */
    readonly httpListen?: string | null;
    readonly electionTimeoutMs?: number;
    readonly heartbeatIntervalMs?: number;
    /** Assumed bound on every node's clock rate error (docs/raft.md §4; default 0.01). */
    readonly clockDriftBound?: number;
    readonly snapshotEntries?: number;
    readonly windowAheadMs?: number;
    readonly failoverAdvanceMs?: number;
    readonly shutdownGraceMs?: number;
    readonly log?: (line: string) => void;
    /** The driver stopped on a storage failure; the process should exit and be restarted. */
    readonly onFatal?: (error: unknown) => void;
}
export interface RaftServer extends TsoServer {
    readonly driver: RaftDriver;
}
/**
 * Parses `"1=RAFT_H:P/SERVICE_H:P,2=..."` and checks it: ids are positive integers, each at most
 * once; no address is used twice (as a Raft or a service address); 1 to RAFT_VOTERS_MAX voters.
 */
export declare function parseRaftPeers(text: string): Map<number, RaftPeer>;
/** Checks the whole configuration before anything is opened; returns warnings worth printing. */
export declare function checkRaftConfig(id: number, peers: ReadonlyMap<number, RaftPeer>): string[];
/** Starts the raft driver and the server on the Node ports; resolves once clients are accepted. */
export declare function startRaftServer(options: RaftServerOptions): Promise<RaftServer>;
/** Parses a clock-drift bound: a ratio in [0, 0.25), e.g. `0.01` (1%). */
export declare function parseClockDrift(text: string): number;
