// Test support (not exported): a small cluster simulator for the Paxos core, in the image of the
// Raft core's (core/raft/simulation.test.ts). 3 or 5 nodes, message loss, delay, duplication and
// reordering, partitions, process pauses, crashes with restart from the persisted state, drifting
// clocks, proposals, read-index requests and compactions, all drawn from a seeded PRNG.
//
// Checkers, after every step (docs/paxos.md §5):
//   - single decision: at most one value is decided per slot, across nodes and incarnations;
//   - decided completeness: an entry decided under ballot b is in the log of every node that
//     becomes leader afterwards with a ballot above b;
//   - ballot order: leaders' ballots strictly increase in the order their leases begin; an
//     acceptor's promises never go down, and a node's successive leaderships have strictly
//     increasing ballots, across crashes (the order in which nodes merely become leader is not
//     an invariant of Paxos: a candidate may complete a promise quorum gathered earlier, after a
//     higher ballot's leader was elected, and then it can decide nothing — docs/paxos.md);
//   - promise keeping: no acceptor accepts under a ballot below one it promised (across crashes);
//   - read-index safety: a read released at index i covers every decision made before it was asked;
//   - lease safety: no two nodes hold a lease at the same real instant (clock rates within the
//     configured drift bound).
// Then the faults stop and a liveness phase demands one leader whose decisions reach every node.
// A violation throws `PaxosSimulationViolation` naming the checker; the planted bugs' tests match
// on that name.
import { utf8Decode, utf8Encode } from '../codec/utf8.js';
import { compareBallots, formatBallot } from './ballot.js';
import { makePaxosConfig, type PaxosConfig } from './config.js';
import { PaxosNode, type PaxosFaults } from './node.js';
import type { AcceptorState, Ballot, PaxosEntry, PaxosMessage, PaxosReady, PaxosSnapshot, PersistedPaxosState } from './types.js';

export type PaxosChecker = 'single-decision' | 'decided-completeness' | 'ballot-order' | 'promise-keeping' | 'read-index' | 'lease' | 'liveness';

export class PaxosSimulationViolation extends Error {
  constructor(
    readonly checker: PaxosChecker,
    message: string,
  ) {
    super(`${checker}: ${message}`);
    this.name = 'PaxosSimulationViolation';
  }
}

/** A seeded PRNG (mulberry32), uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What survives a crash: the durable state the node's Readies asked for, applied in the contract's order. */
export class PaxosMemoryStorage {
  private acceptor: AcceptorState = { promised: { n: 0, nodeId: 0 }, acceptedRound: { n: 0, nodeId: 0 }, decidedIndex: 0 };
  private snapshot: PaxosSnapshot | undefined;
  private entries: PaxosEntry[] = [];

  persist(ready: PaxosReady): void {
    if (ready.snapshot !== undefined) {
      this.snapshot = ready.snapshot;
      this.entries = [];
    }
    const base = this.snapshot?.lastIncludedIndex ?? 0;
    if (ready.truncateAfter !== undefined && ready.truncateAfter >= base) this.entries.length = Math.min(this.entries.length, ready.truncateAfter - base);
    const first = ready.entries[0];
    if (first !== undefined) {
      const at = first.index - base - 1;
      if (at < 0) throw new Error(`storage: entry ${first.index} at or below the snapshot ${base}`);
      if (at > this.entries.length) throw new Error(`storage: entry ${first.index} leaves a gap after ${base + this.entries.length}`);
      this.entries.length = at;
      this.entries.push(...ready.entries);
    }
    if (ready.acceptor !== undefined) this.acceptor = ready.acceptor;
  }

  /** The host compacted up to `snapshot.lastIncludedIndex`. */
  compact(snapshot: PaxosSnapshot): void {
    const base = this.snapshot?.lastIncludedIndex ?? 0;
    if (snapshot.lastIncludedIndex <= base) return;
    this.entries = this.entries.slice(snapshot.lastIncludedIndex - base);
    this.snapshot = snapshot;
  }

  persisted(): PersistedPaxosState {
    return { acceptor: this.acceptor, entries: [...this.entries], ...(this.snapshot !== undefined ? { snapshot: this.snapshot } : {}) };
  }
}

export interface PaxosSimOptions {
  readonly seed: number;
  readonly nodeCount: number;
  /** Real milliseconds of the fault phase. */
  readonly chaosMs: number;
  readonly faults?: PaxosFaults;
  /** Debugging: every delivered message, crash and restart, as a line. */
  readonly trace?: (line: string) => void;
}

interface SimNode {
  readonly id: number;
  readonly config: PaxosConfig;
  readonly storage: PaxosMemoryStorage;
  readonly random: () => number;
  readonly rate: number;
  readonly offsetMs: number;
  node: PaxosNode | null;
  timerGeneration: number;
  /** The toy state: applied command strings, and the index of the last applied entry. */
  state: string[];
  appliedIndex: number;
  lease: { startMs: number; endMs: number } | null;
  lastRole: string;
  pausedUntilMs: number;
  /** The highest ballot this node ever sent a Promise for (any incarnation). */
  maxPromiseSent: Ballot;
  /** The highest ballot this node ever led (any incarnation). */
  maxLedBallot: Ballot;
}

type SimEvent =
  | { readonly kind: 'deliver'; readonly message: PaxosMessage }
  | { readonly kind: 'timer'; readonly id: number; readonly generation: number }
  | { readonly kind: 'crash'; readonly id: number }
  | { readonly kind: 'restart'; readonly id: number }
  | { readonly kind: 'resume'; readonly id: number; readonly readWaiting: boolean }
  | { readonly kind: 'client' }
  | { readonly kind: 'fault' };

/** A binary min-heap of events by (time, sequence): deterministic order for equal times. */
class EventQueue {
  private readonly heap: Array<{ at: number; seq: number; event: SimEvent }> = [];
  private seq = 0;

  push(at: number, event: SimEvent): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, event });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): { at: number; event: SimEvent } | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

const EVENTS_MAX = 400_000;

export interface PaxosSimStats {
  events: number;
  leaders: number;
  decided: number;
  reads: number;
  snapshots: number;
  crashes: number;
}

export class PaxosSimulation {
  private readonly rand: () => number;
  private readonly nodes: SimNode[] = [];
  private readonly queue = new EventQueue();
  private nowMs = 0;
  private partition: number[][] | null = null;
  private faultsOn = true;
  private proposals = 0;
  private readContext = 0;
  // Checkers' memory.
  private readonly decidedAt = new Map<number, string>();
  /** The ballot of the leader that first decided each slot. */
  private readonly decisionBallotAt = new Map<number, Ballot>();
  private maxDecided = 0;
  private readonly pendingReads = new Map<number, number>();
  private readonly leaseIntervals: Array<{ id: number; startMs: number; endMs: number }> = [];
  /** The ballot of the last lease that began (leases begin in real-time order). */
  private lastLeaseBallot: Ballot | null = null;
  readonly stats: PaxosSimStats = { events: 0, leaders: 0, decided: 0, reads: 0, snapshots: 0, crashes: 0 };

  constructor(private readonly options: PaxosSimOptions) {
    this.rand = seededRandom(options.seed * 7919 + options.nodeCount);
    const voters = Array.from({ length: options.nodeCount }, (_, i) => i + 1);
    for (const id of voters) {
      const made = makePaxosConfig({ id, voters, maxEntriesPerMessage: 1 + Math.floor(this.rand() * 4) });
      if (!made.ok) throw new Error(made.message);
      const drift = made.config.clockDriftBound;
      const n: SimNode = {
        id,
        config: made.config,
        storage: new PaxosMemoryStorage(),
        random: seededRandom(options.seed * 31 + id),
        rate: 1 - drift + 2 * drift * this.rand(),
        offsetMs: Math.floor(this.rand() * 10_000),
        node: null,
        timerGeneration: 0,
        state: [],
        appliedIndex: 0,
        lease: null,
        lastRole: 'follower',
        pausedUntilMs: 0,
        maxPromiseSent: { n: 0, nodeId: 0 },
        maxLedBallot: { n: 0, nodeId: 0 },
      };
      n.node = PaxosNode.create(made.config, n.random, this.localMs(n), options.faults ?? {});
      this.nodes.push(n);
      this.scheduleTimer(n);
    }
    this.queue.push(0, { kind: 'client' });
    this.queue.push(0, { kind: 'fault' });
  }

  private chance(numerator: number, denominator: number): boolean {
    return this.rand() * denominator < numerator;
  }

  private localMs(n: SimNode, atMs = this.nowMs): number {
    return Math.floor(n.offsetMs + n.rate * atMs);
  }

  /** The real time at which n's clock first reads `localMs`. */
  private realTimeOf(n: SimNode, localMs: number): number {
    let at = Math.max(this.nowMs, (localMs - n.offsetMs) / n.rate);
    while (this.localMs(n, at) < localMs) at += 0.001;
    return at;
  }

  private scheduleTimer(n: SimNode): void {
    if (n.node === null) return;
    n.timerGeneration += 1;
    this.queue.push(this.realTimeOf(n, n.node.deadlineMs()), { kind: 'timer', id: n.id, generation: n.timerGeneration });
  }

  private reachable(from: number, to: number): boolean {
    if (this.partition === null) return true;
    const group = this.partition.find((g) => g.includes(from));
    return group !== undefined && group.includes(to);
  }

  /** Runs the fault phase, then the liveness phase; throws a `PaxosSimulationViolation` on the first broken property. */
  run(): void {
    const endMs = this.options.chaosMs + 5_000;
    while (this.stats.events < EVENTS_MAX) {
      const next = this.queue.pop();
      if (next === undefined || next.at > endMs) break;
      this.nowMs = next.at;
      if (this.faultsOn && this.nowMs >= this.options.chaosMs) this.stopFaults();
      this.stats.events += 1;
      this.step(next.event);
    }
    this.checkLeaseSafety();
    this.checkLiveness();
  }

  private stopFaults(): void {
    this.faultsOn = false;
    this.partition = null;
    for (const n of this.nodes) if (n.node === null) this.restart(n);
  }

  private step(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver': {
        const target = this.nodes[event.message.to - 1]!;
        if (this.deferWhilePaused(target, event)) return;
        if (target.node === null || !this.reachable(event.message.from, event.message.to)) return;
        this.options.trace?.(`${this.nowMs.toFixed(1)} deliver ${traceMessage(event.message)}`);
        target.node.handle({ kind: 'message', message: event.message, nowMs: this.localMs(target) });
        this.afterInput(target);
        return;
      }
      case 'timer': {
        const n = this.nodes[event.id - 1]!;
        if (this.deferWhilePaused(n, event)) return;
        if (n.node === null || event.generation !== n.timerGeneration) return;
        n.node.handle({ kind: 'tick', nowMs: this.localMs(n) });
        this.afterInput(n);
        return;
      }
      case 'crash': {
        const n = this.nodes[event.id - 1]!;
        if (n.node === null) return;
        this.closeLease(n);
        this.options.trace?.(`${this.nowMs.toFixed(1)} crash ${n.id}`);
        n.node = null;
        n.pausedUntilMs = 0;
        this.stats.crashes += 1;
        const downMs = this.chance(1, 2) ? 20 + this.rand() * 200 : 200 + this.rand() * 1_500;
        this.queue.push(this.nowMs + downMs, { kind: 'restart', id: n.id });
        return;
      }
      case 'restart': {
        const n = this.nodes[event.id - 1]!;
        if (n.node === null) this.restart(n);
        return;
      }
      case 'resume': {
        const n = this.nodes[event.id - 1]!;
        if (n.node !== null && event.readWaiting) this.readIndex(n);
        return;
      }
      case 'client':
        this.client();
        this.queue.push(this.nowMs + 5 + this.rand() * 60, { kind: 'client' });
        return;
      case 'fault':
        if (!this.faultsOn) return;
        this.fault();
        this.queue.push(this.nowMs + 50 + this.rand() * 500, { kind: 'fault' });
        return;
      default: {
        const never: never = event;
        throw new Error(String(never));
      }
    }
  }

  private deferWhilePaused(n: SimNode, event: SimEvent): boolean {
    if (n.pausedUntilMs <= this.nowMs) return false;
    this.queue.push(n.pausedUntilMs, event);
    return true;
  }

  private readIndex(n: SimNode): void {
    const context = ++this.readContext;
    const result = n.node!.handle({ kind: 'read-index', context });
    if (result.ok) this.pendingReads.set(context, this.maxDecided);
    this.afterInput(n);
  }

  private restart(n: SimNode): void {
    const persisted = n.storage.persisted();
    this.options.trace?.(`${this.nowMs.toFixed(1)} restart ${n.id} ${JSON.stringify(persisted.acceptor)} entries ${persisted.entries.length} snapshot ${persisted.snapshot?.lastIncludedIndex ?? 0}`);
    n.node = PaxosNode.restore(n.config, persisted, n.random, this.localMs(n), this.options.faults ?? {});
    n.state = persisted.snapshot === undefined ? [] : decodeState(persisted.snapshot.data);
    n.appliedIndex = persisted.snapshot?.lastIncludedIndex ?? 0;
    n.lastRole = 'follower';
    this.afterInput(n);
  }

  private fault(): void {
    const live = this.nodes.filter((n) => n.node !== null);
    const leaders = live.filter((n) => n.node!.status().role === 'leader');
    const roll = this.rand();
    if (roll < 0.2) {
      const ids = this.nodes.map((n) => n.id).sort(() => this.rand() - 0.5);
      const cut = 1 + Math.floor(this.rand() * (ids.length - 1));
      this.partition = [ids.slice(0, cut), ids.slice(cut)];
    } else if (roll < 0.35 && leaders.length > 0) {
      const leader = leaders[Math.floor(this.rand() * leaders.length)]!.id;
      this.partition = [[leader], this.nodes.map((n) => n.id).filter((id) => id !== leader)];
    } else if (roll < 0.55) {
      this.partition = null;
    } else if (roll < 0.72 && live.length > 0) {
      const pool = leaders.length > 0 && this.chance(4, 5) ? leaders : live;
      const victim = pool[Math.floor(this.rand() * pool.length)]!;
      if (victim.pausedUntilMs <= this.nowMs) {
        victim.pausedUntilMs = this.nowMs + 200 + this.rand() * 800;
        this.queue.push(victim.pausedUntilMs, { kind: 'resume', id: victim.id, readWaiting: this.chance(1, 2) });
      }
    } else if (roll < 0.85 && live.length > 0) {
      const pool = leaders.length > 0 && this.chance(1, 2) ? leaders : live;
      const victim = pool[Math.floor(this.rand() * pool.length)]!;
      this.queue.push(this.nowMs, { kind: 'crash', id: victim.id });
    } else if (live.length > 0) {
      // The application compacts its log at what it applied.
      const n = live[Math.floor(this.rand() * live.length)]!;
      const node = n.node!;
      const status = node.status();
      if (status.applied > status.snapshotIndex && n.appliedIndex === status.applied) {
        const snapshot = { lastIncludedIndex: status.applied, data: utf8Encode(n.state.join(',')) };
        n.storage.compact(snapshot);
        node.handle({ kind: 'snapshot-taken', index: snapshot.lastIncludedIndex, data: snapshot.data });
        this.afterInput(n);
      }
    }
  }

  private client(): void {
    const live = this.nodes.filter((n) => n.node !== null && n.pausedUntilMs <= this.nowMs);
    if (live.length === 0) return;
    const leaders = live.filter((n) => n.node!.status().role === 'leader');
    const target = leaders.length > 0 && this.chance(9, 10) ? leaders[Math.floor(this.rand() * leaders.length)]! : live[Math.floor(this.rand() * live.length)]!;
    if (this.chance(1, 5)) {
      this.readIndex(target);
      return;
    }
    target.node!.handle({ kind: 'propose', command: utf8Encode(`v${++this.proposals}`) });
    this.afterInput(target);
  }

  /** What a host does: the Ready contract in order, then the checks. */
  private afterInput(n: SimNode): void {
    const node = n.node!;
    while (node.hasReady()) {
      const ready = node.ready();
      n.storage.persist(ready);
      for (const m of ready.messages) this.send(n, m);
      if (ready.snapshot !== undefined) {
        n.state = decodeState(ready.snapshot.data);
        n.appliedIndex = ready.snapshot.lastIncludedIndex;
        this.stats.snapshots += 1;
      }
      for (const e of ready.decided) this.apply(n, e);
      for (const r of ready.readStates) {
        const decidedBefore = this.pendingReads.get(r.context);
        if (decidedBefore === undefined) throw new Error(`read ${r.context} released twice or never requested`);
        this.pendingReads.delete(r.context);
        if (r.index < decidedBefore) throw new PaxosSimulationViolation('read-index', `read at ${r.index} misses decision ${decidedBefore} made before the request`);
        this.stats.reads += 1;
      }
      node.advance(ready);
      this.recordDecisions(n);
      if (this.options.trace !== undefined) {
        const st = node.status();
        this.options.trace(`   n${n.id} ${st.role} b=${formatBallot(st.ballot)} p=${formatBallot(st.promised)} a=${formatBallot(st.acceptedRound)} d=${st.decided} last=${st.lastIndex} snap=${st.snapshotIndex}${ready.truncateAfter !== undefined ? ` trunc=${ready.truncateAfter}` : ''}`);
      }
      this.observeRole(n);
    }
    node.invariants();
    this.observeLease(n);
    this.scheduleTimer(n);
  }

  private send(from: SimNode, m: PaxosMessage): void {
    if (m.type === 'promise' && compareBallots(m.ballot, from.maxPromiseSent) < 0) {
      throw new PaxosSimulationViolation('ballot-order', `node ${from.id} promised ${formatBallot(m.ballot)} after promising ${formatBallot(from.maxPromiseSent)}`);
    }
    if (m.type === 'promise' && compareBallots(m.ballot, from.maxPromiseSent) > 0) {
      from.maxPromiseSent = m.ballot;
      // A crash aimed at the durability window: just after a promise left, before the leader's
      // sync makes the acceptor write again (the window a promise-before-persist bug needs).
      if (this.faultsOn && this.chance(1, 8)) this.queue.push(this.nowMs + this.rand() * 5, { kind: 'crash', id: from.id });
    }
    if (m.type === 'accepted' && m.synced && compareBallots(m.ballot, from.maxPromiseSent) < 0) {
      throw new PaxosSimulationViolation('promise-keeping', `node ${from.id} accepted under ${formatBallot(m.ballot)} after promising ${formatBallot(from.maxPromiseSent)}`);
    }
    if (this.faultsOn && this.chance(1, 20)) return; // lost
    const copies = this.faultsOn && this.chance(1, 30) ? 2 : 1;
    for (let c = 0; c < copies; c += 1) {
      const delayMs = this.faultsOn ? 1 + this.rand() * 25 : 1 + this.rand() * 3;
      this.queue.push(this.nowMs + delayMs, { kind: 'deliver', message: m });
    }
  }

  private apply(n: SimNode, e: PaxosEntry): void {
    if (e.index !== n.appliedIndex + 1) throw new Error(`node ${n.id} applied ${e.index} after ${n.appliedIndex}`);
    n.appliedIndex = e.index;
    const described = describe(e);
    const previous = this.decidedAt.get(e.index);
    if (previous === undefined) {
      this.decidedAt.set(e.index, described);
      this.maxDecided = Math.max(this.maxDecided, e.index);
    } else if (previous !== described) {
      throw new PaxosSimulationViolation('single-decision', `slot ${e.index} decided as ${previous} and as ${described} (node ${n.id})`);
    }
    if (e.kind === 'normal') n.state.push(utf8Decode(e.data));
    this.stats.decided += 1;
  }

  /** A leader's decisions: each newly decided slot is recorded with the ballot it was decided under. */
  private recordDecisions(n: SimNode): void {
    const node = n.node!;
    const status = node.status();
    if (status.role !== 'leader') return;
    for (let index = status.decided; index > status.snapshotIndex && !this.decisionBallotAt.has(index); index -= 1) {
      const entry = node.entryAt(index)!;
      this.decisionBallotAt.set(index, status.ballot);
      this.maxDecided = Math.max(this.maxDecided, index);
      const described = describe(entry);
      const previous = this.decidedAt.get(index);
      if (previous === undefined) this.decidedAt.set(index, described);
      else if (previous !== described) throw new PaxosSimulationViolation('single-decision', `slot ${index} decided as ${previous} and as ${described} (leader ${n.id})`);
    }
  }

  private observeRole(n: SimNode): void {
    const status = n.node!.status();
    if (status.role === 'leader' && n.lastRole !== 'leader') {
      if (compareBallots(status.ballot, n.maxLedBallot) <= 0 || compareBallots(status.ballot, n.maxPromiseSent) < 0) {
        throw new PaxosSimulationViolation(
          'ballot-order',
          `node ${n.id} leads ${formatBallot(status.ballot)} after leading ${formatBallot(n.maxLedBallot)} and promising ${formatBallot(n.maxPromiseSent)}`,
        );
      }
      n.maxLedBallot = status.ballot;
      this.stats.leaders += 1;
      this.checkDecidedCompleteness(n);
    }
    if (status.role !== 'leader') this.closeLease(n);
    n.lastRole = status.role;
  }

  private checkDecidedCompleteness(n: SimNode): void {
    const node = n.node!;
    const status = node.status();
    for (const [index, described] of this.decidedAt) {
      const decidedUnder = this.decisionBallotAt.get(index);
      if (index <= status.snapshotIndex || decidedUnder === undefined || compareBallots(decidedUnder, status.ballot) >= 0) continue;
      const mine = node.entryAt(index);
      if (mine === undefined || describe(mine) !== described) {
        throw new PaxosSimulationViolation(
          'decided-completeness',
          `leader ${n.id} of ${formatBallot(status.ballot)} holds ${mine === undefined ? 'nothing' : describe(mine)} at slot ${index}, decided as ${described}`,
        );
      }
    }
  }

  private observeLease(n: SimNode): void {
    const node = n.node!;
    const until = node.softState().leaseUntilMs;
    if (until === null || !node.hasLease(this.localMs(n))) return;
    const endMs = this.realTimeOf(n, until);
    if (n.lease !== null && n.lease.endMs > this.nowMs) n.lease.endMs = Math.max(n.lease.endMs, endMs);
    else {
      // Leaders' ballots strictly increase in the order their leases begin: a lease of a lower
      // ballot after a higher one's began would need an acceptor to answer the lower ballot's
      // round after promising the higher one (docs/paxos.md §5).
      const ballot = node.status().ballot;
      if (this.lastLeaseBallot !== null && compareBallots(ballot, this.lastLeaseBallot) < 0) {
        throw new PaxosSimulationViolation('ballot-order', `node ${n.id} holds a lease under ${formatBallot(ballot)} after a lease under ${formatBallot(this.lastLeaseBallot)}`);
      }
      this.lastLeaseBallot = ballot;
      const interval = { id: n.id, startMs: this.nowMs, endMs };
      this.leaseIntervals.push(interval);
      n.lease = interval;
    }
  }

  private closeLease(n: SimNode): void {
    if (n.lease !== null && n.lease.endMs > this.nowMs) n.lease.endMs = this.nowMs;
    n.lease = null;
  }

  private checkLeaseSafety(): void {
    const sorted = [...this.leaseIntervals].sort((a, b) => a.startMs - b.startMs);
    for (let i = 0; i < sorted.length; i += 1) {
      const a = sorted[i]!;
      for (let j = i + 1; j < sorted.length && sorted[j]!.startMs < a.endMs; j += 1) {
        const b = sorted[j]!;
        if (b.id !== a.id) throw new PaxosSimulationViolation('lease', `node ${a.id} [${a.startMs}, ${a.endMs}) overlaps node ${b.id} [${b.startMs}, ${b.endMs})`);
      }
    }
  }

  private checkLiveness(): void {
    const live = this.nodes.filter((n) => n.node !== null);
    const leaders = live.filter((n) => n.node!.status().role === 'leader');
    if (leaders.length !== 1) throw new PaxosSimulationViolation('liveness', `${leaders.length} leaders after the faults stopped`);
    const leader = leaders[0]!.node!.status();
    if (leader.decided < leader.leaderStartIndex) throw new PaxosSimulationViolation('liveness', 'the leader did not decide its adopted log');
    for (const n of live) {
      if (n.appliedIndex < leader.decided - 50) throw new PaxosSimulationViolation('liveness', `node ${n.id} applied ${n.appliedIndex}, the leader decided ${leader.decided}`);
    }
  }
}

function traceMessage(m: PaxosMessage): string {
  const { from, to, type } = m;
  const head = `${type} ${from}->${to} b=${formatBallot(m.ballot)}`;
  switch (m.type) {
    case 'prepare':
      return `${head} d=${m.decidedIndex} a=${formatBallot(m.acceptedRound)} end=${m.logEnd}`;
    case 'promise':
      return `${head} a=${formatBallot(m.acceptedRound)} end=${m.logEnd} d=${m.decidedIndex} suffix=${m.hasSuffix ? `${m.suffixFrom}+${m.entries.length}` : '-'} snap=${m.snapshot?.lastIncludedIndex ?? '-'}`;
    case 'accept-sync':
      return `${head} sync=${m.syncIndex}+${m.entries.length} d=${m.decidedIndex} snap=${m.snapshot?.lastIncludedIndex ?? '-'}`;
    case 'accept':
      return `${head} start=${m.startIndex}+${m.entries.length} d=${m.decidedIndex}`;
    case 'accepted':
      return `${head} synced=${m.synced} end=${m.logEnd}`;
    default:
      return head;
  }
}

function describe(e: PaxosEntry): string {
  return `${formatBallot(e.ballot)}/${e.kind}/${utf8Decode(e.data)}`;
}

function decodeState(data: Uint8Array): string[] {
  const text = utf8Decode(data);
  return text === '' ? [] : text.split(',');
}
