// Bring your own consensus driver: how a driver enters the oracle swarm. A `SimDriverModule`
// names a driver, the node counts it runs on, and a factory that builds one node's
// `ConsensusDriver` from the simulated ports (Disk, Transport, Clock, a seeded stream) and the
// node's identity, endpoint and peers. The harness (cluster.ts for one node, raft-run.ts for a
// cluster) runs whatever the factory returns under the product's ServingNode, ProtocolServer and
// client, with the workload, every generic fault family, every checker, the liveness phase and
// the determinism check. The built-in `file` and `raft` drivers are modules like any other
// (file-module.ts, raft-module.ts); what they add beyond the factory (their own ground truth,
// the Raft checkers, the Raft events) goes through the optional `extras` hook.
//
// Invariants:
//   - A module is pure configuration: `createDriver` may only use the ports and the context it
//     gets (no node:* I/O, no real clock, no Math.random), or the run stops being a function of
//     its seed. The determinism check (`sim run --check-determinism`) proves it per seed.
//   - `createDriver` runs at every start of the node's process (each incarnation); a crash
//     drops the driver without `close()`, exactly as kill -9 would.
//   - Without extras, the checkers' ground truth is what the drivers acknowledged (claims.ts):
//     every high-water a persist returned and every block an advance returned, checked against
//     what later loads of any node return.
//   - Loading a module from a file (a dynamic `import()`) happens in runners/, never here.

import type { ConsensusDriver } from '../../drivers/driver.js';
import type { Clock, Disk, HostPort, Transport } from '../../drivers/ports.js';
import type { Rng } from '../random.js';
import type { TraceDetails, TraceEntry } from '../trace.js';
import type { World } from '../world.js';
import type { Checker } from './checkers.js';
import type { DurableSource } from './durable.js';
import type { PlantedBug, SimOptions } from './options.js';
import type { RaftRunStats } from './raft-run.js';
import { ETCD_SIM_DRIVER } from './etcd-module.js';
import { FILE_SIM_DRIVER } from './file-module.js';
import { PAXOS_SIM_DRIVER } from './paxos-module.js';
import { RAFT_SIM_DRIVER } from './raft-module.js';

/** One server node of the simulated cluster, as its peers and clients reach it. */
export interface SimPeer {
  /** 1-based, stable across restarts. */
  readonly id: number;
  /** The node's name and host (`tso` alone, `n1`..`nN` in a cluster). */
  readonly name: string;
  /** The client-protocol endpoint `host:port` (what leader hints carry). */
  readonly endpoint: string;
  /** Where the node's peers reach it (a port of its own for driver-to-driver traffic). */
  readonly peerAddress: HostPort;
}

/** What a module's factory gets for one node's incarnation. */
export interface SimDriverContext {
  readonly disk: Disk;
  readonly transport: Transport;
  readonly clock: Clock;
  /** This incarnation's seeded stream as a `() => number` in [0, 1). */
  readonly random: () => number;
  /** The same stream, with integer and ratio draws. */
  readonly rng: Rng;
  /** This node. */
  readonly id: number;
  readonly name: string;
  readonly endpoint: string;
  readonly peerAddress: HostPort;
  /** Every server node of the run, this one included, in id order (with the membership nemesis: the bootstrap voters). */
  readonly peers: readonly SimPeer[];
  /**
   * The node is not one of the bootstrap `peers`: it starts as `serve raft --join` starts one,
   * empty and waiting to be added (the membership nemesis, raft-membership.ts). Absent: a peer.
   */
  readonly joining?: boolean;
  /** The directory the driver keeps its files in. */
  readonly dataDir: string;
  /** The seed's drawn options (timings a cluster driver may follow: `options.raft`). */
  readonly options: SimOptions;
  /** The planted bug of the run, if any (built-in drivers plant their own bugs). */
  readonly planted: PlantedBug | null;
  readonly incarnation: number;
  /** Appends an entry to the run's trace, attributed to this node. */
  trace(kind: string, details?: TraceDetails): void;
  /**
   * The driver stopped on an unrecoverable error (a storage failure): the process exits, as
   * `tsoracle serve` would, and its supervisor restarts it. Expected only after an injected disk
   * fault (a failed sync or a full disk) on this node; otherwise a `process_failed` violation.
   */
  fatal(error: unknown): void;
}

/** A consensus driver the swarm can run. */
export interface SimDriverModule {
  /** Shown in reports and recorded in traces. */
  readonly name: string;
  /** The server node counts it runs on (1, 3, 5). */
  readonly nodeCounts: readonly number[];
  /** Builds one node's driver; called at every start of the node's process. */
  createDriver(context: SimDriverContext): Promise<ConsensusDriver>;
  /** Optional per-run extras: a ground truth of its own, driver events, checkers, stats. */
  extras?(run: SimRunAccess): SimDriverExtras;
}

/** What the harness lets a module's extras see and do during one run. */
export interface SimRunAccess {
  readonly world: World;
  /**
   * The checkers (report a violation with `checker.report`). A module's own checker reports
   * `driver_invariant` with `details.checker` naming it (paxos-checkers.ts does).
   */
  readonly checker: Checker;
  readonly options: SimOptions;
  readonly planted: PlantedBug | null;
  /** The server nodes' names. */
  readonly names: readonly string[];
  livenessStarted(): boolean;
  /** Whether `incarnation` is the node's running (or paused) incarnation. */
  isCurrent(name: string, incarnation: number): boolean;
  /** Whether a disk fault of one of `families` fired on the node since `incarnation` started. */
  diskFaultFiredSince(name: string, incarnation: number, families: readonly string[]): boolean;
  /** A node won an election (cluster runs; only when the extras track leadership). */
  leaderElected(name: string): void;
  /** A node stopped leading (cluster runs; only when the extras track leadership). */
  leaderLost(name: string): void;
  /** Crash the node (a power loss unless `keepPageCache`) and restart it `downMs` later. */
  crashAndRestart(name: string, keepPageCache: boolean, downMs: number): void;
  /** The supervisor's restart delay (0 once the liveness phase started). */
  restartDelayMs(): number;
  /** Check convergence again (a node may have started to serve). */
  maybeConverge(): void;
}

/** What a module adds to the generic harness. Every member is optional. */
export interface SimDriverExtras {
  /** Replaces the module's factory for this run (to hand the driver the run's event hooks). */
  createDriver?(context: SimDriverContext): Promise<ConsensusDriver>;
  /**
   * The checkers' ground truth: what a value must be part of before a client may see it. Absent:
   * what the drivers acknowledged (claims.ts).
   */
  readonly groundTruth?: DurableSource;
  /** Every trace entry of the run (e.g. to mark the ground truth changed at a sync). */
  onTrace?(entry: TraceEntry): void;
  /** The node is crashing: the high-water its driver published as durable (checked now), if known. */
  publishedAtCrash?(name: string, driver: ConsensusDriver): number | null;
  /** A node crashed (after the world crashed it). */
  onCrash?(name: string): void;
  /** An exception escaped the node's program: true when it is an expected refusal, not a bug. */
  expectedFailure?(name: string, incarnation: number, error: unknown): boolean;
  /**
   * Whether the leader's elections come from these extras (`leaderElected`/`leaderLost`);
   * otherwise the harness follows the serving nodes' leadership events.
   */
  readonly tracksLeadership?: boolean;
  /** Cluster convergence: whether a node that serves holds what the liveness phase needs (a fresh lease). */
  servesSinceLiveness?(name: string, driver: ConsensusDriver, livenessMonoMs: number): boolean;
  /** The liveness phase started on a running node: its monotonic time then. */
  livenessMonoMs?(name: string, monoMs: number): void;
  /** A few words on a node for a stuck call's explanation (e.g. its Raft role). */
  describeNode?(name: string, driver: ConsensusDriver | null): string;
  /** After the run ended, before the final checks (`halted`: on a safety violation). */
  beforeFinal?(halted: boolean): void;
  /** Raft runs: the statistics of the report. */
  raftStats?(generic: Pick<RaftRunStats, 'nodes' | 'failovers' | 'heldDown'>): RaftRunStats;
}

/** A module is registered under its name; `file` and `raft` are built in. */
const registry = new Map<string, SimDriverModule>([
  [FILE_SIM_DRIVER.name, FILE_SIM_DRIVER],
  [RAFT_SIM_DRIVER.name, RAFT_SIM_DRIVER],
  [PAXOS_SIM_DRIVER.name, PAXOS_SIM_DRIVER],
  [ETCD_SIM_DRIVER.name, ETCD_SIM_DRIVER],
]);

/** The default driver of a node count: `file` for one node, `raft` for a cluster. */
export function defaultSimDriver(nodes: number): SimDriverModule {
  return nodes === 1 ? FILE_SIM_DRIVER : RAFT_SIM_DRIVER;
}

/** A registered (built-in or package) module by name. */
export function builtinSimDriver(name: string): SimDriverModule | undefined {
  return registry.get(name);
}

/** Registers a module (a driver of the package registers here; a user's is loaded by path). */
export function registerSimDriver(module: SimDriverModule): void {
  const problem = simDriverModuleProblem(module);
  if (problem !== null) throw new TypeError(problem);
  registry.set(module.name, module);
}

/** Why `value` is not a SimDriverModule (null when it is one). */
export function simDriverModuleProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'a driver module is an object { name, nodeCounts, createDriver }';
  const m = value as Partial<SimDriverModule>;
  if (typeof m.name !== 'string' || m.name.length === 0) return 'a driver module needs a non-empty `name`';
  if (!Array.isArray(m.nodeCounts) || m.nodeCounts.length === 0 || !m.nodeCounts.every((n) => n === 1 || n === 3 || n === 5)) {
    return `driver module ${m.name}: \`nodeCounts\` lists the node counts it runs on, each 1, 3 or 5`;
  }
  if (typeof m.createDriver !== 'function') return `driver module ${m.name}: \`createDriver(context)\` must be a function returning a ConsensusDriver`;
  if (m.extras !== undefined && typeof m.extras !== 'function') return `driver module ${m.name}: \`extras\` must be a function`;
  return null;
}

/** Identity for type inference: `export default defineSimDriver({ name, nodeCounts, createDriver })`. */
export function defineSimDriver(module: SimDriverModule): SimDriverModule {
  const problem = simDriverModuleProblem(module);
  if (problem !== null) throw new TypeError(problem);
  return module;
}
