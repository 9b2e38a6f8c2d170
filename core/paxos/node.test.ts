// Scripted behaviour of the Paxos core on a tiny in-test cluster (every message delivered, the
// Ready contract followed by PaxosMemoryStorage), and the ballot order's properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../codec/utf8.js';
import { BALLOT_ZERO, compareBallots, epochOfBallot, PAXOS_BALLOT_N_MAX, PAXOS_NODE_ID_MAX } from './ballot.js';
import { makePaxosConfig, type PaxosConfig } from './config.js';
import { PaxosNode } from './node.js';
import { PaxosMemoryStorage, seededRandom } from './simulation-harness.js';
import type { Ballot, PaxosEntry, PaxosMessage, PaxosReady, PersistedPaxosState } from './types.js';

class Cluster {
  readonly nodes = new Map<number, PaxosNode>();
  readonly storages = new Map<number, PaxosMemoryStorage>();
  readonly readies: Array<{ id: number; ready: PaxosReady }> = [];
  readonly decided = new Map<number, string[]>();
  private inFlight: PaxosMessage[] = [];
  nowMs = 0;
  /** Messages to these nodes are dropped. */
  readonly down = new Set<number>();

  constructor(count: number, persisted: ReadonlyMap<number, PersistedPaxosState> = new Map(), tuning: Partial<PaxosConfig> = {}) {
    const voters = Array.from({ length: count }, (_, i) => i + 1);
    for (const id of voters) {
      const made = makePaxosConfig({ ...tuning, id, voters });
      if (!made.ok) throw new Error(made.message);
      const state = persisted.get(id);
      this.storages.set(id, new PaxosMemoryStorage());
      this.nodes.set(id, state === undefined ? PaxosNode.create(made.config, seededRandom(id), 0) : PaxosNode.restore(made.config, state, seededRandom(id), 0));
      this.decided.set(id, []);
    }
  }

  node(id: number): PaxosNode {
    return this.nodes.get(id)!;
  }

  /** Runs every node's Readies and delivers every message until nothing moves. */
  stabilize(): void {
    for (let rounds = 0; rounds < 1_000; rounds++) {
      for (const [id, node] of this.nodes) {
        while (node.hasReady()) {
          const ready = node.ready();
          this.storages.get(id)!.persist(ready);
          this.readies.push({ id, ready });
          this.inFlight.push(...ready.messages);
          for (const e of ready.decided) this.decided.get(id)!.push(utf8Decode(e.data));
          node.advance(ready);
        }
        node.invariants();
      }
      const batch = this.inFlight;
      this.inFlight = [];
      if (batch.length === 0) return;
      for (const m of batch) if (!this.down.has(m.to) && !this.down.has(m.from)) this.node(m.to).handle({ kind: 'message', message: m, nowMs: this.nowMs });
    }
    throw new Error('cluster did not stabilize');
  }

  tick(id: number, advanceMs: number): void {
    this.nowMs += advanceMs;
    this.node(id).handle({ kind: 'tick', nowMs: this.nowMs });
    this.stabilize();
  }

  tickAll(advanceMs: number): void {
    this.nowMs += advanceMs;
    for (const [id, node] of this.nodes) if (!this.down.has(id)) node.handle({ kind: 'tick', nowMs: this.nowMs });
    this.stabilize();
  }
}

function entry(index: number, ballot: Ballot, text: string): PaxosEntry {
  return { index, ballot, kind: 'normal', data: utf8Encode(text) };
}

const ballotArb = fc.record({ n: fc.integer({ min: 1, max: PAXOS_BALLOT_N_MAX }), nodeId: fc.integer({ min: 1, max: PAXOS_NODE_ID_MAX }) });

describe('ballots', () => {
  it('are totally ordered by n, then node id', () => {
    fc.assert(
      fc.property(ballotArb, ballotArb, (a, b) => {
        const c = compareBallots(a, b);
        expect(Math.sign(c) + Math.sign(compareBallots(b, a))).toBe(0);
        if (a.n !== b.n) expect(Math.sign(c)).toBe(Math.sign(a.n - b.n));
        else expect(Math.sign(c)).toBe(Math.sign(a.nodeId - b.nodeId));
      }),
    );
  });

  it('give epochs in the same strict order, within a u64', () => {
    fc.assert(
      fc.property(ballotArb, ballotArb, (a, b) => {
        const c = Math.sign(compareBallots(a, b));
        const ea = epochOfBallot(a);
        const eb = epochOfBallot(b);
        expect(c === 0 ? ea === eb : c < 0 ? ea < eb : ea > eb).toBe(true);
        expect(ea < 2n ** 64n && ea > 0n).toBe(true);
      }),
    );
  });

  it('the zero ballot is below every real one', () => {
    fc.assert(
      fc.property(ballotArb, (b) => {
        expect(compareBallots(BALLOT_ZERO, b)).toBeLessThan(0);
      }),
    );
  });
});

describe('config', () => {
  it('refuses a node id the epoch cannot pack, with INVALID_CONFIG', () => {
    const made = makePaxosConfig({ id: PAXOS_NODE_ID_MAX + 1, voters: [1, PAXOS_NODE_ID_MAX + 1] });
    expect(made).toMatchObject({ ok: false, code: 'INVALID_CONFIG', message: 'paxos config: id_out_of_range' });
  });

  it('refuses a heartbeat not below the election timeout', () => {
    expect(makePaxosConfig({ id: 1, voters: [1], heartbeatIntervalMs: 300, electionTimeoutMs: 300 })).toMatchObject({ ok: false });
  });
});

describe('PaxosNode', () => {
  it('a single node leads at once and decides its proposals after they are durable', () => {
    const c = new Cluster(1);
    expect(c.node(1).handle({ kind: 'campaign' })).toEqual({ ok: true });
    c.stabilize();
    expect(c.node(1).status()).toMatchObject({ role: 'leader', ballot: { n: 1, nodeId: 1 }, acceptedRound: { n: 1, nodeId: 1 } });
    const proposed = c.node(1).handle({ kind: 'propose', command: utf8Encode('a') });
    expect(proposed).toEqual({ ok: true, index: 1, ballot: { n: 1, nodeId: 1 } });
    c.stabilize();
    expect(c.decided.get(1)).toEqual(['a']);
    // The entry was persisted in a Ready before the one that handed it out as decided.
    const persistedAt = c.readies.findIndex((r) => r.ready.entries.some((e) => e.index === 1));
    const decidedAt = c.readies.findIndex((r) => r.ready.decided.some((e) => e.index === 1));
    expect(persistedAt).toBeGreaterThanOrEqual(0);
    expect(decidedAt).toBeGreaterThan(persistedAt);
  });

  it('a single voter keeps leading across a tick later than the election timeout (a stalled event loop)', () => {
    // runners/paxos-metrics.test.ts saw the one-voter server step down under load (load average ~50).
    const c = new Cluster(1);
    c.node(1).handle({ kind: 'campaign' });
    c.stabilize();
    const leader = c.node(1);
    c.tick(1, 3 * leader.config.electionTimeoutMs);
    expect(leader.status()).toMatchObject({ role: 'leader', ballot: { n: 1, nodeId: 1 } });
    expect(leader.canServe(c.nowMs)).toBe(true);
  });

  it('a promise leaves in the same Ready that makes it durable (persist before send)', () => {
    const c = new Cluster(3);
    c.nowMs = 10_000;
    c.node(1).handle({ kind: 'tick', nowMs: c.nowMs });
    c.stabilize();
    expect(c.node(1).status().role).toBe('leader');
    for (const { ready } of c.readies) {
      for (const m of ready.messages) {
        if (m.type === 'promise') expect(ready.acceptor?.promised).toEqual(m.ballot);
      }
    }
    expect(c.readies.some(({ ready }) => ready.messages.some((m) => m.type === 'promise'))).toBe(true);
  });

  it('an acceptor refuses an Accept below its promise with a Nack and keeps its log', () => {
    const c = new Cluster(3);
    const acceptor = c.node(2);
    acceptor.handle({ kind: 'message', nowMs: 1_000, message: { type: 'prepare', from: 3, to: 2, ballot: { n: 5, nodeId: 3 }, decidedIndex: 0, acceptedRound: BALLOT_ZERO, logEnd: 0 } });
    acceptor.advance(acceptor.ready());
    acceptor.handle({
      kind: 'message',
      nowMs: 1_001,
      message: { type: 'accept-sync', from: 1, to: 2, ballot: { n: 4, nodeId: 1 }, round: 1, syncIndex: 0, entries: [entry(1, { n: 4, nodeId: 1 }, 'x')], decidedIndex: 0 },
    });
    const ready = acceptor.ready();
    expect(ready.messages).toEqual([{ type: 'nack', from: 2, to: 1, ballot: { n: 4, nodeId: 1 }, promised: { n: 5, nodeId: 3 } }]);
    expect(ready.entries).toEqual([]);
    expect(acceptor.status()).toMatchObject({ lastIndex: 0, acceptedRound: BALLOT_ZERO });
  });

  it('a new leader re-proposes the highest accepted suffix of its promise quorum before its own entries', () => {
    // Node 2 accepted a, b, c under ballot 1.3 (leader 3, now gone); nothing was decided. Node 1
    // knows nothing. Node 1's promise quorum {1, 2} must carry a, b, c into its log.
    const old: Ballot = { n: 1, nodeId: 3 };
    const persisted = new Map<number, PersistedPaxosState>([
      [2, { acceptor: { promised: old, acceptedRound: old, decidedIndex: 0 }, entries: [entry(1, old, 'a'), entry(2, old, 'b'), entry(3, old, 'c')] }],
      [3, { acceptor: { promised: old, acceptedRound: old, decidedIndex: 0 }, entries: [entry(1, old, 'a')] }],
    ]);
    const c = new Cluster(3, persisted);
    c.down.add(3);
    c.nowMs = 10_000;
    expect(c.node(1).handle({ kind: 'campaign' })).toEqual({ ok: true });
    c.stabilize();
    // Its first ballot, 1.1, is below node 2's promise: refused, and learnt from the answer.
    expect(c.node(1).status()).toMatchObject({ role: 'pre-candidate', ballot: { n: 1, nodeId: 1 } });
    c.tick(1, 2 * c.node(1).config.electionTimeoutMs);
    expect(c.node(1).status()).toMatchObject({ role: 'leader', ballot: { n: 2, nodeId: 1 }, lastIndex: 3, leaderStartIndex: 3, decided: 3 });
    expect(c.node(1).handle({ kind: 'propose', command: utf8Encode('mine') })).toMatchObject({ ok: true, index: 4 });
    c.stabilize();
    expect(c.decided.get(1)).toEqual(['a', 'b', 'c', 'mine']);
    // The follower learns the decision with the leader's next Accept (its heartbeat).
    expect(c.decided.get(2)).toEqual(['a', 'b', 'c']);
    c.tick(1, c.node(1).config.heartbeatIntervalMs);
    expect(c.decided.get(2)).toEqual(['a', 'b', 'c', 'mine']);
    expect(c.node(1).entryAt(2)?.ballot).toEqual(old);
  });

  it('a leader serves only with a quorum-acknowledged lease and its adopted log applied', () => {
    const c = new Cluster(3);
    c.nowMs = 10_000;
    c.node(1).handle({ kind: 'campaign' });
    c.stabilize();
    const leader = c.node(1);
    expect(leader.status().role).toBe('leader');
    expect(leader.canServe(c.nowMs)).toBe(true);
    expect(leader.canServe(c.nowMs + leader.leaseMs)).toBe(false);
    // Cut off from both followers, it loses the lease and then steps down (check-quorum).
    c.down.add(2);
    c.down.add(3);
    c.tickAll(leader.config.electionTimeoutMs);
    expect(leader.canServe(c.nowMs)).toBe(false);
    expect(leader.status().role).toBe('follower');
  });

  it('followers refuse to promise a higher ballot while they hear from a live leader', () => {
    const c = new Cluster(3);
    c.nowMs = 10_000;
    c.node(1).handle({ kind: 'campaign' });
    c.stabilize();
    expect(c.node(3).handle({ kind: 'campaign' })).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
    c.node(2).handle({ kind: 'message', nowMs: c.nowMs, message: { type: 'prepare', from: 3, to: 2, ballot: { n: 9, nodeId: 3 }, decidedIndex: 0, acceptedRound: BALLOT_ZERO, logEnd: 0 } });
    c.stabilize();
    expect(c.node(2).status().promised).toEqual({ n: 1, nodeId: 1 });
    expect(c.node(1).status().role).toBe('leader');
  });
});

/** Takes every Ready of `node` (a test acting as its host) and returns the messages it sent. */
function drain(node: PaxosNode): PaxosMessage[] {
  const sent: PaxosMessage[] = [];
  while (node.hasReady()) {
    const ready = node.ready();
    sent.push(...ready.messages);
    node.advance(ready);
  }
  return sent;
}

function deliver(node: PaxosNode, messages: readonly PaxosMessage[], nowMs: number): PaxosMessage[] {
  for (const message of messages) node.handle({ kind: 'message', message, nowMs });
  return drain(node);
}

/** The indexes of the entries the Accepts in `messages` carry to `to`. */
function acceptedIndexesTo(messages: readonly PaxosMessage[], to: number): number[] {
  return messages.flatMap((m) => (m.type === 'accept' && m.to === to ? m.entries.map((e) => e.index) : []));
}

describe('PaxosNode replication flow', () => {
  // 3-node oracle swarm seed 365: answers that trailed the leader's pipeline (or repeated) each
  // rewound the follower's resend point, so every answer resent the in-flight entries, which drew
  // more trailing answers: ~36,000 messages in 1.7 s and no client answered.
  function pipelinedCluster(): { c: Cluster; leader: PaxosNode; toFollower: (to: number) => PaxosMessage[] } {
    const c = new Cluster(3, new Map(), { maxEntriesPerMessage: 1, maxInflightMessages: 16 });
    c.nowMs = 10_000;
    c.node(1).handle({ kind: 'campaign' });
    c.stabilize();
    const leader = c.node(1);
    expect(leader.status().role).toBe('leader');
    for (let i = 0; i < 10; i++) expect(leader.handle({ kind: 'propose', command: utf8Encode(`e${i}`) })).toMatchObject({ ok: true });
    const sent = drain(leader);
    expect(acceptedIndexesTo(sent, 2)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    return { c, leader, toFollower: (to) => sent.filter((m) => m.to === to) };
  }

  it('answers that trail the pipeline, or repeat, make the leader resend nothing', () => {
    const { c, leader, toFollower } = pipelinedCluster();
    const answers = deliver(c.node(2), toFollower(2), c.nowMs);
    expect(answers.filter((m) => m.type === 'accepted').map((m) => (m.type === 'accepted' ? m.logEnd : -1))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const resent = deliver(leader, [...answers, ...answers, ...answers], c.nowMs);
    expect(acceptedIndexesTo(resent, 2)).toEqual([]);
    expect(leader.status().decided).toBe(10);
  });

  it('a lost Accept is resent once an answer to a later heartbeat round shows the gap', () => {
    const { c, leader, toFollower } = pipelinedCluster();
    const lost = toFollower(3).filter((m) => !(m.type === 'accept' && m.entries.some((e) => e.index === 5)));
    const answers = deliver(c.node(3), lost, c.nowMs);
    // Answers of the round the entries left in: they trail, nothing is resent yet.
    expect(acceptedIndexesTo(deliver(leader, answers, c.nowMs), 3)).toEqual([]);
    expect(c.node(3).status().lastIndex).toBe(4);
    // The next heartbeat's answer still ends at 4: entries 5..10 went missing, resent once.
    c.nowMs += leader.config.heartbeatIntervalMs;
    leader.handle({ kind: 'tick', nowMs: c.nowMs });
    const heartbeat = drain(leader).filter((m) => m.to === 3);
    expect(acceptedIndexesTo(heartbeat, 3)).toEqual([]);
    const heartbeatAnswers = deliver(c.node(3), heartbeat, c.nowMs);
    const resent = deliver(leader, [...heartbeatAnswers, ...heartbeatAnswers], c.nowMs);
    expect(acceptedIndexesTo(resent, 3)).toEqual([5, 6, 7, 8, 9, 10]);
    deliver(c.node(3), resent, c.nowMs);
    expect(c.node(3).status().lastIndex).toBe(10);
  });

  it('keeps at most maxInflightMessages Accepts with entries unanswered per follower', () => {
    const c = new Cluster(3, new Map(), { maxEntriesPerMessage: 2, maxInflightMessages: 3 });
    c.nowMs = 10_000;
    c.node(1).handle({ kind: 'campaign' });
    c.stabilize();
    const leader = c.node(1);
    for (let i = 0; i < 20; i++) leader.handle({ kind: 'propose', command: utf8Encode(`e${i}`) });
    const sent = drain(leader);
    // One entry per Accept while proposals arrive one by one: the window is 3 × 2 entries.
    expect(acceptedIndexesTo(sent, 2)).toEqual([1, 2, 3, 4, 5, 6]);
    const answers = deliver(c.node(2), sent.filter((m) => m.to === 2), c.nowMs);
    const next = deliver(leader, answers, c.nowMs);
    expect(acceptedIndexesTo(next, 2)).toEqual([7, 8, 9, 10, 11, 12]);
  });
});

describe('paxos config', () => {
  it('refuses an in-flight window out of range, naming it', () => {
    expect(makePaxosConfig({ id: 1, voters: [1], maxInflightMessages: 0 })).toMatchObject({ ok: false, message: 'paxos config: max_inflight_messages_out_of_range' });
    expect(makePaxosConfig({ id: 1, voters: [1], maxInflightMessages: 257 })).toMatchObject({ ok: false, message: 'paxos config: max_inflight_messages_out_of_range' });
  });
});
