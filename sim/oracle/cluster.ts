// The single-node oracle under simulation: one server node running a consensus driver (the
// product's file driver by default, or any SimDriverModule of one node: drivers.ts), the
// product's serving node and protocol server (unchanged, on the world's ports), client nodes
// running the real client library with a few concurrent callers each, a nemesis that injects
// the seed's fault families, a supervisor that restarts a server process that exits, and the
// checkers. `runSeed(spec, { driver })` is one run: a function of the spec and the driver module.
//
// Phases (VOPR style):
//   1. safety (options.phases.safetyMs): the workload runs while the nemesis strikes and the
//      disk and network faults are on. Any safety violation halts the run at once.
//   2. liveness: every fault stops (disk and network rules off, partitions healed, paused
//      processes resumed, downed processes restarted). The run *converges* once every call made
//      before the faults stopped has ended and the server serves; this must happen within
//      overallTimeout + attemptTimeout + SERVER_RECOVERY_MS. From then on every new call must
//      succeed. At any time a call must end within its overall deadline plus one attempt
//      timeout (the client library's contract). A call that never ends is named with why.
//   3. the workload stops, the calls drain, and the final checks read the durable records back.
//
// Expected process exits (not violations): the server refuses to start when a read of its
// records was corrupted, syncing what it loaded failed, or cutting a torn tail failed on a full
// disk (FileDriver.open: DRIVER_PERMANENT, no silent rewind), or stops when a durable write failed during the fence (the node poisons
// itself; waitUntilServing throws, as `tsoracle serve` would exit). The supervisor restarts it, as systemd would. Any other
// exception escaping the product is a `process_failed` violation.

import { assert, AssertionError, unreachable } from '../../core/assert.js';
import { TsoError } from '../../core/errors.js';
import type { ConsensusDriver } from '../../drivers/driver.js';
import { ProtocolServer } from '../../drivers/server/protocol-server.js';
import { ServingNode, type ServingEvent } from '../../drivers/server/serving-node.js';
import type { NodePorts, Program } from '../process.js';
import type { Rng } from '../random.js';
import type { TraceDetails, TraceEntry } from '../trace.js';
import { World } from '../world.js';
import { Checker } from './checkers.js';
import { ClaimsView } from './claims.js';
import type { SimDriverContext, SimDriverExtras, SimDriverModule, SimPeer, SimRunAccess } from './drivers.js';
import type { DurableSource } from './durable.js';
import { describeOp, History, type Op } from './history.js';
import { livenessEnvelope, nodesOf, valueChecksSound, type NemesisFamily, type RunSpec, type SimOptions } from './options.js';
import { diskFaultsOf, driverOfRun, finishReport, planOfReport, planOfRun, netFaultsOf, recordServingEvent, runToEnd, type RunSeedOptions, scheduleNemesis, type SeedReport, specTraceDetails } from './run-shared.js';
import { runRaftSeed } from './raft-run.js';
import type { PlanSource } from './capsule-plan.js';
import { ClientWorkload, DEADLINE_SLACK_MS, errorText } from './workload.js';

export type { RunResult, RunSeedOptions, RunStats, SeedReport } from './run-shared.js';

export const SERVER_NODE = 'tso';
export const SERVER_PORT = 50551;
export const DATA_DIR = '/data';
/** How long a server start may take before it gives up (the fence is milliseconds of disk). */
export const SERVER_START_TIMEOUT_MS = 10_000;
/** Time the liveness phase allows for restarting the server, on top of the calls' deadlines. */
export const SERVER_RECOVERY_MS = 2_000;
/** After convergence the workload goes on at least this long (every call of it must succeed). */
export const CONVERGED_WORKLOAD_MS_MIN = 300;
/** A livelock bound: a healthy run takes a few hundred thousand events. */
export const RUN_EVENTS_MAX = 5_000_000;

/** Disk operations that leave unsynced data or directory entries behind them. */
const WRITE_KINDS: ReadonlySet<string> = new Set(['disk.write', 'disk.writeFile', 'disk.append', 'disk.truncate', 'disk.rename']);

interface ServerState {
  readonly incarnation: number;
  readonly driver: ConsensusDriver;
  node: ServingNode | null;
}

/** One run of the single-node oracle. */
class OracleRun {
  readonly options: SimOptions;
  readonly world: World;
  readonly history = new History();
  readonly groundTruth: DurableSource;
  readonly checker: Checker;
  private readonly driverModule: SimDriverModule;
  private readonly extras: SimDriverExtras;
  /** Set when the module brings no ground truth of its own: its drivers' claims. */
  private readonly claims: ClaimsView | null;
  private readonly peer: SimPeer;
  private server: ServerState | null = null;
  private readonly clients: ClientWorkload;
  private readonly strikes: Record<string, number> = {};
  /** Where the strikes and calls come from: drawn from the seed, or a plan (capsule-plan.ts). */
  private readonly planSource: PlanSource;
  private readonly supervisorRng: Rng;
  private livenessStartMs: number | null = null;
  /** The server refused to start on records bit rot or a misdirected write damaged. */
  private refusedOnDamage = false;
  private convergedMs: number | null = null;
  /** Calls made before the liveness phase that have not ended yet. */
  private preLivenessPending = 0;
  private hardEndMs: number;
  /** A crash armed to strike right after the server's next write (see `strike`). */
  private crashAtNextWrite: { readonly keepPageCache: boolean; readonly downMs: number } | null = null;
  /** Disk fault counters when the current server incarnation started (did an injected fault make it exit?). */
  private serverFaultsAtStart: Readonly<Record<string, number>> = {};

  constructor(
    readonly spec: RunSpec,
    private readonly runOptions: RunSeedOptions,
  ) {
    const planned = planOfRun(spec, runOptions);
    this.options = planned.options;
    this.planSource = planned.source;
    const o = this.options;
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
    this.peer = { id: 1, name: SERVER_NODE, endpoint: `${SERVER_NODE}:${SERVER_PORT}`, peerAddress: { host: SERVER_NODE, port: SERVER_PORT + 1 } };
    this.world.addNode({ name: SERVER_NODE, program: this.serverProgram(), start: false, disk: { faults: diskFaultsOf(o.disk) } });
    this.extras = this.driverModule.extras?.(this.runAccess()) ?? {};
    this.claims = this.extras.groundTruth === undefined ? new ClaimsView((kind, message, details) => this.checker.report(kind, message, details)) : null;
    this.groundTruth = this.extras.groundTruth ?? (this.claims as ClaimsView);
    const valueChecks = valueChecksSound(o);
    this.checker = new Checker(this.history, this.groundTruth, () => this.world.nowMs, {
      valueChecks,
      durableTrusted: () => !this.world.node(SERVER_NODE).disk.damaged,
      onSafetyViolation: (v) => {
        this.world.record('check.violation', { kind: v.kind, message: v.message });
        if (runOptions.haltOnViolation !== false) this.world.halt();
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
    this.clients = new ClientWorkload({ world: this.world, history: this.history, checker: this.checker, options: o, plan: this.planSource, endpoints: [`${SERVER_NODE}:${SERVER_PORT}`] });
    const c = o.client;
    this.hardEndMs = this.convergeByMs() + o.phases.livenessMs + c.overallTimeoutMs + c.attemptTimeoutMs + DEADLINE_SLACK_MS;
  }

  /** Convergence must happen by then (set once the liveness phase starts). */
  private convergeByMs(): number {
    const c = this.options.client;
    return this.options.phases.safetyMs + this.spikeDrainMs + c.overallTimeoutMs + c.attemptTimeoutMs + SERVER_RECOVERY_MS;
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
      names: [SERVER_NODE],
      livenessStarted: () => this.livenessStartMs !== null,
      isCurrent: (name, incarnation) => this.world.node(name).status !== 'down' && this.world.node(name).incarnations === incarnation,
      diskFaultFiredSince: (_name, _incarnation, families) => {
        const counts = this.world.node(SERVER_NODE).disk.faultCounts() as unknown as Record<string, number>;
        return families.some((f) => (counts[f] ?? 0) > (this.serverFaultsAtStart[f] ?? 0));
      },
      leaderElected: () => {},
      leaderLost: () => {},
      crashAndRestart: (_name, keepPageCache, downMs) => this.crashServerAndRestart(keepPageCache, downMs),
      restartDelayMs: () => (this.livenessStartMs !== null ? 0 : this.supervisorRng.int(0, this.options.server.restartDelayMsMax)),
      maybeConverge: () => this.maybeConverge(),
    };
  }

  // --- the programs ------------------------------------------------------------------------------

  private serverProgram(): Program {
    const planted = this.spec.planted;
    return async (ports: NodePorts) => {
      const context: SimDriverContext = {
        disk: ports.disk,
        transport: ports.transport,
        clock: ports.clock,
        random: ports.random,
        rng: ports.rng,
        id: this.peer.id,
        name: this.peer.name,
        endpoint: this.peer.endpoint,
        peerAddress: this.peer.peerAddress,
        peers: [this.peer],
        dataDir: DATA_DIR,
        options: this.options,
        planted,
        incarnation: ports.incarnation,
        trace: (kind, details) => ports.trace(kind, details),
        fatal: (error) => this.onFatal(ports.incarnation, error),
      };
      const built = await (this.extras.createDriver !== undefined ? this.extras.createDriver(context) : this.driverModule.createDriver(context));
      const driver = this.claims === null ? built : this.claims.witness(`${SERVER_NODE}#${ports.incarnation}`, built);
      const state: ServerState = { incarnation: ports.incarnation, driver, node: null };
      this.server = state;
      const node = new ServingNode({
        driver,
        clock: ports.clock,
        windowAheadMs: this.options.server.windowAheadMs,
        failoverAdvanceMs: this.options.server.failoverAdvanceMs,
        faults: { serveBeforePersist: planted === 'serveBeforePersist', fenceAtPrior: planted === 'fenceAtPrior', frontierIgnoresSupersededLeases: planted === 'frontierIgnoresSupersededLeases' },
        onEvent: (e) => this.onServingEvent(ports, e),
      });
      state.node = node;
      node.start();
      const protocol = await ProtocolServer.start({ node, transport: ports.transport, clock: ports.clock, listen: { host: ports.host, port: SERVER_PORT } });
      await node.waitUntilServing(SERVER_START_TIMEOUT_MS);
      this.maybeConverge();
      return {
        stop: async () => {
          await protocol.close(100);
          await node.close();
          await driver.close();
        },
      };
    };
  }

  private onServingEvent(ports: NodePorts, e: ServingEvent): void {
    recordServingEvent(ports, e, this.checker);
    if (e.kind === 'serving') this.maybeConverge();
  }


  // --- process control ---------------------------------------------------------------------------

  private startServerIfDown(): void {
    if (this.world.node(SERVER_NODE).status !== 'down') return;
    this.history.serverStarts++;
    this.server = null;
    this.serverFaultsAtStart = { ...this.world.node(SERVER_NODE).disk.faultCounts() };
    this.world.start(SERVER_NODE);
  }

  private crashServer(keepPageCache: boolean): void {
    const node = this.world.node(SERVER_NODE);
    if (node.status === 'down') return;
    // What the driver published must be durable now: the crash may take anything else.
    const server = this.server;
    if (server !== null && server.incarnation === node.incarnations) {
      const published = this.extras.publishedAtCrash?.(SERVER_NODE, server.driver) ?? null;
      if (published !== null) this.checker.onPublished(published, `${SERVER_NODE}#${server.incarnation} before the crash`);
    }
    this.world.crash(SERVER_NODE, { keepPageCache });
    this.server = null;
    this.extras.onCrash?.(SERVER_NODE);
    this.checker.checkpoint();
  }

  private crashServerAndRestart(keepPageCache: boolean, downMs: number): void {
    if (this.world.node(SERVER_NODE).status === 'down') return;
    this.crashServer(keepPageCache);
    this.world.after(downMs, () => this.startServerIfDown(), 'nemesis.restart');
  }

  private onTrace(entry: TraceEntry): void {
    const kind = entry.kind;
    if (this.crashAtNextWrite !== null && WRITE_KINDS.has(kind) && entry.node.startsWith(`${SERVER_NODE}#`) && entry.details?.error === undefined) {
      const { keepPageCache, downMs } = this.crashAtNextWrite;
      this.crashAtNextWrite = null;
      // The crash runs as the next event, before the write's sync can complete.
      this.world.after(0, () => {
        if (this.livenessStartMs === null) this.crashServerAndRestart(keepPageCache, downMs);
      }, 'nemesis.crash_after_write');
    }
    this.extras.onTrace?.(entry);
    if (kind === 'process.error') {
      this.onProcessError(entry.node);
    } else if (kind === 'process.failed') {
      this.onProcessExit(entry.node);
    }
  }

  /** Classifies an exception that escaped a program: an expected refusal, or a bug. */
  private onProcessError(label: string): void {
    const failure = this.world.failures[this.world.failures.length - 1];
    assert(failure !== undefined && label === `${failure.node}#${failure.incarnation}`, 'failure_matches_trace', label);
    const error = failure.error;
    if (failure.node === SERVER_NODE) {
      const counts = this.world.node(SERVER_NODE).disk.faultCounts();
      const firedSince = (family: keyof typeof counts): boolean => counts[family] > (this.serverFaultsAtStart[family] ?? 0);
      if (this.extras.expectedFailure?.(SERVER_NODE, failure.incarnation, error) === true) return;
      // Refused to start: a corrupted read of a record, a failed sync of what it loaded, or a
      // failed write while it repaired what it loaded (cutting a torn journal tail under an
      // injected disk-full: single-node seed 2615; an injected truncate failure: seed 16).
      if (error instanceof TsoError && error.code === 'DRIVER_PERMANENT' && (firedSince('readCorrupt') || firedSince('fsyncFail') || firedSince('writeFull') || firedSince('truncateFail'))) return;
      if (error instanceof Error && error.message.startsWith('serving node poisoned') && (firedSince('fsyncFail') || firedSince('writeFull'))) return;
      // Refused to start on records that bit rot or a misdirected write damaged: the correct
      // outcome for a single copy (it may stay down; checkLiveness accepts that).
      if (error instanceof TsoError && error.code === 'DRIVER_PERMANENT' && this.world.node(SERVER_NODE).disk.damaged) {
        this.refusedOnDamage = true;
        this.world.record('server.refused_damaged', { node: label, error: errorText(error) });
        return;
      }
      if (error instanceof Error && error.message === 'timed out waiting to serve') {
        this.checker.report('server_start_stuck', `${label} did not serve within ${SERVER_START_TIMEOUT_MS} ms`);
        return;
      }
    }
    this.checker.report('process_failed', `${label} failed: ${errorText(error)}`, { node: failure.node, incarnation: failure.incarnation });
  }

  /** The driver stopped on a storage failure (`context.fatal`): expected when an injected disk fault fired. */
  private onFatal(incarnation: number, error: unknown): void {
    const counts = this.world.node(SERVER_NODE).disk.faultCounts();
    const fired = (['fsyncFail', 'writeFull'] as const).some((f) => counts[f] > (this.serverFaultsAtStart[f] ?? 0));
    if (!fired) this.checker.report('process_failed', `${SERVER_NODE}#${incarnation}: the driver stopped without an injected disk fault: ${errorText(error)}`);
    this.world.record('driver.fatal', { node: `${SERVER_NODE}#${incarnation}`, error: errorText(error) });
    this.world.after(0, () => {
      const node = this.world.node(SERVER_NODE);
      if (node.status !== 'down' && node.incarnations === incarnation) {
        this.crashServerAndRestart(true, this.livenessStartMs !== null ? 0 : this.supervisorRng.int(0, this.options.server.restartDelayMsMax));
      }
    }, 'driver.fatal_restart');
  }

  /** A process exited on an error: the supervisor restarts it. */
  private onProcessExit(label: string): void {
    const name = label.slice(0, label.indexOf('#'));
    if (name === SERVER_NODE) {
      this.server = null;
      const delayMs = this.livenessStartMs !== null ? 0 : this.supervisorRng.int(0, this.options.server.restartDelayMsMax);
      this.world.after(delayMs, () => this.startServerIfDown(), 'supervisor.restart');
      return;
    }
    this.clients.onExit(name);
  }

  // --- nemesis -----------------------------------------------------------------------------------

  private strike(family: NemesisFamily, rng: Rng, size: number): void {
    this.world.record('nemesis', { family, size });
    const server = this.world.node(SERVER_NODE);
    switch (family) {
      case 'serverCrash':
      case 'serverKill': {
        if (server.status === 'down') return;
        const keepPageCache = family === 'serverKill';
        // Half the strikes wait for the server's next write and crash right behind it, before
        // its sync: the moments where torn writes, lost renames and half-made files live.
        if (rng.chance(1, 2)) this.crashAtNextWrite = { keepPageCache, downMs: size };
        else this.crashServerAndRestart(keepPageCache, size);
        return;
      }
      case 'serverPause':
        if (server.status === 'running' || server.status === 'starting') this.world.pause(SERVER_NODE, size);
        return;
      case 'clockStepBack':
        this.world.clockStep(SERVER_NODE, -size);
        return;
      case 'clockStepForward':
        this.world.clockStep(SERVER_NODE, size);
        return;
      case 'clockStall':
        this.world.clockStall(SERVER_NODE, size);
        return;
      case 'clockDrift':
        this.world.clockDrift(SERVER_NODE, rng.chance(1, 2) ? size : -size);
        return;
      case 'partition': {
        const client = rng.pick(this.clients.clientNames);
        const oneWay = rng.chance(1, 3);
        if (oneWay && rng.chance(1, 2)) this.world.partition([SERVER_NODE], [client], { oneWay });
        else this.world.partition([client], [SERVER_NODE], { oneWay });
        this.world.after(size, () => this.world.heal([client], [SERVER_NODE]), 'nemesis.heal');
        return;
      }
      case 'clientCrash': {
        const client = rng.pick(this.clients.clientNames);
        this.clients.crash(client);
        this.world.after(size, () => this.clients.startIfDown(client), 'nemesis.restart');
        return;
      }
      case 'leaderPartition':
      case 'peerLinkOneWay':
      case 'slowDisk':
      case 'majorityRestart':
        // drawOptions never turns the Raft families on for a single node.
        throw new AssertionError('single_node_has_no_raft_families', family);
      default:
        unreachable(family);
    }
  }

  // --- phases ------------------------------------------------------------------------------------

  private startLiveness(): void {
    this.livenessStartMs = this.world.nowMs;
    this.crashAtNextWrite = null;
    this.history.phase = 'liveness';
    this.preLivenessPending = this.history.pending;
    this.world.record('phase.liveness', { pendingCalls: this.preLivenessPending });
    this.world.network.setFaults({});
    this.world.node(SERVER_NODE).disk.setFaults({});
    this.world.heal();
    for (const name of [SERVER_NODE, ...this.clients.clientNames]) this.world.resume(name);
    this.startServerIfDown();
    for (const name of this.clients.clientNames) this.clients.startIfDown(name);
    this.maybeConverge();
    if (this.spikeDrainMs > 0) this.world.after(this.spikeDrainMs, () => this.maybeConverge(), 'phase.spikes_drained');
  }

  /** The longest latency spike the run's faults can add: after it, no spike is in flight. */
  private get spikeDrainMs(): number {
    const disk = this.options.disk.diskLatency?.extraUs?.[1] ?? 0;
    const net = this.options.net.netLatency?.extraUs?.[1] ?? 0;
    return Math.ceil(Math.max(disk, net) / 1000);
  }

  private maybeConverge(): void {
    if (this.livenessStartMs === null || this.convergedMs !== null || this.preLivenessPending > 0) return;
    // A latency spike drawn before the faults stopped may still hold an operation in flight.
    if (this.world.nowMs < this.livenessStartMs + this.spikeDrainMs) return;
    const server = this.server;
    const status = this.world.node(SERVER_NODE).status;
    if (server === null || server.node === null || !server.node.isServing || status === 'down' || status === 'paused') return;
    this.convergedMs = this.world.nowMs;
    this.history.phase = 'converged';
    this.clients.workloadEndMs = Math.max(this.clients.workloadEndMs, this.convergedMs + CONVERGED_WORKLOAD_MS_MIN);
    this.hardEndMs = Math.max(this.hardEndMs, this.clients.workloadEndMs + this.options.client.overallTimeoutMs + this.options.client.attemptTimeoutMs + DEADLINE_SLACK_MS);
    this.world.record('phase.converged');
  }

  // --- the run -----------------------------------------------------------------------------------

  async run(): Promise<SeedReport> {
    const wallStartMs = performance.now();
    this.startServerIfDown();
    this.clients.startAll();
    scheduleNemesis(this.world, this.options, this.planSource, this.strikes, () => this.livenessStartMs !== null, (family, rng, size) => this.strike(family, rng, size));
    this.world.at(this.options.phases.safetyMs, () => this.startLiveness(), 'phase.liveness');
    const { halted, eventBound } = await runToEnd(this.world, this.checker, {
      hardEndMs: () => this.hardEndMs,
      done: () => this.world.nowMs >= this.clients.workloadEndMs && this.history.pendingAll === 0,
      eventsMax: RUN_EVENTS_MAX,
    });
    if (!halted && !eventBound) this.checkLiveness();
    this.checker.final();
    return finishReport(this.world, this.history, this.checker, {
      spec: this.spec,
      options: this.options,
      wallStartMs,
      strikes: this.strikes,
      plan: planOfReport(this.options, this.planSource),
      diskFaults: this.world.node(SERVER_NODE).disk.faultCounts(),
      livenessStartMs: this.livenessStartMs,
      convergedMs: this.convergedMs,
      valueChecks: valueChecksSound(this.options),
    });
  }

  private whyStuck(op: Op): string {
    const server = this.world.node(SERVER_NODE);
    const serving = this.server?.node?.isServing === true ? 'serving' : 'not serving';
    const last = ClientWorkload.lastEventOf(op);
    return `server ${server.status} (${serving}); client ${op.session.node}#${op.session.incarnation} last: ${last}`;
  }

  private checkLiveness(): void {
    if (this.convergedMs === null && this.livenessStartMs !== null && this.refusedOnDamage) {
      this.world.record('check.liveness_waived', { why: 'the server refuses to start on damaged records' });
    } else if (this.convergedMs === null && this.livenessStartMs !== null) {
      const pending = this.history.ops.filter((op) => op.phase === 'safety' && op.outcome === 'pending').slice(0, 3);
      this.checker.report(
        'liveness_not_converged',
        `the faults stopped at t=${this.livenessStartMs} but by t=${this.world.nowMs} the run had not converged: ${
          pending.length > 0 ? pending.map((op) => `${describeOp(op)} (${this.whyStuck(op)})`).join('; ') : `the server is not serving (${this.world.node(SERVER_NODE).status})`
        }`,
      );
    }
    this.clients.checkCalls(livenessEnvelope(this.options), (op) => this.whyStuck(op));
  }
}

/**
 * Runs one seed: draws its options, runs the world, checks, and reports. The driver is
 * `options.driver` (a module of one node runs here, of several in raft-run.ts's cluster harness),
 * else the built-in one `spec.driver` names, else the default (`file` for one node, `raft` for
 * a cluster).
 */
export async function runSeed(spec: RunSpec, options: RunSeedOptions = {}): Promise<SeedReport> {
  if (nodesOf(spec) > 1) return runRaftSeed(spec, options);
  return new OracleRun(spec, options).run();
}

