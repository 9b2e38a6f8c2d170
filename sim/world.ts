// The simulated world: one scheduler, one seeded root stream, one trace, one network, and
// nodes (machines with a host name, a disk and a clock) that run programs written against the
// ports. A run is a function of the seed: every random choice comes from a fork of the root
// stream named after its subsystem and node, every callback runs from the scheduler, and
// promise continuations are drained between events (see scheduler.ts).
//
// Process control (each start of a program is an incarnation; see process.ts):
//   - start / restart: a new incarnation with fresh ports over the node's surviving disk; the
//     program is called in an event at the current virtual time.
//   - crash (kill -9 with power loss, the default): pending port operations never complete,
//     timers are dropped, connections reset (peers see onClose), listeners close, the disk
//     loses its page cache per its fault model and the lock is released. `keepPageCache: true`
//     is a plain process kill: the kernel keeps the cache, so no written data is lost.
//   - shutdown: graceful; calls the program's `stop()`, then the process exits (connections
//     FIN, locks released, page cache kept).
//   - pause / resume: a stop-the-world pause (a long GC); nothing of the program runs, its
//     events wait, and its clock keeps running.
// Failures: an exception escaping a program's callback, or a program whose start rejects, is
// recorded in `failures` and, by default, stops the run (`onUncaught: 'stop'`); with
// 'crash-node' the process dies (as an uncaught exception kills a Node process) and the run
// goes on. A rejection inside a program's own async code that nobody awaits is outside the
// world's sight (Node reports it as an unhandled rejection).
// Liveness hooks: `run` reports 'stalled' when the queue is empty while work is pending (a
// program still starting, a node paused without a resume, a probe that says so).

import { setImmediate } from 'node:timers';
import { assert } from '../core/assert.js';
import { type ClockOptions, NodeClockModel, SimClock } from './clock.js';
import { type DiskOptions, SimDisk } from './disk.js';
import { WORLD_NODES_MAX } from './limits.js';
import { type NetworkOptions, SimNetwork } from './network.js';
import { Incarnation, type NodePorts, type ProcessHandle, type Program } from './process.js';
import { Rng } from './random.js';
import { type RunOptions, type RunStopReason, Scheduler, type SimEvent } from './scheduler.js';
import { Trace, type TraceDetails, type TraceOptions } from './trace.js';

export interface WorldOptions {
  readonly seed: number | string;
  readonly trace?: TraceOptions;
  readonly network?: NetworkOptions;
  /** Disk options of every node unless the node gives its own. */
  readonly disk?: DiskOptions;
  /** Clock options of every node unless the node gives its own. */
  readonly clock?: ClockOptions;
  /** What an exception escaping a program does: stop the run (default) or kill that process. */
  readonly onUncaught?: 'stop' | 'crash-node';
}

export interface NodeSpec {
  readonly name: string;
  /** Host name on the simulated network (default: the node name). */
  readonly host?: string;
  /** The program the node runs; started at once unless `start` is false. */
  readonly program?: Program;
  readonly start?: boolean;
  readonly disk?: DiskOptions;
  readonly clock?: ClockOptions;
}

export type NodeStatus = 'down' | 'starting' | 'running' | 'paused' | 'stopping';

export interface WorldFailure {
  readonly t: number;
  readonly node: string;
  readonly incarnation: number;
  readonly error: unknown;
}

export type WorldStopReason = RunStopReason | 'stalled';

export interface RunReport {
  readonly reason: WorldStopReason;
  /** Events run by this call. */
  readonly events: number;
  readonly nowMs: number;
  /** Why work is pending (set when the queue ran empty, and on every report). */
  readonly pending: readonly string[];
  /** Failures recorded so far in the world. */
  readonly failures: readonly WorldFailure[];
  readonly error?: unknown;
}

export class SimNode {
  current: Incarnation | null = null;
  ports: NodePorts | null = null;
  incarnations = 0;
  pauseToken = 0;

  constructor(
    readonly name: string,
    readonly host: string,
    readonly disk: SimDisk,
    readonly clock: NodeClockModel,
    public program: Program | null,
  ) {}

  get status(): NodeStatus {
    const current = this.current;
    if (current === null || current.dead) return 'down';
    if (current.paused) return 'paused';
    if (current.state === 'starting') return 'starting';
    if (current.state === 'stopping') return 'stopping';
    return 'running';
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class World {
  readonly seed: string;
  readonly rng: Rng;
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly network: SimNetwork;
  readonly failures: WorldFailure[] = [];
  private readonly nodes = new Map<string, SimNode>();
  private readonly hostToNode = new Map<string, SimNode>();
  private readonly probes: Array<() => string | null> = [];
  private readonly options: WorldOptions;
  /** The failure that halted the current run, if one did. */
  private haltingFailure: WorldFailure | null = null;

  constructor(options: WorldOptions) {
    this.options = options;
    this.rng = new Rng(options.seed);
    this.seed = this.rng.seed;
    this.scheduler = new Scheduler();
    this.trace = new Trace(options.trace);
    this.network = new SimNetwork(this.scheduler, this.trace, this.rng.fork('net'), options.network);
    this.scheduler.onError = (event, error) => this.onEventError(event, error);
    this.trace.record(0, 'world', 'world.created', { seed: this.seed });
  }

  /** Current virtual time (ms). */
  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  // --- nodes ---------------------------------------------------------------------------------

  addNode(spec: NodeSpec): SimNode {
    assert(spec.name.length > 0 && spec.name !== 'world', 'node_name_valid', spec.name);
    assert(!this.nodes.has(spec.name), 'node_name_unique', spec.name);
    assert(this.nodes.size < WORLD_NODES_MAX, 'world_nodes_within_limit');
    const host = spec.host ?? spec.name;
    assert(!this.hostToNode.has(host), 'node_host_unique', host);
    const disk = new SimDisk(spec.name, this.scheduler, this.trace, this.rng.fork(`disk/${spec.name}`), spec.disk ?? this.options.disk);
    const clock = new NodeClockModel(this.scheduler, spec.clock ?? this.options.clock);
    const node = new SimNode(spec.name, host, disk, clock, spec.program ?? null);
    this.nodes.set(spec.name, node);
    this.hostToNode.set(host, node);
    this.network.addHost(host);
    this.trace.record(this.nowMs, spec.name, 'node.added', { host });
    if (spec.program !== undefined && spec.start !== false) this.start(spec.name);
    return node;
  }

  node(name: string): SimNode {
    const node = this.nodes.get(name);
    assert(node !== undefined, 'node_known', name);
    return node;
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** The ports of the node's running incarnation (for test code acting from outside a program). */
  portsOf(name: string): NodePorts {
    const node = this.node(name);
    assert(node.ports !== null && node.current !== null && !node.current.dead, 'node_running', name);
    return node.ports;
  }

  /** Starts a new incarnation of the node's program (or `program`, which becomes its program). */
  start(name: string, program?: Program): Incarnation {
    const node = this.node(name);
    assert(node.status === 'down', 'start_node_down', () => `${name} is ${node.status}`);
    if (program !== undefined) node.program = program;
    const run = node.program;
    assert(run !== null, 'node_has_program', name);
    const number = ++node.incarnations;
    const incarnation = new Incarnation(name, number);
    const ports = this.makePorts(node, incarnation);
    node.current = incarnation;
    node.ports = ports;
    this.trace.record(this.nowMs, name, 'process.start', { incarnation: number });
    this.scheduler.after(
      0,
      () => {
        let started: Promise<ProcessHandle | void>;
        try {
          started = run(ports);
        } catch (error) {
          this.processFailed(node, incarnation, error);
          return;
        }
        started.then(
          (handle) => {
            if (incarnation.dead) return;
            incarnation.handle = handle ?? null;
            if (incarnation.state === 'starting') incarnation.state = 'running';
            this.trace.record(this.nowMs, incarnation.label, 'process.started');
          },
          (error: unknown) => {
            if (!incarnation.dead) this.processFailed(node, incarnation, error);
          },
        );
      },
      { owner: incarnation, label: 'process.start' },
    );
    return incarnation;
  }

  /** Crash and start again (the node may already be down). */
  restart(name: string, options: { readonly keepPageCache?: boolean; readonly program?: Program } = {}): Incarnation {
    const node = this.node(name);
    if (node.status !== 'down') this.crash(name, options.keepPageCache === undefined ? {} : { keepPageCache: options.keepPageCache });
    return this.start(name, options.program);
  }

  /** Kills the node's process at once (kill -9; power loss of the page cache unless kept). */
  crash(name: string, options: { readonly keepPageCache?: boolean } = {}): void {
    const node = this.node(name);
    const incarnation = node.current;
    assert(incarnation !== null && !incarnation.dead, 'crash_node_running', name);
    const powerLoss = options.keepPageCache !== true;
    this.trace.record(this.nowMs, incarnation.label, 'process.crash', { powerLoss });
    incarnation.kill('crashed');
    this.network.processGone(incarnation, false);
    node.disk.crash(incarnation, powerLoss);
    node.ports = null;
  }

  /**
   * Graceful shutdown: calls the program's `stop()` (in an event of the process), then the
   * process exits. The returned promise settles when it has exited.
   */
  shutdown(name: string): Promise<void> {
    const node = this.node(name);
    const incarnation = node.current;
    assert(incarnation !== null && !incarnation.dead, 'shutdown_node_running', name);
    return new Promise<void>((resolve) => {
      this.scheduler.after(
        0,
        () => {
          incarnation.state = 'stopping';
          this.trace.record(this.nowMs, incarnation.label, 'process.stopping');
          const exit = (): void => {
            if (incarnation.dead) return resolve();
            this.exit(node, incarnation, 'exited');
            resolve();
          };
          const stop = incarnation.handle?.stop;
          if (stop === undefined) return exit();
          stop.call(incarnation.handle).then(exit, (error: unknown) => {
            this.recordFailure(node, incarnation, error);
            exit();
          });
        },
        { owner: incarnation, label: 'process.shutdown' },
      );
    });
  }

  /** Pauses the node's process (nothing of it runs) for `durationMs`, or until `resume`. */
  pause(name: string, durationMs?: number): void {
    const node = this.node(name);
    const incarnation = node.current;
    assert(incarnation !== null && !incarnation.dead, 'pause_node_running', name);
    incarnation.pause();
    const token = ++node.pauseToken;
    this.trace.record(this.nowMs, incarnation.label, 'process.pause', durationMs === undefined ? undefined : { durationMs });
    if (durationMs !== undefined) {
      this.scheduler.after(
        durationMs,
        () => {
          if (node.current === incarnation && node.pauseToken === token && incarnation.paused) this.resume(name);
        },
        { label: 'process.resume', waking: false },
      );
    }
  }

  resume(name: string): void {
    const node = this.node(name);
    const incarnation = node.current;
    if (incarnation === null || incarnation.dead || !incarnation.paused) return;
    this.trace.record(this.nowMs, incarnation.label, 'process.resume', { deferred: incarnation.deferredCount });
    incarnation.resume(this.scheduler);
  }

  private exit(node: SimNode, incarnation: Incarnation, state: 'exited' | 'failed'): void {
    this.trace.record(this.nowMs, incarnation.label, state === 'exited' ? 'process.exit' : 'process.failed');
    incarnation.kill(state);
    this.network.processGone(incarnation, true);
    node.disk.crash(incarnation, false);
    node.ports = null;
  }

  private recordFailure(node: SimNode, incarnation: Incarnation, error: unknown): void {
    incarnation.failure = error;
    this.failures.push({ t: this.nowMs, node: node.name, incarnation: incarnation.number, error });
    this.trace.record(this.nowMs, incarnation.label, 'process.error', { error: errorText(error) });
  }

  private processFailed(node: SimNode, incarnation: Incarnation, error: unknown): void {
    this.recordFailure(node, incarnation, error);
    this.exit(node, incarnation, 'failed');
    if ((this.options.onUncaught ?? 'stop') === 'stop') {
      this.haltingFailure = this.failures[this.failures.length - 1] ?? null;
      this.scheduler.stop();
    }
  }

  private onEventError(event: SimEvent, error: unknown): 'stop' | 'continue' {
    const owner = event.owner;
    if (owner instanceof Incarnation && !owner.dead) {
      const node = this.node(owner.node);
      this.recordFailure(node, owner, error);
      if ((this.options.onUncaught ?? 'stop') === 'crash-node') {
        this.exit(node, owner, 'failed');
        return 'continue';
      }
      return 'stop';
    }
    this.failures.push({ t: this.nowMs, node: 'world', incarnation: 0, error });
    this.trace.record(this.nowMs, 'world', 'world.error', { event: event.label, error: errorText(error) });
    return 'stop';
  }

  private makePorts(node: SimNode, incarnation: Incarnation): NodePorts {
    const rng = this.rng.fork(`program/${node.name}/${incarnation.number}`);
    const random = rng.fork('random').asFloat();
    const clock = new SimClock(node.clock, this.scheduler, incarnation, this.trace, this.rng.fork(`clock/${node.name}/${incarnation.number}`));
    return {
      disk: node.disk.portFor(incarnation),
      transport: this.network.portFor(incarnation, node.host),
      clock,
      rng,
      random,
      node: node.name,
      host: node.host,
      incarnation: incarnation.number,
      trace: (kind, details) => {
        if (!incarnation.dead) this.trace.record(this.nowMs, incarnation.label, kind, details);
      },
    };
  }

  // --- network and clock faults (by node name or host) ---------------------------------------

  private hostOf(nameOrHost: string): string {
    const node = this.nodes.get(nameOrHost);
    if (node !== undefined) return node.host;
    assert(this.hostToNode.has(nameOrHost), 'node_or_host_known', nameOrHost);
    return nameOrHost;
  }

  /** Partitions the nodes (or hosts) of `a` from those of `b`; both ways unless `oneWay` (a → b blocked). */
  partition(a: readonly string[], b: readonly string[], options: { readonly oneWay?: boolean } = {}): void {
    this.network.partition(a.map((x) => this.hostOf(x)), b.map((x) => this.hostOf(x)), options.oneWay === true);
  }

  /** Cuts a node off from all others. */
  isolate(name: string): void {
    this.network.isolate(this.hostOf(name));
  }

  /** Heals the partition between `a` and `b`, or all partitions. */
  heal(a?: readonly string[], b?: readonly string[]): void {
    if (a === undefined || b === undefined) this.network.heal();
    else this.network.heal(a.map((x) => this.hostOf(x)), b.map((x) => this.hostOf(x)));
  }

  /** Steps the node's wall clock by `deltaMs` now (an NTP step; negative goes back). */
  clockStep(name: string, deltaMs: number): void {
    this.node(name).clock.step(deltaMs);
    this.trace.record(this.nowMs, name, 'clock.step', { deltaMs });
  }

  /** Freezes the node's wall clock for `durationMs`. */
  clockStall(name: string, durationMs: number): void {
    this.node(name).clock.stall(durationMs);
    this.trace.record(this.nowMs, name, 'clock.stall', { durationMs });
  }

  /** Sets the node's clock drift (ppm) from now on. */
  clockDrift(name: string, driftPpm: number): void {
    this.node(name).clock.setDriftPpm(driftPpm);
    this.trace.record(this.nowMs, name, 'clock.drift', { driftPpm });
  }

  // --- world events and runs -----------------------------------------------------------------

  /** Runs `fn` at virtual time `timeMs` (a world action: a fault, a workload step, a check). */
  at(timeMs: number, fn: () => void, label = 'world.at'): SimEvent {
    return this.scheduler.at(timeMs, fn, { label });
  }

  /** Runs `fn` after `delayMs` of virtual time. */
  after(delayMs: number, fn: () => void, label = 'world.after'): SimEvent {
    return this.scheduler.after(delayMs, fn, { label });
  }

  /** Appends a world-level entry to the trace. */
  record(kind: string, details?: TraceDetails, node = 'world'): void {
    this.trace.record(this.nowMs, node, kind, details);
  }

  /** Adds a probe `run` consults when the queue runs empty: a string says what is still pending. */
  addPendingProbe(probe: () => string | null): void {
    this.probes.push(probe);
  }

  /** What is pending now: programs still starting, paused nodes, probes. */
  pendingWork(): string[] {
    const out: string[] = [];
    for (const node of this.nodes.values()) {
      const current = node.current;
      if (current === null || current.dead) continue;
      if (current.paused) out.push(`${current.label} is paused with ${current.deferredCount} deferred events`);
      else if (current.state === 'starting') out.push(`${current.label} is still starting`);
      else if (current.state === 'stopping') out.push(`${current.label} is still stopping`);
    }
    for (const probe of this.probes) {
      const why = probe();
      if (why !== null) out.push(why);
    }
    return out;
  }

  /** Asks a running `run` to return after the current event (a checker found a violation). */
  halt(): void {
    this.scheduler.stop();
  }

  /** Runs the world; see RunOptions (untilMs, maxEvents). */
  async run(options: RunOptions = {}): Promise<RunReport> {
    this.haltingFailure = null;
    const outcome = await this.scheduler.run(options);
    const pending = this.pendingWork();
    const halting = this.haltingFailure as WorldFailure | null;
    this.haltingFailure = null;
    let reason: WorldStopReason = outcome.reason === 'idle' && pending.length > 0 ? 'stalled' : outcome.reason;
    let error = outcome.error;
    if (outcome.reason === 'stopped' && halting !== null) {
      reason = 'failed';
      error = halting.error;
    }
    const report: RunReport = { reason, events: outcome.events, nowMs: outcome.nowMs, pending, failures: [...this.failures] };
    return error === undefined ? report : { ...report, error };
  }

  /**
   * Runs until `done()` holds (checked before every event). If the queue runs empty first,
   * virtual time still passes in steps of `idleStepMs` (so a predicate waiting on time, or
   * counting polls, can come true) until `untilMs`. Returns whether `done()` held.
   */
  async runUntil(
    done: () => boolean,
    options: { readonly maxEvents?: number; readonly untilMs?: number; readonly idleStepMs?: number } = {},
  ): Promise<boolean> {
    const maxEvents = options.maxEvents ?? 10_000_000;
    const untilMs = options.untilMs ?? this.nowMs + 3_600_000;
    const idleStepMs = options.idleStepMs ?? 1;
    let events = 0;
    let satisfied = false;
    let pastDeadline = false;
    const stopWhen = (): boolean => {
      satisfied = done();
      pastDeadline = !satisfied && (this.scheduler.nextEventMs() ?? Number.NEGATIVE_INFINITY) > untilMs;
      return satisfied || pastDeadline;
    };
    while (!stopWhen()) {
      if (events >= maxEvents || pastDeadline) return false;
      // No `untilMs` here: an idle scheduler would jump to it; idle time passes in steps below.
      const report = await this.run({ stopWhen, maxEvents: maxEvents - events });
      events += report.events;
      if (report.reason === 'failed') throw report.error;
      if (satisfied) return true;
      if (report.reason === 'stopped' && !pastDeadline) return false; // halted by someone else
      if (report.reason === 'idle' || report.reason === 'stalled') {
        if (this.nowMs >= untilMs) return false;
        await this.run({ untilMs: Math.min(untilMs, this.nowMs + idleStepMs) });
      }
    }
    return satisfied;
  }

  /**
   * Runs the world until `promise` settles and returns it (for test code that awaits a port
   * operation from outside the world). Throws if the world cannot settle it within the bounds.
   */
  async settle<T>(promise: Promise<T>, options: { readonly maxEvents?: number; readonly untilMs?: number } = {}): Promise<T> {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    // A promise that is already settled marks itself once pending microtasks run.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!settled && !(await this.runUntil(() => settled, { ...options, idleStepMs: 1_000 }))) {
      throw new Error(`world.settle: the promise did not settle by t=${this.nowMs} ms`);
    }
    return promise;
  }

  /** Runs for `durationMs` of virtual time from now. */
  runFor(durationMs: number, maxEvents?: number): Promise<RunReport> {
    return this.run(maxEvents === undefined ? { untilMs: this.nowMs + durationMs } : { untilMs: this.nowMs + durationMs, maxEvents });
  }
}
