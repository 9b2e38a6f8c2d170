// Swarm options: everything a seed decides about its run besides the world's own draws — which
// fault families are on and how hard they hit, the workload mix and the configuration of the
// server and the clients (VOPR-style swarm testing: each seed explores a different corner, some
// families fully off, instead of every seed running everything at a fixed rate).
//
// Invariants:
//   - `drawOptions(spec)` is a pure function of the spec (seed, profile, planted bug). Every
//     group is drawn from its own fork of the seed's `swarm` stream, so adding a knob to one
//     group leaves the draws of the others where they were.
//   - Probabilities are integer ratios; durations are virtual milliseconds; every range is
//     inclusive and bounded by the constants below.
//   - The default profile ('swarm') is survivable by a correct implementation: every family in
//     it is one the oracle must tolerate. The one exception is `netCorrupt` (bit flips inside a
//     frame body): the protocol relies on TCP for integrity and has no body checksum, so a flip
//     that still decodes changes a value; seeds with it on run without the value checks (see
//     checkers.ts and docs/simulator.md).
//   - A planted bug never comes from a draw: it is named in the spec, and its profile biases the
//     families and the configuration towards the situations where the bug shows.

import { assert } from '../../core/assert.js';
import { Rng, type Ratio } from '../random.js';

/** Test-only switches that plant known bugs in the real code paths of the single-node oracle. */
export const SINGLE_NODE_BUGS = ['serveBeforePersist', 'fenceAtPrior', 'skipDirFsync', 'publishHighWaterBeforeFsync', 'newRequestIdOnRetry'] as const;
/** Planted bugs of the Raft core and driver (core/raft/node.ts RaftFaults, drivers/raft RaftDriverFaults). */
export const RAFT_BUGS = ['commitOlderTermByCounting', 'forgetVote', 'serveAfterLeaseExpired', 'leaseWithoutDriftMargin', 'skipFenceLinearizedLoad'] as const;
/** Planted bugs of the Paxos core (core/paxos/node.ts PaxosFaults): reachable with `--driver paxos`. */
export const PAXOS_BUGS = ['promiseBeforePersist', 'skipReproposeHighest', 'acceptBelowPromise', 'decideBeforeQuorum'] as const;
/** Planted bugs of the etcd driver (drivers/etcd EtcdDriverOptions.faults): only with --driver etcd. */
export const ETCD_BUGS = ['etcdWriteWithoutFence', 'etcdServeAfterLeaseExpired'] as const;
/**
 * Planted bugs of the Raft core's membership changes (core/raft/node.ts RaftFaults): two changes
 * in flight at once; a new leader changing the configuration before an entry of its term
 * commits (the 2015 bug); a removed voter still counted in quorums. Their profiles run the
 * membership nemesis (raft-membership.ts).
 */
export const MEMBERSHIP_BUGS = ['concurrentMembershipChanges', 'membershipChangeBeforeTermCommit', 'removedVoterCountsInQuorum'] as const;
/**
 * Planted bugs of the service calls (safe points, stamping leases): found by the swarm's service
 * callers (options.services). `frontierIgnoresSupersededLeases` is in the serving node (every
 * driver); `answerLeasesBeforeDurable` is in the file driver; `batchAppliedKeyByKey` (a
 * getSeqBatch written one transaction per key) is in the etcd driver.
 */
export const SERVICE_BUGS = ['frontierIgnoresSupersededLeases', 'answerLeasesBeforeDurable', 'batchAppliedKeyByKey'] as const;
/** Service-call bugs planted in the etcd driver: they need `--driver etcd`. */
const ETCD_SERVICE_BUGS: readonly PlantedBug[] = ['batchAppliedKeyByKey'];
export const PLANTED_BUGS = [...SINGLE_NODE_BUGS, ...RAFT_BUGS, ...PAXOS_BUGS, ...ETCD_BUGS, ...MEMBERSHIP_BUGS, ...SERVICE_BUGS] as const;
export type PlantedBug = (typeof PLANTED_BUGS)[number];
export type RaftBug = (typeof RAFT_BUGS)[number];
export type PaxosBug = (typeof PAXOS_BUGS)[number];
export type MembershipBug = (typeof MEMBERSHIP_BUGS)[number];
/** Bugs of the file driver: they exist only in a single-node run. */
const FILE_DRIVER_BUGS: readonly PlantedBug[] = ['skipDirFsync', 'publishHighWaterBeforeFsync', 'answerLeasesBeforeDurable'];

/** Cluster sizes a run may have: 1 is the file driver, 3 and 5 are Raft clusters. */
export const CLUSTER_SIZES = [1, 3, 5] as const;

export function isEtcdBug(bug: PlantedBug | null): bug is (typeof ETCD_BUGS)[number] {
  return bug !== null && (ETCD_BUGS as readonly string[]).includes(bug);
}

export function isRaftBug(bug: PlantedBug | null): bug is RaftBug {
  return bug !== null && (RAFT_BUGS as readonly string[]).includes(bug);
}

export function isMembershipBug(bug: PlantedBug | null): bug is MembershipBug {
  return bug !== null && (MEMBERSHIP_BUGS as readonly string[]).includes(bug);
}

export function isPaxosBug(bug: PlantedBug | null): bug is PaxosBug {
  return bug !== null && (PAXOS_BUGS as readonly string[]).includes(bug);
}

/** Faults the nemesis schedules as world actions (processes, clocks, partitions). */
export const NEMESIS_FAMILIES = [
  'serverCrash', // power loss: the page cache is lost (torn / partial / vanished per the disk families)
  'serverKill', // kill -9: the kernel keeps the page cache
  'serverPause', // a stop-the-world pause of the server process
  'clockStepBack', // an NTP step of the server's wall clock backwards (tolerated: the persisted H wins)
  'clockStepForward', // a step forward (burns timestamps)
  'clockStall', // the server's wall clock freezes for a while
  'clockDrift', // the server's oscillator runs fast or slow
  'partition', // a client cut off from the server (both ways or one way) for a while; in a cluster, a random split of the nodes
  'clientCrash', // a client process dies; its calls in flight end with an unknown outcome
] as const;

/**
 * Faults only a Raft cluster has (in a cluster the families above strike the leader half the
 * time and a random node otherwise; the clock families strike one node).
 */
export const RAFT_NEMESIS_FAMILIES = [
  'leaderPartition', // the leader cut off from every other node (its clients still reach it)
  'peerLinkOneWay', // one direction of the link between two nodes drops everything
  'slowDisk', // one node's disk answers every operation late for a while
  'majorityRestart', // a majority of the nodes go down at once (power loss or kill) and come back
] as const;
export type RaftNemesisFamily = (typeof RAFT_NEMESIS_FAMILIES)[number];
export type NemesisFamily = (typeof NEMESIS_FAMILIES)[number] | RaftNemesisFamily;
const ALL_NEMESIS_FAMILIES: readonly NemesisFamily[] = [...NEMESIS_FAMILIES, ...RAFT_NEMESIS_FAMILIES];

/** Faults of the server's disk (SimDisk fault rules). */
export const DISK_FAMILIES = ['diskTorn', 'diskPartial', 'diskDirOpsVanish', 'diskFsyncFail', 'diskFull', 'diskLatency', 'diskReadCorrupt', 'diskTailLost', 'diskBitRot', 'diskMisdirectedWrite', 'diskTruncateFail'] as const;
export type DiskFamily = (typeof DISK_FAMILIES)[number];

/**
 * Families added to reach rare paths (docs/simulator.md, "Rare paths"): drawn in the default
 * swarm profile only, so the seeds of every other profile (the planted bugs' searches) run as
 * they did before the families existed.
 */
const SWARM_ONLY_FAMILIES: readonly FaultFamily[] = ['diskTailLost', 'diskBitRot', 'diskMisdirectedWrite', 'diskTruncateFail'];

/** Faults of the network (SimNetwork fault rules, every host). */
export const NET_FAMILIES = ['netReset', 'netResetAfterDelivery', 'netBadLength', 'netLatency', 'netCorrupt'] as const;
export type NetFamily = (typeof NET_FAMILIES)[number];

export const FAULT_FAMILIES = [...NEMESIS_FAMILIES, ...RAFT_NEMESIS_FAMILIES, ...DISK_FAMILIES, ...NET_FAMILIES] as const;
export type FaultFamily = (typeof FAULT_FAMILIES)[number];

export const PROFILES = ['swarm', 'calm', 'bench', 'idle', 'durability', 'failover', 'beyondDriftBound', 'membership', ...PLANTED_BUGS.map((b) => `planted:${b}` as const)] as const;
export type ProfileName = 'swarm' | 'calm' | 'bench' | 'idle' | 'durability' | 'failover' | 'beyondDriftBound' | 'membership' | `planted:${PlantedBug}`;

/** What names a run: the options are drawn from it. */
export interface RunSpec {
  readonly seed: number;
  readonly profile: ProfileName;
  readonly planted: PlantedBug | null;
  /** Server nodes: 1 (the file driver; the default when absent) or a Raft cluster of 3 or 5. */
  readonly nodes?: number;
  /** The consensus driver, when not the default for the node count (sim/oracle/drivers.ts). */
  readonly driver?: DriverRef;
}

/** Names a run's driver module: a built-in name or a file, with the sha256 of the file's bytes. */
export interface DriverRef {
  readonly module: string;
  readonly sha256?: string;
}

/** The spec's cluster size (1 when absent). */
export function nodesOf(spec: RunSpec): number {
  return spec.nodes ?? 1;
}

/** Why a spec cannot run (a size we do not simulate, a bug of a driver the run does not use), or null. */
export function specProblem(spec: RunSpec): string | null {
  const nodes = nodesOf(spec);
  if (!(CLUSTER_SIZES as readonly number[]).includes(nodes)) return `--nodes must be one of ${CLUSTER_SIZES.join(', ')} (got ${nodes})`;
  if (nodes === 1 && (isRaftBug(spec.planted) || spec.profile === 'beyondDriftBound' || spec.profile === 'failover')) {
    return `${spec.planted ?? spec.profile} needs a Raft cluster (--nodes 3 or 5)`;
  }
  if (nodes > 1 && spec.planted !== null && FILE_DRIVER_BUGS.includes(spec.planted)) return `${spec.planted} is a bug of the file driver: run it with --nodes 1`;
  const driver = spec.driver?.module;
  if (isMembershipBug(spec.planted) && (nodes === 1 || (driver !== undefined && driver !== 'raft'))) return `${spec.planted} is a bug of the Raft core's membership changes: run it with --nodes 3 or 5 (the raft driver)`;
  if (isPaxosBug(spec.planted) && (nodes === 1 || driver !== 'paxos')) return `${spec.planted} is a bug of the Paxos core: run it with --driver paxos --nodes 3 or 5`;
  if ((isEtcdBug(spec.planted) || (spec.planted !== null && ETCD_SERVICE_BUGS.includes(spec.planted))) && (driver !== 'etcd' || nodes === 1)) return `${spec.planted} is a bug of the etcd driver: run it with --nodes 3 --driver etcd`;
  if (driver !== undefined && spec.planted !== null && (FILE_DRIVER_BUGS.includes(spec.planted) || isRaftBug(spec.planted)) && driver !== (isRaftBug(spec.planted) ? 'raft' : 'file')) {
    return `${spec.planted} is a bug planted in a built-in driver, not in ${driver}`;
  }
  return null;
}

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
  readonly weights: { readonly getTs: number; readonly getTsBatch: number; readonly getSeq: number };
  readonly tsBatchCountMax: number;
  readonly seqKeys: number;
  readonly seqCountMax: number;
  /** A caller waits uniform [0, thinkMsMax] between two calls. */
  readonly thinkMsMax: number;
}

export interface SimOptions {
  readonly spec: RunSpec;
  readonly server: { readonly windowAheadMs: number; readonly failoverAdvanceMs: number; readonly restartDelayMsMax: number };
  readonly client: {
    readonly attemptsMax: number;
    readonly attemptTimeoutMs: number;
    readonly overallTimeoutMs: number;
    readonly backoffBaseMs: number;
    readonly backoffCapMs: number;
  };
  readonly workload: WorkloadOptions;
  /** Safety phase (faults on), then liveness phase (faults off, every call must succeed). */
  readonly phases: { readonly safetyMs: number; readonly livenessMs: number };
  readonly nemesis: Partial<Record<NemesisFamily, NemesisRule>>;
  readonly disk: Partial<Record<DiskFamily, RateRule>>;
  readonly net: Partial<Record<NetFamily, RateRule>>;
  /** The Raft cluster's configuration; null in a single-node run. */
  readonly raft: RaftRunOptions | null;
  /** What the swarm draws to reach rare paths (its own stream; off outside the swarm profile). */
  readonly rare: RareOptions;
  /** The membership nemesis (its own stream); absent when off: every profile but the membership ones. */
  readonly membership?: MembershipRunOptions;
  /**
   * The service callers (getSeqBatch, safe points, stamping leases; service-workload.ts), drawn
   * from the seed's own `services` stream; absent: none (the run, its traced options included,
   * is what it was before them).
   */
  readonly services?: ServiceOptions;
}

/**
 * The service callers of a run (service-workload.ts): on each client process, `callers` callers
 * of their own (beside the getTs/getSeq callers) issue getSeqBatch over the getSeq keys, the safe
 * points, and stamping-lease calls by `holders` holders, some of them superseding their lease
 * with a higher epoch.
 */
export interface ServiceOptions {
  readonly callers: number;
  /** Relative weights of the service calls (each ≥ 1). */
  readonly weights: { readonly getSeqBatch: number; readonly maxSafe: number; readonly frontier: number; readonly lease: number };
  /** Most entries of a batch (distinct keys out of the run's `seqKeys` plus `batchExtraKeys`). */
  readonly batchKeysMax: number;
  /** Keys only batches use, beside the getSeq keys (so batches both share keys with getSeq and not). */
  readonly batchExtraKeys: number;
  readonly batchCountMax: number;
  /** Lease holders per client process. */
  readonly holders: number;
  /** TTLs the lease calls use (within the server's default bounds, 5 s .. 300 s). */
  readonly ttlChoicesMs: readonly number[];
  /** Chance that an acquire supersedes the holder's lease (a higher epoch) rather than re-acquiring. */
  readonly supersede: Ratio;
}

/**
 * Workloads and product options that reach rare paths (docs/simulator.md, "Rare paths"). Drawn
 * from the seed's own `rare` stream, so the other draws of a seed stay where they were.
 */
export interface RareOptions {
  /**
   * Many short client sessions, opened one after another by `churners` callers of their own
   * client process, `callsPerSession` getSeq calls each, up to `sessionsMax` sessions: they fill
   * the ledger's session table past SEQ_SESSION_CLIENTS_MAX, so sessions are evicted. A
   * `sleeper` session makes a getSeq, sleeps until that many sessions opened after it, and asks
   * again: evicted, it is refused SEQ_SESSION_EXPIRED and its client jumps its request ids.
   * Null: off.
   */
  readonly sessionChurn: { readonly churners: number; readonly callsPerSession: number; readonly sessionsMax: number; readonly sleeperWakeAfterSessions: number } | null;
  /**
   * The file driver's `journalCompactBytes` (a product option): small values fold the journal
   * into `dense` every few commits, so crashes land between the two. Null: the default (4 MiB).
   */
  readonly journalCompactBytes: number | null;
  /**
   * The file driver's `journalZeroFillBytes` (a product option): 0 (the journal grows with each
   * commit, so a torn append cuts the file inside a record) or a small fill (extended every few
   * commits, so crashes land inside a fill and at its edge). Null: the default (1 MiB).
   */
  readonly journalZeroFillBytes: number | null;
  /**
   * One long-lived session: `callers` concurrent callers of one client process each make
   * getSeq calls through the workload until the session made `calls` of them, past
   * SEQ_SESSION_RESULTS_PER_CLIENT_MAX (1,024), so the ledger forgets its lowest results.
   * Absent: off (absent rather than null, so a run without it records the options, and so
   * hashes its trace, as before the long session existed).
   */
  readonly longSession?: { readonly callers: number; readonly calls: number };
  /**
   * Clusters only: a crash or kill armed to strike behind one of the node's next writes
   * (crashAfterWrite, followerPowerLoss) counts only appends that cross a disk sector boundary, for up to
   * `writesMax` writes (then it strikes behind the next write of any kind). Most WAL appends
   * fit inside one sector, so a power loss behind them can tear nothing smaller than the
   * append: behind a crossing one, the disk families can cut the file at the sector edge inside
   * it, where a record (or its header) is cut short. Absent: off (keeps the options, and so the
   * trace hash, of a run without it).
   */
  readonly crashAwaitsSectorCrossing?: { readonly writesMax: number };
}

/** Sessions a churn opens at most (past SEQ_SESSION_CLIENTS_MAX = 256, so some are evicted). */
export const CHURN_SESSIONS_MAX = 340;

/**
 * Faults that strike on writes and elections rather than on the nemesis's timer. A profile sets
 * them and the run takes them as they are (nothing of them is drawn per seed).
 */
export interface RaftTimedFaults {
  /** Chance that a crash or kill waits for the node's next write and strikes right behind it (a WAL append torn). */
  readonly crashAfterWrite: Ratio;
  /**
   * Chance, per election won in the safety phase, that the new leader is cut off from its peers
   * (not its clients) a few ms later, for a while: the moment a new leader has replicated its
   * predecessors' entries but maybe not its own no-op (Figure 8).
   */
  readonly isolateNewLeader: Ratio;
  /** How long after its election the new leader is cut off (ms, one drawn per cut; 0: before it sends anything). */
  readonly isolateNewLeaderDelayChoicesMs: readonly number[];
  /** How long a new leader cut off by isolateNewLeader stays cut (ms range). */
  readonly isolateNewLeaderForMs: readonly [number, number];
  /**
   * Chance, per election won in the safety phase, that one follower loses power right behind
   * one of its next writes: the writes that carry the new leader's first entries, while the
   * vote it gave (synced before it was sent) survives.
   */
  readonly followerPowerLoss: Ratio;
  /** Which of the follower's next writes (1 = the next) the power loss strikes behind. */
  readonly followerPowerLossWriteNth: readonly [number, number];
  /** How long that follower stays down (ms range). */
  readonly followerPowerLossDownMs: readonly [number, number];
}

/** What a Raft run draws besides the families (core/raft/config.ts for the meaning of each). */
export interface RaftRunOptions extends RaftTimedFaults {
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
}

/** Bounds of what a profile may draw (the defaults are the swarm's). */
interface ProfileShape {
  /** Chance that each family is on, unless forced. */
  readonly familyOn: Ratio;
  readonly familyOnOverride: Partial<Record<FaultFamily, Ratio>>;
  readonly forced: Partial<Record<FaultFamily, boolean>>;
  readonly windowAheadChoicesMs: readonly number[];
  readonly attemptTimeoutChoicesMs: readonly number[];
  readonly failoverAdvanceChoicesMs: readonly number[];
  readonly safetyMs: readonly [number, number];
  readonly livenessMs: readonly [number, number];
  readonly clients: readonly [number, number];
  readonly callersPerClient: readonly [number, number];
  readonly weightsOn: Ratio;
  /** Weight multipliers the profile forces on (e.g. getSeq for a getSeq bug). */
  readonly forcedOps: readonly ('getTs' | 'getTsBatch' | 'getSeq')[];
  readonly thinkMsMax: readonly number[];
  /** Overrides of nemesis sizes (e.g. small clock steps back for fenceAtPrior). */
  readonly nemesisSize: Partial<Record<NemesisFamily, readonly [number, number]>>;
  readonly nemesisGapMs: Partial<Record<NemesisFamily, readonly [number, number]>>;
  readonly nemesisBudget: Partial<Record<NemesisFamily, readonly [number, number]>>;
  /** Raft knobs (choices); the defaults are the swarm's. */
  readonly raft: RaftShape;
  /** The membership nemesis's bounds (raft-membership.ts); null: off (every profile but the membership ones). */
  readonly membership: MembershipShape | null;
  /** Chance that a seed runs the service callers (options.services); [0, 1]: never. */
  readonly servicesOn: Ratio;
}

/** Bounds of the membership nemesis a profile may draw (see MembershipRunOptions). */
interface MembershipShape {
  readonly spareNodes: readonly [number, number];
  readonly gapMs: readonly [number, number];
  /** The largest gap a seed may draw, [min, max]: some seeds change often, some rarely. */
  readonly gapMaxMs: readonly [number, number];
  readonly budget: readonly [number, number];
  readonly decommissionAfterMaxMs: readonly [number, number];
  /** Chance that the seed's operator is hasty (see MembershipRunOptions.hasty). */
  readonly hasty: Ratio;
}

/**
 * The membership nemesis of a cluster run (sim/oracle/raft-membership.ts): an operator that,
 * through the leader's admin entry point (RaftDriver.changeMembership), adds learners (fresh node
 * ids, empty disks, started as `serve raft --join` starts them), promotes them, removes a
 * follower or the leader, and replaces nodes (add, promote, remove the old one), one plan at a
 * time, while the other faults run. Drawn from the seed's own `membership` stream; absent when off.
 */
export interface MembershipRunOptions {
  /** Fresh node ids beyond the bootstrap voters the operator may add: n{nodes+1}..n{nodes+spareNodes}. */
  readonly spareNodes: number;
  /** Gap between two of the operator's steps, drawn per step. */
  readonly gapMs: readonly [number, number];
  /** Plans (grow, shrink, replace...) the operator starts at most in the safety phase. */
  readonly budget: number;
  /** How long a removed node keeps running (answering clients with hints) before it is shut down, drawn per node. */
  readonly decommissionAfterMs: readonly [number, number];
  /**
   * A hasty operator sends the next step of its plan without waiting for the previous change to
   * commit (two admins at once, or a script that does not wait): a correct leader refuses it
   * (MEMBERSHIP_CHANGE_IN_FLIGHT, NOT_CAUGHT_UP) and the operator retries.
   */
  readonly hasty: boolean;
  /** Relative weights of the operator's plans (0: never). */
  readonly weights: Readonly<Record<MembershipPlanKind, number>>;
}

/** What the membership operator may do in one plan. */
export const MEMBERSHIP_PLAN_KINDS = ['grow', 'shrinkFollower', 'shrinkLeader', 'replaceFollower', 'replaceLeader', 'learnerOnly'] as const;
export type MembershipPlanKind = (typeof MEMBERSHIP_PLAN_KINDS)[number];

/** The membership profile's bounds: several plans per seed, steps 20 ms to 1.5 s apart. */
const MEMBERSHIP_SWARM: MembershipShape = {
  spareNodes: [1, 3],
  gapMs: [20, 1_500],
  gapMaxMs: [60, 500],
  budget: [3, 12],
  decommissionAfterMaxMs: [0, 800],
  hasty: [1, 2],
};

/**
 * The membership bugs' profiles: a hasty operator (the second change of a replace sent while the
 * first is in flight) changing often, leaders killed and cut off so new leaders change the
 * configuration right after winning; every other family off.
 */
const MEMBERSHIP_BUG_SHAPE_PARTS: Partial<ProfileShape> = {
  forced: { ...Object.fromEntries(FAULT_FAMILIES.map((f) => [f, false])), serverKill: true, leaderPartition: true },
  forcedOps: ['getTs', 'getSeq'],
  thinkMsMax: [0, 2],
  safetyMs: [3_000, 5_000],
  nemesisGapMs: { serverKill: [200, 800], leaderPartition: [200, 800] },
  nemesisSize: { serverKill: [0, 150], leaderPartition: [100, 600] },
  nemesisBudget: { serverKill: [2, 6], leaderPartition: [2, 6] },
  membership: { spareNodes: [2, 3], gapMs: [5, 300], gapMaxMs: [30, 300], budget: [6, 12], decommissionAfterMaxMs: [0, 300], hasty: [1, 1] },
};

interface RaftShape extends RaftTimedFaults {
  readonly electionTimeoutChoicesMs: readonly number[];
  /** Heartbeats per election timeout. */
  readonly heartbeatsPerElectionChoices: readonly number[];
  readonly clockDriftBoundChoices: readonly number[];
  readonly leaseMarginChoicesMs: readonly number[];
  readonly maxEntriesPerMessageChoices: readonly number[];
  readonly maxInflightMessagesChoices: readonly number[];
  readonly snapshotEntriesChoices: readonly number[];
  /** The drift the clocks get, as a multiple of the configured bound: [min, max] of |drift| / bound. */
  readonly driftOfBound: readonly [number, number];
  /** Whether the nodes start with drifts (else only the clockDrift family drifts them). */
  readonly initialDrift: Ratio;
  /** Start drifts at exactly ± the largest drift (signs drawn), not anywhere within it. */
  readonly initialDriftAtMax: boolean;
  /** The worst drift for a lease: when the leader is cut off, its clock runs slow by the largest drift and every other node's fast. */
  readonly adversarialDrift: boolean;
  /** Chance that the liveness phase keeps a minority down. */
  readonly livenessMinorityDown: Ratio;
}

const RAFT_SWARM: RaftShape = {
  electionTimeoutChoicesMs: [100, 300, 1_000],
  heartbeatsPerElectionChoices: [3, 6, 10],
  clockDriftBoundChoices: [0.001, 0.01, 0.05, 0.2],
  leaseMarginChoicesMs: [0, 5, 10],
  maxEntriesPerMessageChoices: [1, 4, 64],
  maxInflightMessagesChoices: [1, 4, 16],
  snapshotEntriesChoices: [8, 64, 1_000, 10_000],
  driftOfBound: [0, 1],
  initialDrift: [1, 2],
  initialDriftAtMax: false,
  adversarialDrift: false,
  livenessMinorityDown: [1, 3],
  crashAfterWrite: [1, 2],
  isolateNewLeader: [1, 8],
  isolateNewLeaderDelayChoicesMs: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  isolateNewLeaderForMs: [50, 500],
  followerPowerLoss: [1, 8],
  followerPowerLossWriteNth: [1, 3],
  followerPowerLossDownMs: [0, 50],
};

/** No election-time faults either: the fault-free profiles (calm, bench, idle). */
const RAFT_CALM: RaftShape = { ...RAFT_SWARM, isolateNewLeader: [0, 1], followerPowerLoss: [0, 1] };

const SWARM: ProfileShape = {
  familyOn: [1, 2],
  familyOnOverride: { netCorrupt: [1, 5], diskBitRot: [1, 6], diskMisdirectedWrite: [1, 6], diskTruncateFail: [1, 2] },
  forced: {},
  windowAheadChoicesMs: [1, 3, 10, 50, 250, 1_000, 3_000],
  attemptTimeoutChoicesMs: [20, 100, 500, 2_000],
  failoverAdvanceChoicesMs: [0, 1, 5, 50, 1_000],
  safetyMs: [1_000, 3_000],
  livenessMs: [1_000, 2_000],
  clients: [1, 3],
  callersPerClient: [1, 3],
  weightsOn: [3, 4],
  forcedOps: [],
  thinkMsMax: [2, 10, 30, 80],
  nemesisSize: {},
  nemesisGapMs: {},
  nemesisBudget: {},
  raft: RAFT_SWARM,
  membership: null,
  servicesOn: [1, 2],
};

function withShape(overrides: Partial<ProfileShape>): ProfileShape {
  // The service callers run in the swarm profile and in the profiles that ask for them, so the
  // seeds of every other profile (the planted bugs' searches) run as they did before them.
  return { ...SWARM, servicesOn: [0, 1], ...overrides };
}

const ALL_OFF: Partial<Record<FaultFamily, boolean>> = Object.fromEntries(FAULT_FAMILIES.map((f) => [f, false]));

/**
 * The mix that tests a lease: the leader cut off from its peers (not from every client) again
 * and again, getTs-heavy callers on three clients, short attempts, a long window (a deposed
 * leader serves from it without consensus), a short election timeout, and clocks drifting as
 * far as the profile allows, the worst way for the lease (the cut-off leader slow, the rest fast).
 */
function leaseMix(raft: Partial<RaftShape>, extra: Partial<ProfileShape> = {}): ProfileShape {
  return withShape({
    forced: { ...ALL_OFF, leaderPartition: true },
    forcedOps: ['getTs'],
    windowAheadChoicesMs: [1_000, 3_000],
    attemptTimeoutChoicesMs: [20, 100],
    clients: [3, 3],
    callersPerClient: [2, 3],
    thinkMsMax: [0, 2],
    safetyMs: [3_000, 5_000],
    nemesisGapMs: { leaderPartition: [100, 400] },
    nemesisSize: { leaderPartition: [300, 1_500] },
    nemesisBudget: { leaderPartition: [8, 15] },
    ...extra,
    raft: {
      ...RAFT_SWARM,
      electionTimeoutChoicesMs: [100],
      heartbeatsPerElectionChoices: [10],
      initialDrift: [1, 1],
      initialDriftAtMax: true,
      adversarialDrift: true,
      // The lease is about partitions and clocks: no follower power losses in its schedules.
      followerPowerLoss: [0, 1],
      ...raft,
    },
  });
}

/**
 * The mix for the Paxos core's bugs: leaders change often (kills and crashes right behind
 * writes, short down times, the leader cut off, a majority restarted, a new leader cut off at
 * once), with getTs and getSeq callers keeping entries in flight at every change.
 */
function paxosChurn(): ProfileShape {
  return withShape({
    forced: { ...ALL_OFF, serverCrash: true, serverKill: true, leaderPartition: true, majorityRestart: true },
    forcedOps: ['getTs', 'getSeq'],
    windowAheadChoicesMs: [1, 3, 10],
    thinkMsMax: [0, 2],
    safetyMs: [2_000, 4_000],
    nemesisGapMs: { serverCrash: [10, 100], serverKill: [10, 100], leaderPartition: [50, 300], majorityRestart: [200, 800] },
    nemesisSize: { serverCrash: [0, 20], serverKill: [0, 20], leaderPartition: [100, 600], majorityRestart: [0, 50] },
    nemesisBudget: { serverCrash: [20, 40], serverKill: [20, 40], leaderPartition: [5, 15], majorityRestart: [2, 5] },
    raft: {
      ...RAFT_SWARM,
      electionTimeoutChoicesMs: [100],
      heartbeatsPerElectionChoices: [3],
      crashAfterWrite: [1, 2],
      isolateNewLeader: [1, 1],
      isolateNewLeaderDelayChoicesMs: [0, 2, 4, 6, 8],
      followerPowerLoss: [1, 1],
      followerPowerLossWriteNth: [1, 2],
      followerPowerLossDownMs: [0, 20],
    },
  });
}

const MEMBERSHIP_BUG_SHAPES: Record<`planted:${MembershipBug}`, ProfileShape> = {
  'planted:concurrentMembershipChanges': withShape(MEMBERSHIP_BUG_SHAPE_PARTS),
  'planted:membershipChangeBeforeTermCommit': withShape(MEMBERSHIP_BUG_SHAPE_PARTS),
  // A removed voter counted in quorums matters only while it still runs and answers: removed
  // nodes stay up for seconds, and split networks leave the leader with it on its side.
  'planted:removedVoterCountsInQuorum': withShape({
    ...MEMBERSHIP_BUG_SHAPE_PARTS,
    forced: { ...MEMBERSHIP_BUG_SHAPE_PARTS.forced, partition: true, peerLinkOneWay: true },
    nemesisGapMs: { ...MEMBERSHIP_BUG_SHAPE_PARTS.nemesisGapMs, partition: [100, 600], peerLinkOneWay: [100, 600] },
    nemesisBudget: { ...MEMBERSHIP_BUG_SHAPE_PARTS.nemesisBudget, partition: [3, 8], peerLinkOneWay: [3, 8] },
    membership: { spareNodes: [2, 3], gapMs: [5, 300], gapMaxMs: [30, 300], budget: [6, 12], decommissionAfterMaxMs: [3_000, 6_000], hasty: [1, 1] },
  }),
};

/** The profiles: the swarm, a fault-free run, and one mix per planted bug that makes it likely. */
const PROFILE_SHAPES: Record<ProfileName, ProfileShape> = {
  swarm: SWARM,
  // The swarm with the membership nemesis on (raft-membership.ts): every fault family as the
  // swarm draws them, and an operator growing, shrinking and replacing the cluster meanwhile.
  // The safety phase is longer than the swarm's so a seed runs a few plans under the faults.
  membership: withShape({ membership: MEMBERSHIP_SWARM, safetyMs: [2_000, 5_000] }),
  ...MEMBERSHIP_BUG_SHAPES,
  // Durability under fire: failed fsyncs, kills (page cache kept) and power losses (directory
  // entries vanishing) in quick succession, with retried getSeq calls replaying blocks.
  durability: withShape({
    forced: { ...ALL_OFF, diskFsyncFail: true, serverKill: true, serverCrash: true, diskDirOpsVanish: true, netResetAfterDelivery: true },
    forcedOps: ['getSeq'],
    nemesisGapMs: { serverKill: [20, 200], serverCrash: [50, 400] },
    nemesisBudget: { serverKill: [5, 20], serverCrash: [5, 20] },
  }),
  calm: withShape({ forced: ALL_OFF, raft: RAFT_CALM }),
  // The single-node workload the benchmark measures: no faults, a steady mix, longer phases.
  bench: withShape({
    forced: ALL_OFF,
    windowAheadChoicesMs: [3_000],
    failoverAdvanceChoicesMs: [1_000],
    safetyMs: [8_000, 8_000],
    livenessMs: [2_000, 2_000],
    clients: [2, 2],
    callersPerClient: [2, 2],
    weightsOn: [1, 1],
    thinkMsMax: [40],
    raft: RAFT_CALM,
  }),
  // An idle-heavy single-node workload (one caller, about a call a second): where a simulator's
  // time compression shows, since virtual time between events costs nothing.
  idle: withShape({
    forced: ALL_OFF,
    windowAheadChoicesMs: [3_000],
    failoverAdvanceChoicesMs: [1_000],
    safetyMs: [60_000, 60_000],
    livenessMs: [5_000, 5_000],
    clients: [1, 1],
    callersPerClient: [1, 1],
    weightsOn: [1, 1],
    thinkMsMax: [2_000],
    raft: RAFT_CALM,
  }),
  // Served before persisted: visible when a request finds the window exhausted (a step forward
  // past the window, a pause) while others arrive during the persist.
  'planted:serveBeforePersist': withShape({
    forced: { ...ALL_OFF, clockStepForward: true, serverPause: true, diskLatency: true },
    windowAheadChoicesMs: [1, 3, 10],
    callersPerClient: [2, 3],
    clients: [2, 3],
    forcedOps: ['getTs'],
    thinkMsMax: [0, 2],
  }),
  // Fenced at prior: visible when a restarted server's clock is not past the prior high-water
  // and the previous incarnation served at exactly that millisecond: with no failover advance,
  // an incarnation whose clock is behind serves at its floor, which is the next one's prior.
  'planted:fenceAtPrior': withShape({
    forced: { ...ALL_OFF, serverKill: true, serverCrash: true, clockStepBack: true },
    failoverAdvanceChoicesMs: [0],
    safetyMs: [500, 1_500],
    forcedOps: ['getTs'],
    thinkMsMax: [1, 5],
    nemesisSize: { clockStepBack: [100, 2_000], serverCrash: [0, 5], serverKill: [0, 5] },
    nemesisGapMs: { clockStepBack: [50, 400], serverCrash: [20, 150], serverKill: [20, 150] },
    nemesisBudget: { serverCrash: [5, 20], serverKill: [5, 20], clockStepBack: [2, 6] },
  }),
  // Directory not fsync'd: the rename is not durable, and a power loss may take it back.
  'planted:skipDirFsync': withShape({ forced: { ...ALL_OFF, serverCrash: true, diskDirOpsVanish: true } }),
  // Published before fsync: the value is served while it is only in the page cache.
  'planted:publishHighWaterBeforeFsync': withShape({ forced: { ...ALL_OFF, serverCrash: true, diskTorn: true } }),
  // New request id on retry: needs a getSeq whose first attempt's outcome is unknown.
  'planted:newRequestIdOnRetry': withShape({
    forced: { ...ALL_OFF, netResetAfterDelivery: true, netReset: true, serverKill: true },
    forcedOps: ['getSeq'],
  }),
  // --- Raft clusters ---------------------------------------------------------------------------
  // Failover with the product's defaults (election timeout 300 ms, heartbeat 50 ms, drift bound
  // 1%, lease margin 10 ms): a node dies by kill -9 — the leader half the time — and stays down
  // long enough that the survivors must elect; nothing else goes wrong. What the
  // closing note's failover times are measured on (`sim swarm --nodes 3 --profile failover`).
  failover: withShape({
    forced: { ...ALL_OFF, serverKill: true },
    windowAheadChoicesMs: [3_000],
    failoverAdvanceChoicesMs: [1_000],
    attemptTimeoutChoicesMs: [100, 500],
    safetyMs: [6_000, 9_000],
    // One family, so one node down at a time: kills 2–3 s apart, each down for 1–1.8 s.
    nemesisGapMs: { serverKill: [2_000, 3_000] },
    nemesisSize: { serverKill: [1_000, 1_800] },
    nemesisBudget: { serverKill: [2, 3] },
    raft: {
      ...RAFT_SWARM,
      electionTimeoutChoicesMs: [300],
      heartbeatsPerElectionChoices: [6],
      clockDriftBoundChoices: [0.01],
      leaseMarginChoicesMs: [10],
      maxEntriesPerMessageChoices: [64],
      maxInflightMessagesChoices: [16],
      snapshotEntriesChoices: [10_000],
      initialDrift: [0, 1],
      livenessMinorityDown: [0, 1],
      isolateNewLeader: [0, 1],
      followerPowerLoss: [0, 1],
      // A kill strikes when it is drawn, never armed for a later write: an armed kill could land
      // after the next one and leave two nodes down at once.
      crashAfterWrite: [0, 1],
    },
  }),
  // The lease assumption broken on purpose: the configured bound is 1% but the clocks drift by
  // 40%, and the leader is cut off from its peers (not from every client) again and again. A
  // correct implementation may then serve from two leaders at once: the checkers must say so.
  beyondDriftBound: leaseMix({ clockDriftBoundChoices: [0.01], leaseMarginChoicesMs: [0], driftOfBound: [40, 40] }),
  // Figure 8 (§5.4.2): an entry of an older term replicated to a majority but overwritten by a
  // later leader. One entry per message and one message in flight make an old entry's replica
  // count reach a quorum before the new leader's no-op does; crashes right after writes and cut
  // links make the leaders change often.
  'planted:commitOlderTermByCounting': withShape({
    forced: { ...ALL_OFF, serverKill: true, leaderPartition: true },
    forcedOps: ['getTs', 'getSeq'],
    windowAheadChoicesMs: [1, 3, 10],
    thinkMsMax: [0, 2],
    safetyMs: [3_000, 5_000],
    nemesisGapMs: { serverKill: [200, 800], leaderPartition: [200, 800] },
    nemesisSize: { serverKill: [0, 150], leaderPartition: [100, 600] },
    nemesisBudget: { serverKill: [2, 6], leaderPartition: [2, 6] },
    raft: {
      ...RAFT_SWARM,
      electionTimeoutChoicesMs: [100],
      maxEntriesPerMessageChoices: [1],
      maxInflightMessagesChoices: [1],
      snapshotEntriesChoices: [10_000],
      crashAfterWrite: [1, 2],
      isolateNewLeader: [1, 1],
      isolateNewLeaderDelayChoicesMs: [0, 0, 0, 4, 6, 8, 10],
      isolateNewLeaderForMs: [200, 1_500],
      followerPowerLoss: [1, 2],
      followerPowerLossWriteNth: [1, 3],
      followerPowerLossDownMs: [0, 20],
    },
  }),
  // A vote not persisted: a node that voted, crashed right after the write and came back within
  // the same term votes again. Crashes land right behind writes, often, with short down times.
  'planted:forgetVote': withShape({
    forced: { ...ALL_OFF, serverCrash: true, serverKill: true, leaderPartition: true, majorityRestart: true },
    forcedOps: ['getTs'],
    thinkMsMax: [0, 2],
    safetyMs: [2_000, 4_000],
    nemesisGapMs: { serverCrash: [10, 100], serverKill: [10, 100], leaderPartition: [50, 300], majorityRestart: [200, 800] },
    nemesisSize: { serverCrash: [0, 20], serverKill: [0, 20], leaderPartition: [100, 600], majorityRestart: [0, 50] },
    nemesisBudget: { serverCrash: [20, 40], serverKill: [20, 40], leaderPartition: [5, 15], majorityRestart: [2, 5] },
    raft: {
      ...RAFT_SWARM,
      electionTimeoutChoicesMs: [100],
      heartbeatsPerElectionChoices: [3],
      isolateNewLeader: [1, 1],
      isolateNewLeaderDelayChoicesMs: [2, 4, 6, 8],
      followerPowerLoss: [1, 1],
      followerPowerLossWriteNth: [1, 1],
      followerPowerLossDownMs: [0, 20],
    },
  }),
  // Serving past the lease: a leader cut off from its peers goes on serving until CheckQuorum
  // deposes it, an election timeout after its last acknowledged round on its own clock. That
  // is later than a new leader can serve only when clocks drift: here they drift at the bound.
  'planted:serveAfterLeaseExpired': leaseMix(
    { clockDriftBoundChoices: [0.2], driftOfBound: [1, 1] },
    {
      forced: { ...ALL_OFF, leaderPartition: true, serverPause: true },
      nemesisGapMs: { leaderPartition: [100, 400], serverPause: [200, 800] },
      nemesisSize: { leaderPartition: [300, 1_500], serverPause: [150, 600] },
      nemesisBudget: { leaderPartition: [8, 15], serverPause: [2, 5] },
    },
  ),
  // A lease with no room for drift: the clocks drift at the configured bound, the leader's slow.
  'planted:leaseWithoutDriftMargin': leaseMix({ electionTimeoutChoicesMs: [300], clockDriftBoundChoices: [0.24], leaseMarginChoicesMs: [0], driftOfBound: [1, 1] }),
  // --- Paxos core (--driver paxos) ---------------------------------------------------------------
  // A promise sent before it is durable: crashes land right behind writes, often, with short
  // down times, and leaders change often (the forgotten promise must matter to a later ballot).
  'planted:promiseBeforePersist': paxosChurn(),
  // A new leader that keeps its own log: leaders must change while entries are being decided.
  'planted:skipReproposeHighest': paxosChurn(),
  // An acceptor that accepts below its promise: an old leader cut off keeps sending accepts.
  'planted:acceptBelowPromise': paxosChurn(),
  // A decision one acceptor short of a quorum: a leader with a minority of live acceptors.
  'planted:decideBeforeQuorum': paxosChurn(),
  // The fence's load not linearized: a new leader that has not applied the last high-water
  // fences below it when its clock is behind the old leader's. Clocks step back on the nodes,
  // leaders die, and the window is one millisecond, so a leader whose clock is ahead extends
  // every millisecond or two and a follower's applied high-water lags the served timestamps.
  'planted:skipFenceLinearizedLoad': withShape({
    forced: { ...ALL_OFF, serverKill: true, clockStepBack: true },
    forcedOps: ['getTs'],
    windowAheadChoicesMs: [1],
    failoverAdvanceChoicesMs: [0],
    attemptTimeoutChoicesMs: [20, 100],
    clients: [2, 3],
    callersPerClient: [2, 3],
    thinkMsMax: [0, 2],
    safetyMs: [2_000, 4_000],
    nemesisGapMs: { serverKill: [300, 700], clockStepBack: [50, 300] },
    nemesisSize: { clockStepBack: [1_000, 3_000], serverKill: [0, 100] },
    nemesisBudget: { serverKill: [3, 6], clockStepBack: [6, 12] },
    raft: { ...RAFT_SWARM, electionTimeoutChoicesMs: [100], heartbeatsPerElectionChoices: [3], followerPowerLoss: [0, 1] },
  }),
  // --- the service calls (service-workload.ts, service-checkers.ts) ------------------------------
  // The frontier skipping superseded leases: holders supersede their leases and the frontier is
  // asked often; calm otherwise (the bug needs no fault).
  'planted:frontierIgnoresSupersededLeases': withShape({ forced: ALL_OFF, servicesOn: [1, 1], raft: RAFT_CALM }),
  // A lease answered before its set is durable: power losses while leases change, taking back
  // the directory operations that were not synced (the lease set's rename among them).
  'planted:answerLeasesBeforeDurable': withShape({
    forced: { ...ALL_OFF, serverCrash: true, diskDirOpsVanish: true },
    servicesOn: [1, 1],
    nemesisGapMs: { serverCrash: [50, 400] },
    nemesisBudget: { serverCrash: [4, 10] },
  }),
  // A getSeqBatch written key by key (etcd driver): batches often, with the swarm's etcd faults
  // (transactions failed or answered lost) and server crashes between the per-key writes.
  'planted:batchAppliedKeyByKey': withShape({
    forced: { ...ALL_OFF, serverCrash: true },
    servicesOn: [1, 1],
    nemesisGapMs: { serverCrash: [100, 500] },
    nemesisBudget: { serverCrash: [3, 8] },
  }),
  // --- the etcd driver (sim/oracle/etcd-module.ts adds its own faults between the nodes and etcd:
  // the lease holder paused past its lease, a node cut off from etcd, etcd losing its leader) -----
  ...Object.fromEntries(ETCD_BUGS.map((bug) => [`planted:${bug}`, withShape({
    forced: ALL_OFF,
    forcedOps: ['getTs', 'getSeq'],
    windowAheadChoicesMs: [1_000, 3_000],
    attemptTimeoutChoicesMs: [50, 200],
    clients: [2, 3],
    callersPerClient: [2, 3],
    thinkMsMax: [0, 5],
    safetyMs: [4_000, 6_000],
  })])) as Record<`planted:${(typeof ETCD_BUGS)[number]}`, ProfileShape>,
};

export function profileForBug(bug: PlantedBug): ProfileName {
  return `planted:${bug}`;
}

export function isProfileName(text: string): text is ProfileName {
  return (PROFILES as readonly string[]).includes(text);
}

export function isPlantedBug(text: string): text is PlantedBug {
  return (PLANTED_BUGS as readonly string[]).includes(text);
}

/** A family that acts only through one of the listed ones (the first is turned on if none is). */
const FAMILY_NEEDS: ReadonlyArray<readonly [FaultFamily, readonly FaultFamily[]]> = [
  ['diskTorn', ['serverCrash']],
  ['diskPartial', ['serverCrash']],
  ['diskDirOpsVanish', ['serverCrash']],
  ['diskReadCorrupt', ['serverKill', 'serverCrash']],
  ['diskTailLost', ['serverCrash']],
  ['diskBitRot', ['serverCrash']],
  ['diskMisdirectedWrite', ['serverCrash']],
  // A truncate happens only where a crash left a torn log tail to cut at open.
  ['diskTruncateFail', ['serverCrash']],
];

function drawRange(rng: Rng, range: readonly [number, number]): number {
  return rng.int(range[0], range[1]);
}

/** Default sizes and gaps of the nemesis families. */
const NEMESIS_DEFAULTS: Record<NemesisFamily, { readonly gapMs: readonly [number, number]; readonly size: readonly [number, number]; readonly budget: readonly [number, number] }> = {
  serverCrash: { gapMs: [200, 1_500], size: [0, 400], budget: [1, 6] }, // size: down time
  serverKill: { gapMs: [200, 1_500], size: [0, 400], budget: [1, 6] },
  serverPause: { gapMs: [200, 1_500], size: [1, 1_200], budget: [1, 6] }, // size: pause
  clockStepBack: { gapMs: [100, 1_500], size: [1, 5_000], budget: [1, 8] }, // size: step
  clockStepForward: { gapMs: [100, 1_500], size: [1, 60_000], budget: [1, 8] },
  clockStall: { gapMs: [100, 1_500], size: [1, 1_000], budget: [1, 6] }, // size: stall
  clockDrift: { gapMs: [100, 1_500], size: [0, 100_000], budget: [1, 6] }, // size: |ppm|, sign drawn per strike
  partition: { gapMs: [200, 2_000], size: [5, 2_500], budget: [1, 6] }, // size: partition length
  clientCrash: { gapMs: [300, 2_500], size: [0, 300], budget: [1, 4] }, // size: down time
  leaderPartition: { gapMs: [200, 2_000], size: [50, 2_000], budget: [1, 6] }, // size: partition length
  peerLinkOneWay: { gapMs: [200, 2_000], size: [50, 2_000], budget: [1, 6] }, // size: cut length
  slowDisk: { gapMs: [200, 2_000], size: [100, 2_000], budget: [1, 4] }, // size: slow period
  majorityRestart: { gapMs: [500, 3_000], size: [0, 1_000], budget: [1, 3] }, // size: longest down time
};

function drawRate(rng: Rng, denominators: readonly [number, number]): Ratio {
  return [1, drawRange(rng, denominators)];
}

function drawDiskRule(family: DiskFamily, rng: Rng): RateRule {
  switch (family) {
    case 'diskTorn':
    case 'diskPartial':
    case 'diskDirOpsVanish':
    case 'diskTailLost':
      // Decided per file (per journal) at each power loss: often.
      return { rate: drawRate(rng, [1, 3]) };
    case 'diskFsyncFail':
    case 'diskFull':
      return { rate: drawRate(rng, [10, 200]), budget: drawRange(rng, [1, 6]) };
    case 'diskLatency':
      return { rate: drawRate(rng, [5, 100]), extraUs: [1_000, drawRange(rng, [2_000, 400_000])] };
    case 'diskReadCorrupt':
      return { rate: drawRate(rng, [1, 6]), budget: drawRange(rng, [1, 3]) };
    case 'diskBitRot':
      // Drawn per durable file with vouched bytes at each power loss; one flip per disk is damage enough.
      return { rate: drawRate(rng, [2, 12]), budget: 1 };
    case 'diskMisdirectedWrite':
      // Shows at a power loss: drawn per file with a vouched recent write; one per disk.
      return { rate: drawRate(rng, [2, 12]), budget: 1 };
    case 'diskTruncateFail':
      // Truncates are rare (the cut of a torn tail at open): fail the first one or two often.
      return { rate: drawRate(rng, [1, 2]), budget: drawRange(rng, [1, 2]) };
  }
}

function drawNetRule(family: NetFamily, rng: Rng): RateRule {
  switch (family) {
    case 'netReset':
    case 'netResetAfterDelivery':
      return { rate: drawRate(rng, [20, 1_000]), budget: drawRange(rng, [1, 20]) };
    case 'netBadLength':
      return { rate: drawRate(rng, [50, 2_000]), budget: drawRange(rng, [1, 5]) };
    case 'netCorrupt':
      // Often, and up to 40 strikes per sending host: a frame that still decodes with another
      // value (a getSeq count, say) takes a single flip on the right bit, about one strike in a
      // hundred. Seeds with it on already run without the value checks, so more strikes cost no
      // checking; more seeds with it on would.
      return { rate: drawRate(rng, [5, 100]), budget: drawRange(rng, [5, 40]) };
    case 'netLatency':
      return { rate: drawRate(rng, [10, 200]), extraUs: [1_000, drawRange(rng, [2_000, 300_000])] };
  }
}

/** Draws the options of a run from its spec. */
export function drawOptions(spec: RunSpec): SimOptions {
  assert(Number.isSafeInteger(spec.seed) && spec.seed >= 0, 'sim_seed_valid', () => String(spec.seed));
  const problem = specProblem(spec);
  assert(problem === null, 'sim_spec_valid', () => problem ?? '');
  const shape = PROFILE_SHAPES[spec.profile];
  assert(shape !== undefined, 'sim_profile_known', spec.profile);
  const root = new Rng(spec.seed).fork('swarm');
  const nodes = nodesOf(spec);
  const raft = nodes === 1 ? null : drawRaft(root.fork('raft'), shape.raft, nodes);

  const draws = root.fork('families');
  const on = new Set<FaultFamily>();
  for (const family of FAULT_FAMILIES) {
    // A single node has no leader to cut off, no peers, no majority: the Raft families stay off.
    if (nodes === 1 && (RAFT_NEMESIS_FAMILIES as readonly string[]).includes(family)) continue;
    if (SWARM_ONLY_FAMILIES.includes(family) && spec.profile !== 'swarm' && spec.profile !== 'membership') continue;
    const forced = shape.forced[family];
    const ratio = shape.familyOnOverride[family] ?? shape.familyOn;
    const drawn = draws.fork(family).ratio(ratio); // drawn either way: forcing one family moves no other
    if (forced ?? drawn) on.add(family);
  }
  // Families that only act through another (crash outcomes and corrupted start-up reads need
  // the server to go down): when none of its enablers is on, a coin either turns the first one
  // on or turns the family off, so neither family ends up on in nearly every seed.
  const needs = root.fork('needs');
  for (const [family, enablers] of FAMILY_NEEDS) {
    const enabler = enablers[0] as FaultFamily;
    if (!on.has(family) || enablers.some((n) => on.has(n))) continue;
    if (shape.forced[enabler] !== false && (shape.forced[family] === true || needs.fork(family).chance(1, 2))) on.add(enabler);
    else on.delete(family);
  }

  const nemesis: Partial<Record<NemesisFamily, NemesisRule>> = {};
  for (const family of ALL_NEMESIS_FAMILIES) {
    if (!on.has(family)) continue;
    const rng = root.fork(`nemesis/${family}`);
    const defaults = NEMESIS_DEFAULTS[family];
    // In a cluster the drift the nemesis sets stays within the run's drift (the lease assumption).
    const size = family === 'clockDrift' && raft !== null ? ([0, raft.driftPpmMax] as const) : (shape.nemesisSize[family] ?? defaults.size);
    // Each seed uses a sub-range of the family's sizes, so some seeds only take small hits.
    nemesis[family] = {
      gapMs: shape.nemesisGapMs[family] ?? defaults.gapMs,
      size: [size[0], drawRange(rng, size)],
      budget: drawRange(rng, shape.nemesisBudget[family] ?? defaults.budget),
    };
  }
  const disk: Partial<Record<DiskFamily, RateRule>> = {};
  for (const family of DISK_FAMILIES) if (on.has(family)) disk[family] = drawDiskRule(family, root.fork(`disk/${family}`));
  const net: Partial<Record<NetFamily, RateRule>> = {};
  for (const family of NET_FAMILIES) if (on.has(family)) net[family] = drawNetRule(family, root.fork(`net/${family}`));

  const config = root.fork('config');
  const attemptTimeoutMs = config.pick(shape.attemptTimeoutChoicesMs);
  const client = {
    attemptsMax: config.int(2, 6),
    attemptTimeoutMs,
    overallTimeoutMs: attemptTimeoutMs * config.int(2, 5),
    backoffBaseMs: config.pick([1, 10, 50]),
    backoffCapMs: config.pick([50, 500, 5_000]),
  };
  const server = {
    windowAheadMs: config.pick(shape.windowAheadChoicesMs),
    failoverAdvanceMs: config.pick(shape.failoverAdvanceChoicesMs),
    restartDelayMsMax: config.pick([0, 50, 500]),
  };

  const mix = root.fork('workload');
  const weight = (op: 'getTs' | 'getTsBatch' | 'getSeq'): number =>
    shape.forcedOps.includes(op) ? mix.int(50, 100) : mix.ratio(shape.weightsOn) ? mix.int(1, 100) : 0;
  const weights = { getTs: weight('getTs'), getTsBatch: weight('getTsBatch'), getSeq: weight('getSeq') };
  if (weights.getTs + weights.getTsBatch + weights.getSeq === 0) weights.getTs = 1;
  const workload: WorkloadOptions = {
    clients: drawRange(mix, shape.clients),
    callersPerClient: drawRange(mix, shape.callersPerClient),
    weights,
    tsBatchCountMax: mix.pick([2, 16, 1_000, 262_144]),
    seqKeys: mix.int(1, 4),
    seqCountMax: mix.pick([1, 10, 1_000]),
    thinkMsMax: mix.pick(shape.thinkMsMax),
  };
  const phases = root.fork('phases');
  return {
    spec,
    server,
    client,
    workload,
    phases: { safetyMs: drawRange(phases, shape.safetyMs), livenessMs: drawRange(phases, shape.livenessMs) },
    nemesis,
    disk,
    net,
    raft: withSnapshotEveryEntry(spec, raft, root),
    rare: spec.profile === 'swarm' || spec.profile === 'membership' ? drawRare(root.fork('rare'), nodes) : { sessionChurn: null, journalCompactBytes: null, journalZeroFillBytes: null },
    ...membershipOf(spec, shape, nodes, root),
    ...servicesOf(drawServices(root.fork('services'), shape.servicesOn)),
  };
}

/**
 * The Raft driver's swarm (and membership) seeds that snapshot after every applied entry: one
 * in eight (its own stream). A new leader then compacts right behind its no-op, so a follower that holds the no-op
 * but has not yet heard it committed (its answer lost or overtaken) is sent a snapshot of what
 * it already holds: the rare path `raft.snapshot_already_held`, which the larger
 * `snapshotEntries` reach only on five nodes.
 */
const SWARM_SNAPSHOT_EVERY_ENTRY_ON: Ratio = [1, 8];

function withSnapshotEveryEntry(spec: RunSpec, raft: RaftRunOptions | null, root: Rng): RaftRunOptions | null {
  if (raft === null || (spec.profile !== 'swarm' && spec.profile !== 'membership')) return raft;
  const driver = spec.driver?.module;
  if (driver !== undefined && driver !== 'raft') return raft;
  return root.fork('snapshotEveryEntry').ratio(SWARM_SNAPSHOT_EVERY_ENTRY_ON) ? { ...raft, snapshotEntries: 1 } : raft;
}

/**
 * The swarm seeds of the Raft driver that run the membership nemesis: one in four, so the
 * default swarm reaches the membership paths too (the membership profile runs it on every seed).
 */
const SWARM_MEMBERSHIP_ON: Ratio = [1, 4];

/** The membership nemesis of a run: the profile's, or on a share of the Raft driver's swarm seeds (its own streams). */
function membershipOf(spec: RunSpec, shape: ProfileShape, nodes: number, root: Rng): { readonly membership?: MembershipRunOptions } {
  if (nodes === 1) return {};
  const driver = spec.driver?.module;
  const raftDriver = driver === undefined || driver === 'raft';
  const membership = shape.membership ?? (spec.profile === 'swarm' && raftDriver && root.fork('membership-on').ratio(SWARM_MEMBERSHIP_ON) ? MEMBERSHIP_SWARM : null);
  return membership === null ? {} : { membership: drawMembership(root.fork('membership'), membership) };
}

/** The membership nemesis's draws of a seed (see MembershipRunOptions). */
function drawMembership(rng: Rng, shape: MembershipShape): MembershipRunOptions {
  const weights = Object.fromEntries(MEMBERSHIP_PLAN_KINDS.map((kind) => [kind, rng.int(0, 4)])) as Record<MembershipPlanKind, number>;
  if (MEMBERSHIP_PLAN_KINDS.every((kind) => weights[kind] === 0)) weights.replaceFollower = 1;
  return {
    spareNodes: drawRange(rng, shape.spareNodes),
    gapMs: [shape.gapMs[0], Math.max(shape.gapMs[0], drawRange(rng, shape.gapMaxMs))],
    budget: drawRange(rng, shape.budget),
    decommissionAfterMs: [0, drawRange(rng, shape.decommissionAfterMaxMs)],
    hasty: rng.ratio(shape.hasty),
    weights,
  };
}

function servicesOf(services: ServiceOptions | null): { readonly services?: ServiceOptions } {
  return services === null ? {} : { services };
}

/** The service callers of a seed (see ServiceOptions), or null. */
function drawServices(rng: Rng, on: Ratio): ServiceOptions | null {
  if (!rng.ratio(on)) return null;
  return {
    callers: rng.int(1, 2),
    weights: { getSeqBatch: rng.int(1, 10), maxSafe: rng.int(1, 10), frontier: rng.int(1, 10), lease: rng.int(1, 10) },
    batchKeysMax: rng.pick([2, 3, 6]),
    batchExtraKeys: rng.int(0, 2),
    batchCountMax: rng.pick([1, 10, 1_000]),
    holders: rng.int(1, 3),
    ttlChoicesMs: rng.pick([[5_000], [5_000, 30_000], [300_000]]),
    supersede: [1, rng.int(2, 5)],
  };
}

/** The rare-path draws of a swarm seed (see RareOptions). */
function drawRare(rng: Rng, nodes: number): RareOptions {
  const churn = rng.fork('sessionChurn');
  // A churn costs a seed about ten times its usual CPU (hundreds of sessions, each a client
  // with its own connection): one seed in twelve runs one.
  const sessionsMax = churn.int(290, CHURN_SESSIONS_MAX);
  const sessionChurn = churn.chance(1, 12)
    ? { churners: churn.int(8, 16), callsPerSession: churn.int(1, 2), sessionsMax, sleeperWakeAfterSessions: churn.int(265, sessionsMax - 15) }
    : null;
  const compact = rng.fork('journalCompactBytes');
  const journalCompactBytes = nodes === 1 && compact.chance(1, 3) ? compact.pick([256, 1_024, 8_192]) : null;
  const zeroFill = rng.fork('journalZeroFillBytes');
  const journalZeroFillBytes = nodes === 1 && zeroFill.chance(2, 3) ? zeroFill.pick([0, 0, 0, 512, 4_096]) : null;
  // A long session costs about a thousand calls more: one seed in ten.
  const long = rng.fork('longSession');
  const longSession = long.chance(1, 10) ? { longSession: { callers: long.int(8, 24), calls: long.int(1_100, 1_400) } } : {};
  // One cluster seed in two: an append over a sector edge is one WAL append in ten.
  const crossing = rng.fork('crashAwaitsSectorCrossing');
  const crashAwaitsSectorCrossing = nodes > 1 && crossing.chance(1, 2) ? { crashAwaitsSectorCrossing: { writesMax: crossing.pick([50, 200, 1_000]) } } : {};
  return { sessionChurn, journalCompactBytes, journalZeroFillBytes, ...longSession, ...crashAwaitsSectorCrossing };
}

function drawRaft(rng: Rng, shape: RaftShape, nodes: number): RaftRunOptions {
  const electionTimeoutMs = rng.pick(shape.electionTimeoutChoicesMs);
  const clockDriftBound = rng.pick(shape.clockDriftBoundChoices);
  const driftOfBoundPercent = rng.int(shape.driftOfBound[0] * 100, shape.driftOfBound[1] * 100);
  const driftPpmMax = Math.min(CLOCK_DRIFT_PPM_MAX_SIM, Math.floor((clockDriftBound * 1_000_000 * driftOfBoundPercent) / 100));
  const initialDrift = rng.ratio(shape.initialDrift);
  const initialDriftPpm = Array.from({ length: nodes }, () => {
    if (!initialDrift || driftPpmMax === 0) return 0;
    return shape.initialDriftAtMax ? (rng.chance(1, 2) ? driftPpmMax : -driftPpmMax) : rng.int(-driftPpmMax, driftPpmMax);
  });
  const minorityMax = Math.floor((nodes - 1) / 2);
  return {
    nodes,
    electionTimeoutMs,
    heartbeatIntervalMs: Math.max(1, Math.floor(electionTimeoutMs / rng.pick(shape.heartbeatsPerElectionChoices))),
    clockDriftBound,
    leaseMarginMs: rng.pick(shape.leaseMarginChoicesMs),
    maxEntriesPerMessage: rng.pick(shape.maxEntriesPerMessageChoices),
    maxInflightMessages: rng.pick(shape.maxInflightMessagesChoices),
    snapshotEntries: rng.pick(shape.snapshotEntriesChoices),
    driftPpmMax,
    initialDriftPpm,
    livenessDownNodes: rng.ratio(shape.livenessMinorityDown) ? rng.int(1, minorityMax) : 0,
    adversarialDrift: shape.adversarialDrift,
    ...timedFaultsOf(shape),
  };
}

function timedFaultsOf(shape: RaftShape): RaftTimedFaults {
  const { crashAfterWrite, isolateNewLeader, isolateNewLeaderDelayChoicesMs, isolateNewLeaderForMs, followerPowerLoss, followerPowerLossWriteNth, followerPowerLossDownMs } = shape;
  return { crashAfterWrite, isolateNewLeader, isolateNewLeaderDelayChoicesMs, isolateNewLeaderForMs, followerPowerLoss, followerPowerLossWriteNth, followerPowerLossDownMs };
}

/** The simulator's clocks accept drifts up to half the true rate either way (sim/clock.ts). */
const CLOCK_DRIFT_PPM_MAX_SIM = 400_000;

/** The families that are on in these options, in the canonical order. */
export function familiesOn(options: SimOptions): FaultFamily[] {
  return FAULT_FAMILIES.filter(
    (f) => (options.nemesis as Record<string, unknown>)[f] !== undefined || (options.disk as Record<string, unknown>)[f] !== undefined || (options.net as Record<string, unknown>)[f] !== undefined,
  );
}

/**
 * Configurations where every call after convergence must succeed. Outside it the liveness
 * phase demands progress only: with a window ahead of a few milliseconds every request waits
 * for an fsync of its own (and big batches outrun the window), and attempts of a few tens of
 * milliseconds are shorter than a few queued fsyncs — calls may fail there, by design.
 */
export const LIVENESS_WINDOW_AHEAD_MS_MIN = 50;
export const LIVENESS_ATTEMPT_TIMEOUT_MS_MIN = 100;

export function livenessEnvelope(options: SimOptions): boolean {
  return options.server.windowAheadMs >= LIVENESS_WINDOW_AHEAD_MS_MIN && options.client.attemptTimeoutMs >= LIVENESS_ATTEMPT_TIMEOUT_MS_MIN;
}

/** Whether the client-visible value checks are sound for these options (see the file comment). */
export function valueChecksSound(options: SimOptions): boolean {
  return options.net.netCorrupt === undefined;
}
