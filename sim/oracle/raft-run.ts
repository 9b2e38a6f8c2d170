// A cluster of the oracle under simulation: 3 or 5 server nodes, each running a consensus driver
// (the product's raft driver by default — the lines `tsoracle serve raft` runs — or any
// SimDriverModule of several nodes: drivers.ts) under the product's serving node and protocol
// server, on the world's ports; client nodes running the real client library against every
// endpoint, a nemesis that injects the seed's fault families, a supervisor that restarts a server
// process that exits, and every timestamp and sequence checker of the single-node run
// (checkers.ts), across failovers, against the driver module's ground truth (for raft the
// committed state the Raft checkers build, raft-module.ts; for a module without one, what its
// drivers acknowledged, claims.ts). The module's extras add its own checkers (raft: election
// safety, log matching, leader completeness, state-machine safety). The cluster options the seed
// draws (`options.raft`: election timeout, drift bound, nodes held down...) are the cluster's
// timings whatever the driver: the liveness bound counts election timeouts.
//
// Phases (as the single-node run, cluster.ts):
//   1. safety: the workload runs while the nemesis strikes — in a cluster the process families
//      hit the leader half the time and a random node otherwise; on top come the Raft families
//      (the leader cut off from its peers, one-way links, a slow disk, a majority restarted),
//      crashes right behind a write (a WAL append torn by a power loss), and at elections a new
//      leader cut off or one of its followers powered off behind its first writes; clock drift
//      within the configured bound. Any safety violation halts the run.
//   2. liveness: the faults stop, a majority is healed (the options may keep a minority down for
//      the whole phase: the cluster must live with it). A leader must serve, and every call made
//      before must end, within the bound: spikes drained + RAFT_LIVENESS_ELECTION_TIMEOUTS
//      election timeouts + the calls' deadlines + SERVER_RECOVERY_MS. Then every new call
//      must succeed (inside the envelope) or at least make progress.
//   3. the workload stops, the calls drain; the logs are compared pairwise and the final checks
//      run on the committed state.
//
// Expected process exits (not violations): a node that refuses to start because a read of its
// records was corrupted or a sync failed (DRIVER_PERMANENT, DiskError), a serving node that
// poisoned itself on a failed durable write after an injected disk fault, and (raft) a node whose
// driver stopped on a storage failure while persisting (`fatal`): the supervisor restarts them,
// as systemd would. Any other exception escaping the product is a `process_failed` violation.

import { AssertionError, unreachable } from '../../core/assert.js';
import { TsoError } from '../../core/errors.js';
import type { ConsensusDriver } from '../../drivers/driver.js';
import { type Clock, DiskError } from '../../drivers/ports.js';
import { ProtocolServer } from '../../drivers/server/protocol-server.js';
import { ServingNode, type ServingEvent } from '../../drivers/server/serving-node.js';
import type { DiskFaults } from '../disk.js';
import { DISK_SECTOR_BYTES } from '../limits.js';
import type { NodePorts, Program } from '../process.js';
import type { Rng } from '../random.js';
import type { TraceDetails, TraceEntry } from '../trace.js';
import { World } from '../world.js';
import { Checker } from './checkers.js';
import { ClaimsView } from './claims.js';
import type { SimDriverContext, SimDriverExtras, SimDriverModule, SimPeer, SimRunAccess } from './drivers.js';
import type { DurableSource } from './durable.js';
import { diskFaultsOf, driverOfRun, finishReport, planOfReport, planOfRun, netFaultsOf, recordServingEvent, runToEnd, type RunSeedOptions, scheduleNemesis, type SeedReport, specTraceDetails } from './run-shared.js';
import { describeOp, History, type Op } from './history.js';
import { livenessEnvelope, type NemesisFamily, type RaftRunOptions, type RunSpec, type SimOptions, valueChecksSound } from './options.js';
import type { PlanSource } from './capsule-plan.js';
import { ClientWorkload, DEADLINE_SLACK_MS, errorText } from './workload.js';
import { RaftDriver } from '../../drivers/raft/raft-driver.js';
import { MembershipNemesis } from './raft-membership.js';
import { votersOf } from '../../core/raft/index.js';

export const RAFT_SERVICE_PORT = 50551;
export const RAFT_PEER_PORT = 50552;
export const RAFT_DATA_DIR = '/data';
/** Election timeouts the liveness phase allows for a leader to be elected and serve. */
export const RAFT_LIVENESS_ELECTION_TIMEOUTS = 10;
/** Time the liveness phase allows for restarting nodes, on top of the calls' deadlines. */
export const RAFT_SERVER_RECOVERY_MS = 2_000;
/** After convergence the workload goes on at least this long (every call of it must succeed). */
export const RAFT_CONVERGED_WORKLOAD_MS_MIN = 300;
/** A livelock bound: a healthy cluster run takes a few hundred thousand to a few million events. */
export const RAFT_RUN_EVENTS_MAX = 20_000_000;
/** A slow disk answers every operation this late (µs range). */
const SLOW_DISK_EXTRA_US: readonly [number, number] = [2_000, 50_000];

/** Disk operations that leave unsynced data or directory entries behind them. */
const WRITE_KINDS: ReadonlySet<string> = new Set(['disk.write', 'disk.writeFile', 'disk.append', 'disk.truncate', 'disk.rename']);

interface ServerState {
  readonly incarnation: number;
  readonly clock: Clock;
  driver: ConsensusDriver | null;
  node: ServingNode | null;
  /** The last leadership state its serving node reported (for a stuck call's explanation). */
  leadership: string;
  /** This incarnation's monotonic time when the liveness phase began (-Infinity if it started later). */
  livenessMonoMs: number;
  /** Disk fault counters when this incarnation started (did an injected fault make it exit?). */
  readonly faultsAtStart: Readonly<Record<string, number>>;
}

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
  readonly failovers: ReadonlyArray<{ readonly electMs: number | null; readonly serveMs: number | null }>;
  /** Nodes kept down through the liveness phase. */
  readonly heldDown: readonly string[];
  /** Snapshots a node took that a leader's InstallSnapshot overtook while they were written. */
  readonly snapshotsSuperseded: number;
  /** The membership nemesis's work (raft-membership.ts), when it ran. */
  readonly membership?: MembershipNemesis['stats'];
}

class ClusterRun {
  readonly options: SimOptions;
  readonly raft: RaftRunOptions;
  readonly world: World;
  readonly history = new History();
  readonly checker: Checker;
  private readonly driverModule: SimDriverModule;
  private readonly extras: SimDriverExtras;
  /** Set when the module brings no ground truth of its own: its drivers' claims. */
  private readonly claims: ClaimsView | null;
  private readonly clients: ClientWorkload;
  readonly names: string[];
  private readonly peers: readonly SimPeer[];
  /** Disk fault counters when each incarnation (`name#n`) started. */
  private readonly faultsAtStartOf = new Map<string, Readonly<Record<string, number>>>();
  private readonly servers = new Map<string, ServerState>();
  private readonly strikes: Record<string, number> = {};
  /** Where the strikes and calls come from: drawn from the seed, or a plan (capsule-plan.ts). */
  private readonly planSource: PlanSource;
  private readonly supervisorRng: Rng;
  private readonly isolateRng: Rng;
  private readonly followerPowerLossRng: Rng;
  private readonly baseDiskFaults: DiskFaults;
  private livenessStartMs: number | null = null;
  private convergedMs: number | null = null;
  private preLivenessPending = 0;
  private hardEndMs: number;
  /**
   * Crashes armed to strike right after one of the node's next writes (`writesLeft` = 1: the
   * next). With `crossingWritesLeft` > 0, only an append that crosses a sector boundary counts,
   * until that many writes went by without one (options.rare.crashAwaitsSectorCrossing).
   */
  private readonly crashAtNextWrite = new Map<string, { readonly keepPageCache: boolean; readonly downMs: number; writesLeft: number; crossingWritesLeft: number }>();
  /** Nodes the liveness phase keeps down. */
  private readonly heldDown = new Set<string>();
  /** Nodes that refused to start on records bit rot or a misdirected write damaged. */
  private readonly refusedOnDamage = new Set<string>();
  private readonly failovers: Failover[] = [];
  /** The node that last became leader, and its term (the nemesis's "leader"). */
  private leaderName: string | null = null;
  /** The membership nemesis (options.membership), or null. */
  private readonly membership: MembershipNemesis | null = null;
  /** Nodes the supervisor does not start: spares not added yet, removed nodes shut down for good. */
  private readonly offline = new Set<string>();

  constructor(
    readonly spec: RunSpec,
    runOptions: RunSeedOptions,
  ) {
    const planned = planOfRun(spec, runOptions);
    this.options = planned.options;
    this.planSource = planned.source;
    const o = this.options;
    const raft = o.raft;
    if (raft === null) throw new AssertionError('raft_run_has_raft_options');
    this.raft = raft;
    this.world = new World({
      seed: spec.seed,
      trace: { keep: runOptions.keepTrace === true },
      onUncaught: 'crash-node',
      network: { faults: netFaultsOf(o.net) },
    });
    this.driverModule = driverOfRun(spec, runOptions);
    this.world.record('sim.spec', specTraceDetails(spec));
    this.world.record('sim.options', o as unknown as TraceDetails);
    this.supervisorRng = this.world.rng.fork('supervisor');
    this.isolateRng = this.world.rng.fork('nemesis/isolateNewLeader');
    this.followerPowerLossRng = this.world.rng.fork('nemesis/followerPowerLoss');
    this.baseDiskFaults = diskFaultsOf(o.disk);
    const bootstrap = Array.from({ length: raft.nodes }, (_, i) => `n${i + 1}`);
    const spares = Array.from({ length: o.membership?.spareNodes ?? 0 }, (_, i) => `n${raft.nodes + i + 1}`);
    for (const name of spares) this.offline.add(name);
    // With the membership nemesis the spares are nodes of the run too (the nemesis strikes them
    // once they run); the peers stay the bootstrap voters, as `--peers` names them.
    this.names = [...bootstrap, ...spares];
    this.peers = bootstrap.map((name, i) => ({ id: i + 1, name, endpoint: `${name}:${RAFT_SERVICE_PORT}`, peerAddress: { host: name, port: RAFT_PEER_PORT } }));
    this.names.forEach((name, i) => {
      this.world.addNode({
        name,
        program: this.serverProgram(name, i + 1),
        start: false,
        disk: { faults: this.baseDiskFaults },
        clock: { driftPpm: raft.initialDriftPpm[i] ?? 0 },
      });
    });
    const haltOnViolation = runOptions.haltOnViolation !== false;
    this.extras = this.driverModule.extras?.(this.runAccess()) ?? {};
    this.claims = this.extras.groundTruth === undefined ? new ClaimsView((kind, message, details) => this.checker.report(kind, message, details)) : null;
    const groundTruth: DurableSource = this.extras.groundTruth ?? (this.claims as ClaimsView);
    this.checker = new Checker(this.history, groundTruth, () => this.world.nowMs, {
      valueChecks: valueChecksSound(o),
      durableTrusted: () => this.names.every((name) => !this.world.node(name).disk.damaged),
      publishedMonotonic: false,
      onSafetyViolation: (v) => {
        this.world.record('check.violation', { kind: v.kind, message: v.message });
        if (haltOnViolation) this.world.halt();
      },
    });
    this.history.observer = {
      onComplete: (op) => {
        this.checker.onComplete(op);
        if (op.phase === 'safety' && this.livenessStartMs !== null) {
          this.preLivenessPending--;
          this.maybeConverge();
        }
      },
    };
    this.world.trace.onEntry((entry) => this.onTrace(entry));
    this.clients = new ClientWorkload({
      world: this.world,
      plan: this.planSource,
      history: this.history,
      checker: this.checker,
      options: o,
      // The clients know the bootstrap voters only; they reach added nodes through leader hints.
      endpoints: this.peers.map((peer) => peer.endpoint),
    });
    // Until the run converges (or its bound passes) the callers go on: a slow election must not
    // end the run before the liveness check can tell whether the cluster came back.
    this.clients.holdOpen = () => this.livenessStartMs !== null && this.convergedMs === null && this.world.nowMs < this.convergeByMs();
    if (o.membership !== undefined) {
      this.membership = new MembershipNemesis(
        {
          world: this.world,
          bootstrap,
          spares,
          leader: () => this.raftLeader(),
          bringUp: (name) => {
            this.offline.delete(name);
            this.startServerIfDown(name);
          },
          decommission: (name) => {
            this.offline.add(name);
            this.crashServer(name, true);
          },
          inSafety: () => this.livenessStartMs === null,
          addressesOf: (name) => ({ raft: `${name}:${RAFT_PEER_PORT}`, service: `${name}:${RAFT_SERVICE_PORT}`, admin: '' }),
          report: (message, details) => this.checker.report('raft_config_change_unsafe', message, details),
        },
        o.membership,
        this.world.rng.fork('nemesis/membership'),
      );
    }
    const c = o.client;
    this.hardEndMs = this.convergeByMs() + o.phases.livenessMs + c.overallTimeoutMs + c.attemptTimeoutMs + DEADLINE_SLACK_MS;
  }

  private convergeByMs(): number {
    const c = this.options.client;
    return (
      this.options.phases.safetyMs +
      this.spikeDrainMs +
      RAFT_LIVENESS_ELECTION_TIMEOUTS * this.raft.electionTimeoutMs +
      c.overallTimeoutMs +
      c.attemptTimeoutMs +
      RAFT_SERVER_RECOVERY_MS
    );
  }

  /** What the driver module's extras may see and do. */
  private runAccess(): SimRunAccess {
    const run = this;
    return {
      world: this.world,
      get checker() {
        return run.checker;
      },
      options: this.options,
      planted: this.spec.planted,
      names: this.names,
      livenessStarted: () => this.livenessStartMs !== null,
      isCurrent: (name, incarnation) => this.isCurrentIncarnation(name, incarnation),
      diskFaultFiredSince: (name, incarnation, families) => {
        const counts = this.world.node(name).disk.faultCounts() as unknown as Record<string, number>;
        const atStart = this.faultsAtStartOf.get(`${name}#${incarnation}`) ?? {};
        return families.some((f) => (counts[f] ?? 0) > (atStart[f] ?? 0));
      },
      leaderElected: (name) => this.leaderElected(name),
      leaderLost: (name) => this.leaderLost(name),
      crashAndRestart: (name, keepPageCache, downMs) => this.crashAndRestart(name, keepPageCache, downMs),
      restartDelayMs: () => this.restartDelayMs(),
      maybeConverge: () => this.maybeConverge(),
    };
  }

  // --- the server program ------------------------------------------------------------------------

  private serverProgram(name: string, id: number): Program {
    const planted = this.spec.planted;
    return async (ports: NodePorts) => {
      const state: ServerState = {
        incarnation: ports.incarnation,
        clock: ports.clock,
        driver: null,
        node: null,
        leadership: 'unknown',
        livenessMonoMs: -Infinity,
        faultsAtStart: { ...this.world.node(name).disk.faultCounts() },
      };
      this.servers.set(name, state);
      this.faultsAtStartOf.set(`${name}#${ports.incarnation}`, state.faultsAtStart);
      const joining = id > this.peers.length;
      const peer: SimPeer = joining ? { id, name, endpoint: `${name}:${RAFT_SERVICE_PORT}`, peerAddress: { host: name, port: RAFT_PEER_PORT } } : (this.peers[id - 1] as SimPeer);
      const context: SimDriverContext = {
        disk: ports.disk,
        transport: ports.transport,
        clock: ports.clock,
        random: ports.random,
        rng: ports.rng,
        id,
        name,
        endpoint: peer.endpoint,
        peerAddress: peer.peerAddress,
        peers: this.peers,
        ...(joining ? { joining: true } : {}),
        dataDir: RAFT_DATA_DIR,
        options: this.options,
        planted,
        incarnation: ports.incarnation,
        trace: (kind, details) => ports.trace(kind, details),
        fatal: (error) => this.onFatal(name, state, error),
      };
      const built = await (this.extras.createDriver !== undefined ? this.extras.createDriver(context) : this.driverModule.createDriver(context));
      const driver = this.claims === null ? built : this.claims.witness(`${name}#${ports.incarnation}`, built);
      state.driver = driver;
      const node = new ServingNode({
        driver,
        clock: ports.clock,
        windowAheadMs: this.options.server.windowAheadMs,
        failoverAdvanceMs: this.options.server.failoverAdvanceMs,
        faults: { serveBeforePersist: planted === 'serveBeforePersist', fenceAtPrior: planted === 'fenceAtPrior', frontierIgnoresSupersededLeases: planted === 'frontierIgnoresSupersededLeases' },
        onEvent: (e) => this.onServingEvent(name, state, ports, e),
      });
      state.node = node;
      node.start();
      const protocol = await ProtocolServer.start({ node, transport: ports.transport, clock: ports.clock, listen: { host: ports.host, port: RAFT_SERVICE_PORT } });
      return {
        stop: async () => {
          await protocol.close(100);
          await node.close();
          await driver.close();
        },
      };
    };
  }

  private isCurrent(name: string, state: ServerState): boolean {
    return this.isCurrentIncarnation(name, state.incarnation);
  }

  private isCurrentIncarnation(name: string, incarnation: number): boolean {
    const node = this.world.node(name);
    return node.status !== 'down' && node.incarnations === incarnation;
  }

  /** A node won an election: the nemesis's leader; the election-time faults may strike it. */
  private leaderElected(name: string): void {
    this.leaderName = name;
    this.membership?.onLeaderElected();
    this.maybeIsolateNewLeader(name);
    this.maybeFollowerPowerLoss(name);
    for (const f of this.failovers) if (f.electedMs === null) f.electedMs = this.world.nowMs;
  }

  /** The running (not paused) raft driver that leads the highest term: the one an operator's admin call reaches. */
  private raftLeader(): { readonly name: string; readonly driver: RaftDriver } | null {
    let best: { readonly name: string; readonly driver: RaftDriver; readonly term: number } | null = null;
    for (const [name, state] of this.servers) {
      const driver = state.driver;
      if (!(driver instanceof RaftDriver) || !this.isCurrent(name, state) || this.world.node(name).status !== 'running') continue;
      const status = driver.status();
      if (status.role === 'leader' && (best === null || status.term > best.term)) best = { name, driver, term: status.term };
    }
    return best;
  }

  private leaderLost(name: string): void {
    if (this.leaderName === name) this.leaderName = null;
  }

  private onServingEvent(name: string, state: ServerState, ports: NodePorts, e: ServingEvent): void {
    recordServingEvent(ports, e, this.checker);
    if (e.kind === 'leadership') {
      state.leadership = e.state.kind;
      // A driver whose module does not report elections itself: its leadership events are them.
      if (this.extras.tracksLeadership !== true && this.isCurrent(name, state)) {
        if (e.state.kind === 'leader') this.leaderElected(name);
        else this.leaderLost(name);
      }
    }
    if (e.kind === 'serving') {
      for (const f of this.failovers) if (f.servingMs === null) f.servingMs = this.world.nowMs;
      this.maybeConverge();
    } else if (e.kind === 'leadership' && e.state.kind !== 'leader') {
      this.maybeConverge();
    }
  }

  /** The `isolateNewLeader` nemesis: a new leader cut off from its peers a few ms after winning. */
  private maybeIsolateNewLeader(name: string): void {
    if (this.livenessStartMs !== null || !this.isolateRng.ratio(this.raft.isolateNewLeader)) return;
    const delayMs = this.isolateRng.pick(this.raft.isolateNewLeaderDelayChoicesMs);
    const forMs = this.isolateRng.int(this.raft.isolateNewLeaderForMs[0], this.raft.isolateNewLeaderForMs[1]);
    const others = this.names.filter((n) => n !== name);
    this.world.after(delayMs, () => {
      if (this.livenessStartMs !== null) return;
      this.strikes.isolateNewLeader = (this.strikes.isolateNewLeader ?? 0) + 1;
      this.world.record('nemesis', { family: 'isolateNewLeader', node: name, forMs });
      this.world.partition([name], others);
      this.world.after(forMs, () => this.world.heal([name], others), 'nemesis.heal');
    }, 'nemesis.isolate_new_leader');
  }

  /**
   * The `followerPowerLoss` nemesis: a follower of a new leader loses power right behind one of
   * its next writes, before that write's sync: the vote it gave survives (synced before it was
   * sent) but the new leader's first entries may not. The writes of a term's first moments are
   * where a forgotten vote or an entry committed by counting an older term's replicas show.
   */
  private maybeFollowerPowerLoss(leader: string): void {
    const rng = this.followerPowerLossRng;
    if (this.livenessStartMs !== null || !rng.ratio(this.raft.followerPowerLoss)) return;
    const followers = this.names.filter((n) => n !== leader && this.world.node(n).status !== 'down' && !this.crashAtNextWrite.has(n));
    if (followers.length === 0) return;
    const target = rng.pick(followers);
    const writesLeft = rng.int(this.raft.followerPowerLossWriteNth[0], this.raft.followerPowerLossWriteNth[1]);
    const downMs = rng.int(this.raft.followerPowerLossDownMs[0], this.raft.followerPowerLossDownMs[1]);
    this.strikes.followerPowerLoss = (this.strikes.followerPowerLoss ?? 0) + 1;
    this.world.record('nemesis', { family: 'followerPowerLoss', node: target, writesLeft, downMs });
    const crossingWritesLeft = this.options.rare.crashAwaitsSectorCrossing?.writesMax ?? 0;
    this.crashAtNextWrite.set(target, { keepPageCache: false, downMs, writesLeft, crossingWritesLeft });
  }

  /** A driver stopped on a storage failure (`context.fatal`): expected when an injected disk fault fired. */
  private onFatal(name: string, state: ServerState, error: unknown): void {
    const counts = this.world.node(name).disk.faultCounts();
    const fired = (['fsyncFail', 'writeFull'] as const).some((f) => counts[f] > (state.faultsAtStart[f] ?? 0));
    if (!fired) this.checker.report('process_failed', `${name}#${state.incarnation}: the driver stopped without an injected disk fault: ${errorText(error)}`);
    this.world.record('driver.fatal', { node: `${name}#${state.incarnation}`, error: errorText(error) });
    // As `tsoracle serve` exits on a fatal storage error and its supervisor restarts it.
    this.world.after(0, () => {
      if (this.isCurrent(name, state)) this.crashAndRestart(name, true, this.restartDelayMs());
    }, 'driver.fatal_restart');
  }

  private restartDelayMs(): number {
    return this.livenessStartMs !== null ? 0 : this.supervisorRng.int(0, this.options.server.restartDelayMsMax);
  }

  // --- process control ---------------------------------------------------------------------------

  private startServerIfDown(name: string): void {
    if (this.world.node(name).status !== 'down' || this.heldDown.has(name) || this.offline.has(name)) return;
    this.history.serverStarts++;
    this.world.start(name);
  }

  private crashServer(name: string, keepPageCache: boolean): void {
    const node = this.world.node(name);
    if (node.status === 'down') return;
    const servingLeader = this.servers.get(name)?.node?.isServing === true || this.leaderName === name;
    if (servingLeader && this.livenessStartMs === null) this.failovers.push({ leader: name, diedMs: this.world.nowMs, electedMs: null, servingMs: null });
    if (this.leaderName === name) this.leaderName = null;
    this.world.crash(name, { keepPageCache });
    this.servers.delete(name);
    this.crashAtNextWrite.delete(name);
    this.extras.onCrash?.(name);
    this.checker.checkpoint();
  }

  private crashAndRestart(name: string, keepPageCache: boolean, downMs: number): void {
    if (this.world.node(name).status === 'down') return;
    this.crashServer(name, keepPageCache);
    this.world.after(downMs, () => this.startServerIfDown(name), 'nemesis.restart');
  }

  private onTrace(entry: TraceEntry): void {
    const kind = entry.kind;
    if (this.crashAtNextWrite.size > 0 && WRITE_KINDS.has(kind) && entry.details?.error === undefined) {
      const name = entry.node.slice(0, entry.node.indexOf('#'));
      const armed = this.crashAtNextWrite.get(name);
      if (armed !== undefined && armed.crossingWritesLeft > 0 && !this.crossesSector(name, entry)) armed.crossingWritesLeft--;
      else if (armed !== undefined && --armed.writesLeft === 0) {
        this.crashAtNextWrite.delete(name);
        // The crash runs as the next event, before the write's sync can complete.
        this.world.after(0, () => {
          if (this.livenessStartMs === null) this.crashAndRestart(name, armed.keepPageCache, armed.downMs);
        }, 'nemesis.crash_after_write');
      }
    }
    this.extras.onTrace?.(entry);
    if (kind === 'process.error') this.onProcessError(entry.node);
    else if (kind === 'process.failed') this.onProcessExit(entry.node);
  }

  private onProcessError(label: string): void {
    const failure = this.world.failures[this.world.failures.length - 1];
    if (failure === undefined || label !== `${failure.node}#${failure.incarnation}`) throw new AssertionError('failure_matches_trace', label);
    const error = failure.error;
    const state = this.servers.get(failure.node);
    if (this.names.includes(failure.node)) {
      const counts = this.world.node(failure.node).disk.faultCounts();
      const firedSince = (family: keyof typeof counts): boolean => counts[family] > (state?.faultsAtStart[family] ?? 0);
      if (this.extras.expectedFailure?.(failure.node, failure.incarnation, error) === true) return;
      // Refused to start: a failed read or sync of its records (the supervisor tries again).
      if (error instanceof DiskError) return;
      if (error instanceof TsoError && error.code === 'DRIVER_PERMANENT' && (firedSince('readCorrupt') || firedSince('fsyncFail') || firedSince('writeFull') || firedSince('truncateFail'))) return;
      // Refused to start on records bit rot or a misdirected write damaged: correct (the node
      // has no way to re-fetch them; it stays out, and checkLiveness needs a quorum without it).
      if (error instanceof TsoError && error.code === 'DRIVER_PERMANENT' && this.world.node(failure.node).disk.damaged) {
        this.refusedOnDamage.add(failure.node);
        this.world.record('server.refused_damaged', { node: label, error: errorText(error) });
        return;
      }
      // A durable write failed during a fence: the serving node poisons itself (`tsoracle serve` exits).
      if (error instanceof Error && error.message.startsWith('serving node poisoned') && (firedSince('fsyncFail') || firedSince('writeFull'))) return;
    }
    this.checker.report('process_failed', `${label} failed: ${errorText(error)}`, { node: failure.node, incarnation: failure.incarnation });
  }

  private onProcessExit(label: string): void {
    const name = label.slice(0, label.indexOf('#'));
    if (this.names.includes(name)) {
      this.servers.delete(name);
      if (this.leaderName === name) this.leaderName = null;
      this.world.after(this.restartDelayMs(), () => this.startServerIfDown(name), 'supervisor.restart');
      return;
    }
    this.clients.onExit(name);
  }

  // --- nemesis -----------------------------------------------------------------------------------

  /** Whether a write just done (its trace entry) was an append over a sector boundary of its file. */
  private crossesSector(name: string, entry: TraceEntry): boolean {
    const path = entry.details?.path;
    const bytes = entry.details?.bytes;
    if (entry.kind !== 'disk.append' || typeof path !== 'string' || typeof bytes !== 'number' || bytes === 0) return false;
    const end = this.world.node(name).disk.effectSize(path);
    if (end === null) return false;
    return Math.floor((end - bytes) / DISK_SECTOR_BYTES) < Math.floor((end - 1) / DISK_SECTOR_BYTES);
  }

  /** The node the nemesis calls the leader: the last to win an election, if it still runs. */
  private currentLeader(): string | null {
    const name = this.leaderName;
    return name !== null && this.world.node(name).status !== 'down' ? name : null;
  }

  /** Half the strikes go to the leader (when there is one), the others to any node. */
  private pickTarget(rng: Rng): string {
    const leader = this.currentLeader();
    if (leader !== null && rng.chance(1, 2)) return leader;
    return rng.pick(this.names);
  }

  private strike(family: NemesisFamily, rng: Rng, size: number): void {
    this.world.record('nemesis', { family, size });
    switch (family) {
      case 'serverCrash':
      case 'serverKill': {
        const target = this.pickTarget(rng);
        if (this.world.node(target).status === 'down') return;
        const keepPageCache = family === 'serverKill';
        // Half the strikes wait for the node's next write (a WAL append, a snapshot) and crash
        // right behind it, before its sync: where torn records and lost renames live.
        if (rng.ratio(this.raft.crashAfterWrite)) {
          const crossingWritesLeft = this.options.rare.crashAwaitsSectorCrossing?.writesMax ?? 0;
          this.crashAtNextWrite.set(target, { keepPageCache, downMs: size, writesLeft: 1, crossingWritesLeft });
        }
        else this.crashAndRestart(target, keepPageCache, size);
        return;
      }
      case 'serverPause': {
        const target = this.pickTarget(rng);
        const status = this.world.node(target).status;
        if (status === 'running' || status === 'starting') this.world.pause(target, size);
        return;
      }
      case 'clockStepBack':
        this.world.clockStep(rng.pick(this.names), -size);
        return;
      case 'clockStepForward':
        this.world.clockStep(rng.pick(this.names), size);
        return;
      case 'clockStall':
        this.world.clockStall(rng.pick(this.names), size);
        return;
      case 'clockDrift':
        // Within the configured bound (drawOptions caps the size): the lease assumption holds.
        this.world.clockDrift(rng.pick(this.names), rng.chance(1, 2) ? size : -size);
        return;
      case 'partition': {
        // A random split of the nodes; each client lands on one side. One way a third of the time.
        const shuffled = rng.shuffle([...this.names]);
        const cut = rng.int(1, this.names.length - 1);
        const sideA = [...shuffled.slice(0, cut)];
        const sideB = [...shuffled.slice(cut)];
        for (const client of this.clients.clientNames) (rng.chance(1, 2) ? sideA : sideB).push(client);
        this.world.partition(sideA, sideB, { oneWay: rng.chance(1, 3) });
        this.world.after(size, () => this.world.heal(sideA, sideB), 'nemesis.heal');
        return;
      }
      case 'clientCrash': {
        const client = rng.pick(this.clients.clientNames);
        this.clients.crash(client);
        this.world.after(size, () => this.clients.startIfDown(client), 'nemesis.restart');
        return;
      }
      case 'leaderPartition': {
        const leader = this.currentLeader() ?? rng.pick(this.names);
        if (this.raft.adversarialDrift) {
          // The lease's worst case within the drift: the cut-off leader's clock slow, the rest fast.
          for (const name of this.names) this.world.clockDrift(name, name === leader ? -this.raft.driftPpmMax : this.raft.driftPpmMax);
        }
        // Cut off from every peer and from about half the clients: the others keep calling it,
        // the cut ones move to whoever leads next — both leaders have callers.
        const others = [...this.names.filter((n) => n !== leader), ...this.clients.clientNames.filter(() => rng.chance(1, 2))];
        this.world.partition([leader], others);
        this.world.after(size, () => this.world.heal([leader], others), 'nemesis.heal');
        return;
      }
      case 'peerLinkOneWay': {
        const [from, to] = rng.shuffle([...this.names]) as [string, string];
        this.world.partition([from], [to], { oneWay: true });
        this.world.after(size, () => this.world.heal([from], [to]), 'nemesis.heal');
        return;
      }
      case 'slowDisk': {
        const target = rng.pick(this.names);
        const disk = this.world.node(target).disk;
        disk.setFaults({ ...this.baseDiskFaults, latencySpike: { rate: [1, 1], extraUs: { minUs: SLOW_DISK_EXTRA_US[0], maxUs: SLOW_DISK_EXTRA_US[1] } } });
        this.world.after(size, () => {
          if (this.livenessStartMs === null) disk.setFaults(this.baseDiskFaults);
        }, 'nemesis.disk_normal');
        return;
      }
      case 'majorityRestart': {
        const majority = rng.shuffle([...this.names]).slice(0, Math.floor(this.names.length / 2) + 1);
        for (const name of majority) this.crashAndRestart(name, rng.chance(1, 2), rng.int(0, size));
        return;
      }
      default:
        unreachable(family);
    }
  }

  // --- phases ------------------------------------------------------------------------------------

  private startLiveness(): void {
    this.livenessStartMs = this.world.nowMs;
    this.crashAtNextWrite.clear();
    this.history.phase = 'liveness';
    this.preLivenessPending = this.history.pending;
    this.world.network.setFaults({});
    for (const name of this.names) this.world.node(name).disk.setFaults({});
    this.world.heal();
    for (const name of [...this.names, ...this.clients.clientNames]) this.world.resume(name);
    for (const [name, state] of this.servers) if (this.isCurrent(name, state)) state.livenessMonoMs = state.clock.monotonicMs();
    // A minority may stay down for the whole phase: a cluster must serve with it gone. (Not with
    // the membership nemesis: which nodes are voters is the leader's to say, and a change may be
    // in flight; the nemesis keeps the removed nodes down instead.)
    const rng = this.world.rng.fork('liveness');
    for (const name of this.membership === null ? rng.shuffle([...this.names]).slice(0, this.raft.livenessDownNodes) : []) {
      this.heldDown.add(name);
      if (this.world.node(name).status !== 'down') this.crashServer(name, rng.chance(1, 2));
    }
    this.world.record('phase.liveness', { pendingCalls: this.preLivenessPending, heldDown: [...this.heldDown] });
    for (const name of this.names) this.startServerIfDown(name);
    for (const name of this.clients.clientNames) this.clients.startIfDown(name);
    this.maybeConverge();
    if (this.spikeDrainMs > 0) this.world.after(this.spikeDrainMs, () => this.maybeConverge(), 'phase.spikes_drained');
    // Convergence needs a serving leader, which may come from a fence with no other event after it.
    const pollMs = Math.max(1, Math.floor(this.raft.electionTimeoutMs / 2));
    const poll = (): void => {
      if (this.convergedMs !== null || this.world.nowMs > this.hardEndMs) return;
      this.maybeConverge();
      this.world.after(pollMs, poll, 'phase.converge_poll');
    };
    this.world.after(pollMs, poll, 'phase.converge_poll');
  }

  private get spikeDrainMs(): number {
    const disk = Math.max(this.options.disk.diskLatency?.extraUs?.[1] ?? 0, this.options.nemesis.slowDisk !== undefined ? SLOW_DISK_EXTRA_US[1] : 0);
    const net = this.options.net.netLatency?.extraUs?.[1] ?? 0;
    return Math.ceil(Math.max(disk, net) / 1000);
  }

  /**
   * The one node serving now: running, its serving node serving, its driver holding a lease from
   * a round a quorum acknowledged after the faults stopped (a lease from before may outlive the
   * links the leader needs to commit, which come back only after a reconnect).
   */
  private servingNode(): string | null {
    const serving: string[] = [];
    for (const [name, state] of this.servers) {
      const status = this.world.node(name).status;
      const driver = state.driver;
      if (!this.isCurrent(name, state) || status === 'paused' || status === 'starting' || driver === null) continue;
      if (state.node?.isServing !== true || !(driver.hasLease?.() ?? true)) continue;
      if (this.extras.servesSinceLiveness?.(name, driver, state.livenessMonoMs) ?? true) serving.push(name);
    }
    return serving.length === 1 ? (serving[0] as string) : null;
  }

  private maybeConverge(): void {
    if (this.livenessStartMs === null || this.convergedMs !== null || this.preLivenessPending > 0) return;
    if (this.world.nowMs < this.livenessStartMs + this.spikeDrainMs) return;
    if (this.servingNode() === null) return;
    this.convergedMs = this.world.nowMs;
    this.history.phase = 'converged';
    this.clients.workloadEndMs = Math.max(this.clients.workloadEndMs, this.convergedMs + RAFT_CONVERGED_WORKLOAD_MS_MIN);
    this.hardEndMs = Math.max(this.hardEndMs, this.clients.workloadEndMs + this.options.client.overallTimeoutMs + this.options.client.attemptTimeoutMs + DEADLINE_SLACK_MS);
    this.world.record('phase.converged');
  }

  // --- the run -----------------------------------------------------------------------------------

  async run(): Promise<SeedReport> {
    const wallStartMs = performance.now();
    for (const name of this.names) this.startServerIfDown(name);
    this.clients.startAll();
    scheduleNemesis(this.world, this.options, this.planSource, this.strikes, () => this.livenessStartMs !== null, (family, rng, size) => this.strike(family, rng, size));
    this.world.at(this.options.phases.safetyMs, () => this.startLiveness(), 'phase.liveness');
    this.membership?.start();
    const { halted, eventBound } = await runToEnd(this.world, this.checker, {
      hardEndMs: () => this.hardEndMs,
      done: () => this.world.nowMs >= this.clients.workloadEndMs && !this.clients.holdOpen() && this.history.pendingAll === 0,
      eventsMax: RAFT_RUN_EVENTS_MAX,
    });
    this.extras.beforeFinal?.(halted);
    if (!halted && !eventBound) this.checkLiveness();
    this.checker.final();
    const diskFaults: Record<string, number> = {};
    for (const name of this.names) for (const [fault, n] of Object.entries(this.world.node(name).disk.faultCounts())) diskFaults[fault] = (diskFaults[fault] ?? 0) + n;
    const raftStats: RaftRunStats | undefined = this.extras.raftStats?.({
      nodes: this.raft.nodes,
      failovers: this.failovers.map((f) => ({
        electMs: f.electedMs === null ? null : f.electedMs - f.diedMs,
        serveMs: f.servingMs === null ? null : f.servingMs - f.diedMs,
      })),
      heldDown: [...this.heldDown],
    });
    const raftReport = raftStats === undefined ? undefined : this.membership === null ? raftStats : { ...raftStats, membership: this.membership.stats };
    return finishReport(this.world, this.history, this.checker, {
      spec: this.spec,
      options: this.options,
      wallStartMs,
      strikes: this.strikes,
      plan: planOfReport(this.options, this.planSource),
      diskFaults: diskFaults as SeedReport['stats']['diskFaults'],
      livenessStartMs: this.livenessStartMs,
      convergedMs: this.convergedMs,
      valueChecks: valueChecksSound(this.options),
      ...(raftReport === undefined ? {} : { raft: raftReport }),
    });
  }

  private whyStuck(op: Op): string {
    const nodes = this.names
      .map((name) => {
        const state = this.servers.get(name);
        const role = this.roleOf(name, state);
        return `${name} ${this.world.node(name).status}/${role}${state?.node?.isServing === true ? '/serving' : ''}`;
      })
      .join(', ');
    return `nodes: ${nodes}; client ${op.session.node}#${op.session.incarnation} last: ${ClientWorkload.lastEventOf(op)}`;
  }

  /**
   * The voters a quorum is counted among: every server, or under the membership nemesis the
   * voters of the newest membership a current Raft node holds (a removed node no longer counts,
   * an added one does).
   */
  private quorumVoters(): readonly string[] {
    if (this.membership === null) return this.names;
    let newest: { readonly index: number; readonly voters: readonly number[] } | null = null;
    for (const [name, state] of this.servers) {
      const driver = state.driver;
      if (!(driver instanceof RaftDriver) || !this.isCurrent(name, state)) continue;
      const status = driver.status();
      if (newest === null || status.membershipIndex > newest.index) newest = { index: status.membershipIndex, voters: votersOf(status.membership) };
    }
    return newest === null ? this.names : newest.voters.map((id) => `n${id}`);
  }

  private checkLiveness(): void {
    const voters = this.quorumVoters();
    const able = voters.filter((name) => !this.refusedOnDamage.has(name) && !this.heldDown.has(name) && !this.offline.has(name)).length;
    if (this.convergedMs === null && this.livenessStartMs !== null && able < Math.floor(voters.length / 2) + 1) {
      this.world.record('check.liveness_waived', { why: 'no quorum of nodes without damaged records', voters: [...voters], refusing: [...this.refusedOnDamage].sort() });
    } else if (this.convergedMs === null && this.livenessStartMs !== null) {
      const pending = this.history.ops.filter((op) => op.phase === 'safety' && op.outcome === 'pending').slice(0, 3);
      this.checker.report(
        'liveness_not_converged',
        `the faults stopped at t=${this.livenessStartMs} but by t=${this.world.nowMs} the cluster had not converged: ${
          pending.length > 0 ? pending.map((op) => `${describeOp(op)} (${this.whyStuck(op)})`).join('; ') : `no single node serves (${this.whyStuckNodes()})`
        }`,
      );
    }
    this.clients.checkCalls(livenessEnvelope(this.options), (op) => this.whyStuck(op));
  }

  private whyStuckNodes(): string {
    return this.names.map((name) => `${name} ${this.world.node(name).status}/${this.roleOf(name, this.servers.get(name))}`).join(', ');
  }

  /** A node's role for a stuck call's explanation: the module's words, else its last leadership state. */
  private roleOf(name: string, state: ServerState | undefined): string {
    const driver = state?.driver ?? null;
    if (this.extras.describeNode !== undefined) return this.extras.describeNode(name, driver);
    return driver === null ? 'no driver' : (state?.leadership ?? 'unknown');
  }
}

/** Runs one seed of a cluster (raft or the run's driver module): draws its options, runs the world, checks, and reports. */
export async function runRaftSeed(spec: RunSpec, options: RunSeedOptions = {}): Promise<SeedReport> {
  return new ClusterRun(spec, options).run();
}
