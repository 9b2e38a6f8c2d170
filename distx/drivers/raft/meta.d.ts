import { type HostPort } from '../ports.js';
export declare const RAFT_META_MAGIC = "TSRM";
export declare const RAFT_META_VERSION = 1;
/** Longest canonical cluster name stored (9 voters with long host names fit easily). */
export declare const RAFT_META_CLUSTER_BYTES_MAX: number;
export interface RaftMeta {
    readonly nodeId: number;
    /** The canonical peer list (`canonicalCluster`). */
    readonly cluster: string;
}
/** `1=host:port,2=host:port,...`: ids ascending, each with its Raft address. */
export declare function canonicalCluster(raftAddresses: ReadonlyMap<number, HostPort>): string;
/** The 32-bit cluster id carried by hello frames. */
export declare function clusterIdOf(cluster: string): number;
export declare function encodeRaftMeta(meta: RaftMeta): Uint8Array;
/** Decodes a meta record. Throws only `DecodeError`. */
export declare function decodeRaftMeta(bytes: Uint8Array): RaftMeta;
/** Why `stored` is not this node's directory, or null when it is. */
export declare function metaMismatch(stored: RaftMeta, expected: RaftMeta, dir: string): string | null;
