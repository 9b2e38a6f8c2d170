import { type Ratio } from '../random.js';
/** Test-only switches that plant known bugs in the real code paths of the single-node oracle. */
export declare const SINGLE_NODE_BUGS: readonly ["serveBeforePersist", "fenceAtPrior", "skipDirFsync", "publishHighWaterBeforeFsync", "newRequestIdOnRetry"];
/** Planted bugs of the Raft core and driver (core/raft/node.ts RaftFaults, drivers/raft RaftDriverFaults). */
export declare const RAFT_BUGS: readonly ["commitOlderTermByCounting", "forgetVote", "serveAfterLeaseExpired", "leaseWithoutDriftMargin", "skipFenceLinearizedLoad"];
export declare const PLANTED_BUGS: readonly ["serveBeforePersist", "fenceAtPrior", "skipDirFsync", "publishHighWaterBeforeFsync", "newRequestIdOnRetry", "commitOlderTermByCounting", "forgetVote", "serveAfterLeaseExpired", "leaseWithoutDriftMargin", "skipFenceLinearizedLoad"];
export type PlantedBug = (typeof PLANTED_BUGS)[number];
export type RaftBug = (typeof RAFT_BUGS)[number];
/** Cluster sizes a run may have: 1 is the file driver, 3 and 5 are Raft clusters. */
export declare const CLUSTER_SIZES: readonly [1, 3, 5];
export declare function isRaftBug(bug: PlantedBug | null): bug is RaftBug;
/** Faults the nemesis schedules as world actions (processes, clocks, partitions). */
export declare const NEMESIS_FAMILIES: readonly ["serverCrash", "serverKill", "serverPause", "clockStepBack", "clockStepForward", "clockStall", "clockDrift", "partition", "clientCrash"];
/**
 * Faults only a Raft cluster has (in a cluster the families above strike the leader half the
 * time and a random node otherwise; the clock families strike one node).
 */
export declare const RAFT_NEMESIS_FAMILIES: readonly ["leaderPartition", "peerLinkOneWay", "slowDisk", "majorityRestart"];
export type RaftNemesisFamily = (typeof RAFT_NEMESIS_FAMILIES)[number];
export type NemesisFamily = (typeof NEMESIS_FAMILIES)[number] | RaftNemesisFamily;
/** Faults of the server's disk (SimDisk fault rules). */
export declare const DISK_FAMILIES: readonly ["diskTorn", "diskPartial", "diskDirOpsVanish", "diskFsyncFail", "diskFull", "diskLatency", "diskReadCorrupt"];
export type DiskFamily = (typeof DISK_FAMILIES)[number];
/** Faults of the network (SimNetwork fault rules, every host). */
export declare const NET_FAMILIES: readonly ["netReset", "netResetAfterDelivery", "netBadLength", "netLatency", "netCorrupt"];
export type NetFamily = (typeof NET_FAMILIES)[number];
export declare const FAULT_FAMILIES: readonly ["serverCrash", "serverKill", "serverPause", "clockStepBack", "clockStepForward", "clockStall", "clockDrift", "partition", "clientCrash", "leaderPartition", "peerLinkOneWay", "slowDisk", "majorityRestart", "diskTorn", "diskPartial", "diskDirOpsVanish", "diskFsyncFail", "diskFull", "diskLatency", "diskReadCorrupt", "netReset", "netResetAfterDelivery", "netBadLength", "netLatency", "netCorrupt"];
export type FaultFamily = (typeof FAULT_FAMILIES)[number];
export declare const PROFILES: readonly ["swarm", "calm", "bench", "idle", "durability", "failover", "beyondDriftBound", ...("planted:commitOlderTermByCounting" | "planted:leaseWithoutDriftMargin" | "planted:serveBeforePersist" | "planted:fenceAtPrior" | "planted:skipDirFsync" | "planted:publishHighWaterBeforeFsync" | "planted:newRequestIdOnRetry" | "planted:forgetVote" | "planted:serveAfterLeaseExpired" | "planted:skipFenceLinearizedLoad")[]];
export type ProfileName = 'swarm' | 'calm' | 'bench' | 'idle' | 'durability' | 'failover' | 'beyondDriftBound' | `planted:${PlantedBug}`;
/** What names a run: the options are drawn from it. */
export interface RunSpec {
    readonly seed: number;
    readonly profile: ProfileName;
    readonly planted: PlantedBug | null;
    /** Server nodes: 1 (the file driver; the default when absent) or a Raft cluster of 3 or 5. */
    readonly nodes?: number;
}
/** The spec's cluster size (1 when absent). */
export declare function nodesOf(spec: RunSpec): number;
/** Why a spec cannot run (a size we do not simulate, a bug of a driver the run does not use), or null. */
export declare function specProblem(spec: RunSpec): string | null;
/** A nemesis family that is on: how often it strikes and how hard. */
export interface NemesisRule {
    /** Gap between two strikes, drawn per strike in [min, max]. */
    readonly gapMs: readonly [number, number];
    /** Family-specific size (down time, pause, step, stall, drift ppm, partition length): [min, max]. */
    readonly size: readonly [number, number];
    /** Strikes at most this many times in the safety phase. */
    readonly budget: number;
}
export interface RateRule {
    readonly rate: Ratio;
    readonly budget?: number;
    /** Extra latency of a spike (latency families only), in µs. */
    readonly extraUs?: readonly [number, number];
}
export interface WorkloadOptions {
    /** Client processes, each a node with its own transport and clock. */
    readonly clients: number;
    /** Concurrent callers per client process. */
    readonly callersPerClient: number;
    /** Relative weights of the operations (0 = never); at least one is positive. */
    readonly weights: {
        readonly getTs: number;
        readonly getTsBatch: number;
        readonly getSeq: number;
    };
    readonly tsBatchCountMax: number;
    readonly seqKeys: number;
    readonly seqCountMax: number;
    /** A caller waits uniform [0, thinkMsMax] between two calls. */
    readonly thinkMsMax: number;
}
export interface SimOptions {
    readonly spec: RunSpec;
    readonly server: {
        readonly windowAheadMs: number;
        readonly failoverAdvanceMs: number;
        readonly restartDelayMsMax: number;
    };
    readonly client: {
        readonly attemptsMax: number;
        readonly attemptTimeoutMs: number;
        readonly overallTimeoutMs: number;
        readonly backoffBaseMs: number;
        readonly backoffCapMs: number;
    };
    readonly workload: WorkloadOptions;
    /** Safety phase (faults on), then liveness phase (faults off, every call must succeed). */
    readonly phases: {
        readonly safetyMs: number;
        readonly livenessMs: number;
    };
    readonly nemesis: Partial<Record<NemesisFamily, NemesisRule>>;
    readonly disk: Partial<Record<DiskFamily, RateRule>>;
    readonly net: Partial<Record<NetFamily, RateRule>>;
    /** The Raft cluster's configuration; null in a single-node run. */
    readonly raft: RaftRunOptions | null;
}
/** What a Raft run draws besides the families (core/raft/config.ts for the meaning of each). */
export interface RaftRunOptions {
    readonly nodes: number;
    readonly electionTimeoutMs: number;
    readonly heartbeatIntervalMs: number;
    /** The configured bound on clock rate error (the lease assumption). */
    readonly clockDriftBound: number;
    readonly leaseMarginMs: number;
    readonly maxEntriesPerMessage: number;
    readonly maxInflightMessages: number;
    /** Applied entries between two snapshots (small values exercise InstallSnapshot). */
    readonly snapshotEntries: number;
    /**
     * Largest oscillator drift (ppm) a node's clock gets, at start and from the clockDrift
     * family. Within the configured bound (≤ clockDriftBound × 10^6) except in the
     * beyondDriftBound profile, which exists to show the checkers see a lease broken by it.
     */
    readonly driftPpmMax: number;
    /** Each node's clock drift from the start (ppm), drawn within ±driftPpmMax. */
    readonly initialDriftPpm: readonly number[];
    /** In the liveness phase, nodes that stay down (at most a minority): the cluster must live with them. */
    readonly livenessDownNodes: number;
    /** When the leader is cut off, its clock goes slow by driftPpmMax and the others' fast (the lease's worst case). */
    readonly adversarialDrift: boolean;
    /** Chance that a crash or kill strikes right behind the node's next write (a WAL append torn). */
    readonly crashAfterWrite: Ratio;
    /**
     * Chance, per election won in the safety phase, that the new leader is cut off from its peers
     * (not its clients) isolateNewLeaderDelayMs later, for a while: the moment a new leader has
     * replicated its predecessors' entries but maybe not its own no-op (Figure 8).
     */
    readonly isolateNewLeader: Ratio;
    readonly isolateNewLeaderDelayChoicesMs: readonly number[];
    /** How long a new leader cut off by isolateNewLeader stays cut (ms range). */
    readonly isolateNewLeaderForMs: readonly [number, number];
    /**
     * Chance, per election won in the safety phase, that one follower loses power right behind
     * one of its next writes (the nth, n drawn from followerPowerLossWriteNth): the writes that
     * carry the new leader's first entries, or the vote it just gave. Down powerLossDownMs.
     */
    readonly followerPowerLoss: Ratio;
    readonly followerPowerLossWriteNth: readonly [number, number];
    readonly followerPowerLossDownMs: readonly [number, number];
}
export declare function profileForBug(bug: PlantedBug): ProfileName;
export declare function isProfileName(text: string): text is ProfileName;
export declare function isPlantedBug(text: string): text is PlantedBug;
/** Draws the options of a run from its spec. */
export declare function drawOptions(spec: RunSpec): SimOptions;
/** The families that are on in these options, in the canonical order. */
export declare function familiesOn(options: SimOptions): FaultFamily[];
/**
 * Configurations where every call after convergence must succeed. Outside it the liveness
 * phase demands progress only: with a window ahead of a few milliseconds every request waits
 * for an fsync of its own (and big batches outrun the window), and attempts of a few tens of
 * milliseconds are shorter than a few queued fsyncs — calls may fail there, by design.
 */
export declare const LIVENESS_WINDOW_AHEAD_MS_MIN = 50;
export declare const LIVENESS_ATTEMPT_TIMEOUT_MS_MIN = 100;
export declare function livenessEnvelope(options: SimOptions): boolean;
/** Whether the client-visible value checks are sound for these options (see the file comment). */
export declare function valueChecksSound(options: SimOptions): boolean;
