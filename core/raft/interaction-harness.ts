// TEST SUPPORT: the interpreter of the Raft interaction scripts (core/raft/testdata/*.txt), in the
// style of etcd-io/raft's datadriven tests. A script is a list of commands, each followed by the
// exact trace it must produce:
//
//   add-nodes 3 [pre-vote=false] [check-quorum=false]   nodes 1..N, voters 1..N, clocks at 0
//   campaign 1            tick 2 300 (+ms on node 2's clock)      tick-all 300
//   deliver [1->2]        drop [1->2]        partition 1 | 2 3        heal
//   propose 1 a [b ...]   read-index 1 7 [8 ...]   compact 1 [index]  crash 2     restart 2
//   stabilize             status [id]        log [id]                lease [id]
//   join-node 4           a node with no voters that waits to be added (--join)
//   add-learner 1 4       promote 1 4        remove 1 3   (membership changes, on leader 1)
//   members [id]          each node's membership in effect and the index of its config entry
//
// After every input the harness does what a host does with the node's Ready, in the ordering rule's
// order: persist (to an in-memory "disk" that survives `crash`), queue the messages on the network,
// apply committed entries to a toy state machine (the list of applied commands). Everything is
// deterministic: virtual clocks, a seeded PRNG per node, messages delivered in send order.
// Invariants of every live node are checked after every step.
import { assert } from '../assert.js';
import { utf8Decode, utf8Encode } from '../codec/utf8.js';
import { makeRaftConfig, type RaftConfig, type RaftConfigOptions } from './config.js';
import { decodeMembership, learnersOf, votersOf, type Membership, type MembershipChange } from './membership.js';
import { RaftNode, type RaftFaults } from './node.js';
import type { Entry, HardState, Message, PersistedRaftState, Ready, Snapshot } from './types.js';

/** A small seeded PRNG (mulberry32): deterministic election timeouts. */
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

/** What survives a crash: the durable state the node's Readies asked for. */
export class MemoryStorage {
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];

  /** Step 1 of the Ready ordering rule. */
  persist(ready: Ready): void {
    if (ready.snapshot !== undefined) {
      this.snapshot = ready.snapshot;
      this.entries = [];
    }
    const first = ready.entries[0];
    if (first !== undefined) {
      const base = this.snapshot?.lastIncludedIndex ?? 0;
      this.entries.length = Math.min(this.entries.length, first.index - base - 1);
      assert(this.entries.length === first.index - base - 1, 'storage_append_contiguous');
      this.entries.push(...ready.entries);
    }
    if (ready.hardState !== undefined) this.hardState = ready.hardState;
  }

  /** The application took a snapshot at `index` (its own file); the log prefix may go. */
  compact(snapshot: Snapshot): void {
    const base = this.snapshot?.lastIncludedIndex ?? 0;
    this.entries = this.entries.slice(snapshot.lastIncludedIndex - base);
    this.snapshot = snapshot;
  }

  persisted(): PersistedRaftState {
    const state = { hardState: this.hardState, entries: [...this.entries] };
    return this.snapshot === undefined ? state : { ...state, snapshot: this.snapshot };
  }
}

export function describeMembership(m: Membership): string {
  return `voters=[${votersOf(m).join(' ')}] learners=[${learnersOf(m).join(' ')}]`;
}

export function describeEntry(e: Entry): string {
  if (e.kind === 'noop') return `${e.term}/${e.index} noop`;
  if (e.kind === 'config') return `${e.term}/${e.index} config ${describeMembership(decodeMembership(e.data))}`;
  return `${e.term}/${e.index} ${utf8Decode(e.data)}`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'append':
      return `${head} round=${m.round} prev=${m.prevLogTerm}/${m.prevLogIndex} commit=${m.commit} entries=[${m.entries.map(describeEntry).join(', ')}]`;
    case 'append-response':
      return m.success
        ? `${head} round=${m.round} match=${m.matchIndex}`
        : `${head} round=${m.round} reject=${m.rejectedIndex} hint=${m.conflictTerm}/${m.conflictIndex}`;
    case 'vote':
      return `${head}${m.preVote ? ' pre' : ''} last=${m.lastLogTerm}/${m.lastLogIndex}`;
    case 'vote-response':
      return `${head}${m.preVote ? ' pre' : ''} ${m.granted ? 'granted' : 'refused'}`;
    case 'snapshot':
      return (
        `${head} round=${m.round} snapshot=${m.snapshot.lastIncludedTerm}/${m.snapshot.lastIncludedIndex} [${utf8Decode(m.snapshot.data)}]` +
        (m.snapshot.membership === undefined ? '' : ` ${describeMembership(m.snapshot.membership)}`)
      );
    case 'snapshot-response':
      return `${head} round=${m.round} match=${m.matchIndex}`;
    case 'heartbeat':
      return `${head} round=${m.round} commit=${m.commit}`;
    case 'heartbeat-response':
      return `${head} round=${m.round}`;
    default: {
      const never: never = m;
      return String(never);
    }
  }
}

interface HarnessNode {
  readonly id: number;
  readonly config: RaftConfig;
  readonly storage: MemoryStorage;
  readonly random: () => number;
  node: RaftNode | null;
  clockMs: number;
  /** The toy state machine: the commands applied, in order. */
  applied: string[];
  /** The last soft state printed (printed again only when it changes). */
  softLine: string;
  /** Planted bugs this node runs with (`add-nodes N commit-older-term-by-counting=true`). */
  readonly faults: RaftFaults;
}

const STABILIZE_ROUNDS_MAX = 200;

export class InteractionHarness {
  private readonly nodes = new Map<number, HarnessNode>();
  private queue: Message[] = [];
  private partitionGroups: number[][] | null = null;
  private out: string[] = [];

  /** Runs one command line; returns its trace (never empty: "ok" when nothing happened). */
  /** Each node's toy state: the commands it applied, in order (state-machine safety checks). */
  appliedStates(): ReadonlyMap<number, readonly string[]> {
    return new Map([...this.nodes].map(([id, n]) => [id, [...n.applied]]));
  }

  run(line: string): string {
    this.out = [];
    const [command, ...args] = line.trim().split(/\s+/);
    switch (command) {
      case 'add-nodes':
        this.addNodes(args);
        break;
      case 'campaign': {
        const result = this.live(args[0]).handle({ kind: 'campaign' });
        if (!result.ok) this.out.push(`${args[0]}: campaign refused: ${result.code}`);
        this.processReady(this.get(args[0]));
        break;
      }
      case 'tick':
        this.tick(this.get(args[0]), Number(args[1]));
        break;
      case 'tick-all': {
        for (const n of this.nodes.values()) this.tick(n, Number(args[0]));
        break;
      }
      case 'deliver':
        this.deliverOnce(args[0]);
        break;
      case 'drop':
        this.drop(args[0]);
        break;
      case 'partition':
        this.partitionGroups = args.join(' ').split('|').map((g) => g.trim().split(/\s+/).map(Number));
        this.out.push(`partition ${this.partitionGroups.map((g) => g.join(' ')).join(' | ')}`);
        break;
      case 'heal':
        this.partitionGroups = null;
        break;
      case 'propose': {
        // Several commands are proposed before the host takes the next Ready.
        const n = this.get(args[0]);
        for (const data of args.slice(1)) {
          const result = this.live(args[0]).handle({ kind: 'propose', command: utf8Encode(data) });
          this.out.push(result.ok ? `${n.id}: proposed at ${result.term}/${result.index}` : `${n.id}: propose refused: ${describeFailure(result)}`);
        }
        this.processReady(n);
        break;
      }
      case 'read-index': {
        // Several reads are requested before the host takes the next Ready.
        const n = this.get(args[0]);
        for (const context of args.slice(1)) {
          const result = this.live(args[0]).handle({ kind: 'read-index', context: Number(context) });
          if (!result.ok) this.out.push(`${n.id}: read-index refused: ${describeFailure(result)}`);
        }
        this.processReady(n);
        break;
      }
      case 'compact':
        this.compact(this.get(args[0]), args[1] === undefined ? undefined : Number(args[1]));
        break;
      case 'join-node':
        this.joinNode(Number(args[0]));
        break;
      case 'add-learner':
      case 'promote':
      case 'remove': {
        const n = this.get(args[0]);
        const id = Number(args[1]);
        const change: MembershipChange =
          command === 'add-learner' ? { type: 'add-learner', id, addresses: { raft: `raft-${id}`, service: `svc-${id}`, admin: `adm-${id}` } } : { type: command, id };
        const result = this.live(args[0]).handle({ kind: 'change-membership', change });
        if (!result.ok) this.out.push(`${n.id}: ${command} ${id} refused: ${describeFailure(result)}`);
        else this.out.push(result.index === null ? `${n.id}: ${command} ${id}: already in effect` : `${n.id}: ${command} ${id} at ${result.term}/${result.index}`);
        this.processReady(n);
        break;
      }
      case 'members':
        for (const n of this.select(args[0])) {
          if (n.node === null) continue;
          this.out.push(`${n.id}: ${describeMembership(n.node.membership())} index=${n.node.membershipIndex()}`);
        }
        break;
      case 'crash': {
        const n = this.get(args[0]);
        n.node = null;
        this.out.push(`${n.id}: crashed`);
        break;
      }
      case 'restart':
        this.restart(this.get(args[0]));
        break;
      case 'stabilize':
        this.stabilize();
        break;
      case 'status':
        for (const n of this.select(args[0])) this.out.push(this.describeStatus(n));
        break;
      case 'log':
        for (const n of this.select(args[0])) this.describeLog(n);
        break;
      case 'lease':
        for (const n of this.select(args[0])) {
          if (n.node === null) continue;
          this.out.push(`${n.id}: now=${n.clockMs} has-lease=${n.node.hasLease(n.clockMs)} can-serve=${n.node.canServe(n.clockMs)}`);
        }
        break;
      default:
        throw new Error(`unknown command: ${line}`);
    }
    for (const n of this.nodes.values()) n.node?.invariants();
    return this.out.length === 0 ? 'ok' : this.out.join('\n');
  }

  private addNodes(args: string[]): void {
    const count = Number(args[0]);
    const options: Partial<RaftConfigOptions> = {};
    const mutable = options as Record<string, unknown>;
    const faults: Record<string, boolean> = {};
    for (const arg of args.slice(1)) {
      const [key, value] = arg.split('=');
      const name = (key ?? '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      // Planted bugs (RaftFaults) are not configuration: they go to the node, not the config.
      if (
        name === 'commitOlderTermByCounting' ||
        name === 'leaseWithoutDriftMargin' ||
        name === 'concurrentMembershipChanges' ||
        name === 'membershipChangeBeforeTermCommit' ||
        name === 'removedVoterCountsInQuorum'
      ) {
        faults[name] = value === 'true';
      } else mutable[name] = value === 'true' ? true : value === 'false' ? false : Number(value);
    }
    this.defaultFaults = faults;
    this.defaultOptions = options;
    const voters = Array.from({ length: count }, (_, i) => i + 1);
    for (const id of voters) {
      const made = makeRaftConfig({ ...options, id, voters });
      assert(made.ok, 'harness_config_valid', made.ok ? '' : made.message);
      const random = seededRandom(id);
      const n: HarnessNode = { id, config: made.config, storage: new MemoryStorage(), random, node: null, clockMs: 0, applied: [], softLine: '', faults };
      n.node = RaftNode.create(made.config, random, 0, faults);
      this.nodes.set(id, n);
    }
    this.out.push(`added ${count} node(s): lease=${this.get('1').node?.leaseMs}ms`);
  }

  private defaultFaults: RaftFaults = {};
  private defaultOptions: Partial<RaftConfigOptions> = {};

  /** A node that joins: no voters of its own, it waits for a leader to send it the log. */
  private joinNode(id: number): void {
    assert(!this.nodes.has(id), 'harness_join_new_id');
    const made = makeRaftConfig({ ...this.defaultOptions, id, voters: [] });
    assert(made.ok, 'harness_config_valid', made.ok ? '' : made.message);
    const random = seededRandom(id);
    const n: HarnessNode = { id, config: made.config, storage: new MemoryStorage(), random, node: null, clockMs: 0, applied: [], softLine: '', faults: this.defaultFaults };
    n.node = RaftNode.create(made.config, random, 0, this.defaultFaults);
    this.nodes.set(id, n);
    this.out.push(`joined node ${id} (no voters yet)`);
  }

  private get(id: string | undefined): HarnessNode {
    const n = this.nodes.get(Number(id));
    if (n === undefined) throw new Error(`no node ${String(id)}`);
    return n;
  }

  private live(id: string | undefined): RaftNode {
    const n = this.get(id);
    if (n.node === null) throw new Error(`node ${n.id} is crashed`);
    return n.node;
  }

  private select(id: string | undefined): HarnessNode[] {
    return id === undefined ? [...this.nodes.values()] : [this.get(id)];
  }

  private tick(n: HarnessNode, deltaMs: number): void {
    assert(Number.isSafeInteger(deltaMs) && deltaMs >= 0, 'harness_tick_delta');
    n.clockMs += deltaMs;
    if (n.node === null) return;
    n.node.handle({ kind: 'tick', nowMs: n.clockMs });
    this.processReady(n);
  }

  private reachable(from: number, to: number): boolean {
    if (this.partitionGroups === null) return true;
    const groupOf = (id: number): number => this.partitionGroups?.findIndex((g) => g.includes(id)) ?? -1;
    return groupOf(from) === groupOf(to);
  }

  private matches(m: Message, filter: string | undefined): boolean {
    if (filter === undefined) return true;
    const [from, to] = filter.split('->').map(Number);
    return m.from === from && m.to === to;
  }

  /** Delivers the messages queued now (not the answers they cause) that match `filter`. */
  private deliverOnce(filter?: string): number {
    const batch = this.queue.filter((m) => this.matches(m, filter));
    this.queue = this.queue.filter((m) => !this.matches(m, filter));
    for (const m of batch) {
      const target = this.nodes.get(m.to);
      if (target === undefined || target.node === null) {
        this.out.push(`lost ${describeMessage(m)} (crashed)`);
        continue;
      }
      if (!this.reachable(m.from, m.to)) {
        this.out.push(`lost ${describeMessage(m)} (partition)`);
        continue;
      }
      this.out.push(`recv ${describeMessage(m)}`);
      target.node.handle({ kind: 'message', message: m, nowMs: target.clockMs });
      this.processReady(target);
    }
    return batch.length;
  }

  private drop(filter?: string): void {
    for (const m of this.queue) if (this.matches(m, filter)) this.out.push(`dropped ${describeMessage(m)}`);
    this.queue = this.queue.filter((m) => !this.matches(m, filter));
  }

  private stabilize(): void {
    for (let round = 0; round < STABILIZE_ROUNDS_MAX; round += 1) {
      if (this.queue.length === 0) return;
      this.deliverOnce();
    }
    throw new Error('stabilize did not converge');
  }

  /** What a host does with a Ready, in the ordering rule's order. */
  private processReady(n: HarnessNode): void {
    const node = n.node;
    if (node === null) return;
    while (node.hasReady()) {
      const ready = node.ready();
      const soft = ready.softState;
      const lines: string[] = [];
      const softLine = `  state ${soft.role} term=${soft.term} leader=${soft.leaderId ?? '-'}${soft.leaseUntilMs === null ? '' : ` lease<${soft.leaseUntilMs}`}`;
      if (softLine !== n.softLine) lines.push(softLine);
      n.softLine = softLine;
      // 1. durable state
      if (ready.snapshot !== undefined) lines.push(`  persist snapshot ${ready.snapshot.lastIncludedTerm}/${ready.snapshot.lastIncludedIndex}`);
      if (ready.entries.length > 0) lines.push(`  persist entries [${ready.entries.map(describeEntry).join(', ')}]`);
      if (ready.hardState !== undefined) lines.push(`  persist hard-state term=${ready.hardState.term} vote=${ready.hardState.vote} commit=${ready.hardState.commit}`);
      n.storage.persist(ready);
      // 2. messages
      for (const m of ready.messages) {
        lines.push(`  send ${describeMessage(m)}`);
        this.queue.push(m);
      }
      // 3. apply
      if (ready.snapshot !== undefined) {
        n.applied = decodeToyState(ready.snapshot.data);
        lines.push(`  install snapshot [${n.applied.join(',')}]`);
      }
      for (const e of ready.committed) {
        if (e.kind === 'normal') n.applied.push(utf8Decode(e.data));
        lines.push(`  apply ${describeEntry(e)}`);
      }
      for (const r of ready.readStates) lines.push(`  read-state index=${r.index} ctx=${r.context}`);
      node.advance(ready);
      if (lines.length > 0) this.out.push(`${n.id}: ready`, ...lines);
    }
  }

  private compact(n: HarnessNode, index: number | undefined): void {
    const node = n.node;
    assert(node !== null, 'harness_compact_live_node');
    const at = index ?? node.status().applied;
    // The toy state at `at`: the applied commands of entries ≤ at.
    const data = utf8Encode(this.toyStateAt(n, at).join(','));
    const term = node.entryAt(at)?.term ?? 0;
    const membership = node.snapshotMembershipAt(at);
    n.storage.compact(membership === undefined ? { lastIncludedIndex: at, lastIncludedTerm: term, data } : { lastIncludedIndex: at, lastIncludedTerm: term, data, membership });
    node.handle({ kind: 'snapshot-taken', index: at, data });
    this.out.push(`${n.id}: compacted to ${term}/${at}`);
  }

  private toyStateAt(n: HarnessNode, index: number): string[] {
    const base = n.storage.snapshot;
    const state = base === undefined ? [] : decodeToyState(base.data);
    for (let i = (base?.lastIncludedIndex ?? 0) + 1; i <= index; i += 1) {
      const e = n.node?.entryAt(i);
      assert(e !== undefined, 'harness_compact_entry_known');
      if (e.kind === 'normal') state.push(utf8Decode(e.data));
    }
    return state;
  }

  private restart(n: HarnessNode): void {
    assert(n.node === null, 'harness_restart_crashed_node');
    const persisted = n.storage.persisted();
    n.node = RaftNode.restore(n.config, persisted, n.random, n.clockMs, n.faults);
    n.softLine = '';
    n.applied = persisted.snapshot === undefined ? [] : decodeToyState(persisted.snapshot.data);
    this.out.push(`${n.id}: restarted term=${persisted.hardState.term} vote=${persisted.hardState.vote} commit=${persisted.hardState.commit} entries=${persisted.entries.length}`);
    this.processReady(n);
  }

  private describeStatus(n: HarnessNode): string {
    if (n.node === null) return `${n.id}: crashed`;
    const s = n.node.status();
    const progress = s.progress.map((p) => `${p.id}:${p.state}(match=${p.match},next=${p.next})`).join(' ');
    return (
      `${s.id}: ${s.role} term=${s.term} vote=${s.vote || '-'} leader=${s.leaderId ?? '-'} commit=${s.commit} applied=${s.applied} ` +
      `last=${s.lastIndex} snapshot=${s.snapshotIndex} now=${n.clockMs} deadline=${n.node.deadlineMs()}` +
      (progress === '' ? '' : ` progress ${progress}`) +
      ` sm=[${n.applied.join(',')}]`
    );
  }

  private describeLog(n: HarnessNode): void {
    if (n.node === null) {
      this.out.push(`${n.id}: crashed`);
      return;
    }
    const s = n.node.status();
    const entries: string[] = [];
    for (let i = s.snapshotIndex + 1; i <= s.lastIndex; i += 1) entries.push(describeEntry(n.node.entryAt(i) as Entry));
    this.out.push(`${n.id}: snapshot=${s.snapshotIndex} [${entries.join(', ')}]`);
  }
}

function decodeToyState(data: Uint8Array): string[] {
  const text = utf8Decode(data);
  return text === '' ? [] : text.split(',');
}

function describeFailure(result: { readonly code: string; readonly leaderId?: number | null }): string {
  return result.leaderId === undefined ? result.code : `${result.code} leader=${result.leaderId ?? '-'}`;
}

/** Parses a script into blocks (leading comments, command, expected output). */
export interface ScriptBlock {
  readonly comments: string[];
  readonly command: string;
  readonly expected: string;
}

export function parseScript(text: string): { blocks: ScriptBlock[]; trailing: string[] } {
  const lines = text.split('\n');
  const blocks: ScriptBlock[] = [];
  let comments: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '' || line.startsWith('#')) {
      comments.push(line);
      i += 1;
      continue;
    }
    const command = line;
    i += 1;
    if (lines[i] !== '----') throw new Error(`expected ---- after "${command}" at line ${i + 1}`);
    i += 1;
    const expected: string[] = [];
    while (i < lines.length && (lines[i] as string).trim() !== '') {
      expected.push(lines[i] as string);
      i += 1;
    }
    blocks.push({ comments, command, expected: expected.join('\n') });
    comments = [];
  }
  return { blocks, trailing: comments };
}

/** Runs a script; returns the script text with every expected block replaced by the actual trace. */
export function runScript(text: string): string {
  const { blocks, trailing } = parseScript(text);
  const harness = new InteractionHarness();
  const out: string[] = [];
  for (const block of blocks) {
    out.push(...block.comments, block.command, '----', harness.run(block.command));
  }
  // Keep one trailing newline, drop other trailing blank lines.
  while (trailing.length > 0 && (trailing[trailing.length - 1] as string).trim() === '') trailing.pop();
  out.push(...trailing);
  return out.join('\n') + '\n';
}
