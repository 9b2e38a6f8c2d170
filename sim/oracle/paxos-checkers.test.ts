// The Paxos checkers of the oracle swarm (paxos-checkers.ts) on scripted observations: each
// reports the violation it exists for, and stays silent on what Paxos allows (an in-memory
// promise a crash loses: the 5-node swarm seed 4 reported it before the fix).
import { describe, expect, it } from 'vitest';
import type { Ballot, PaxosEntry, PaxosMessage } from '../../core/paxos/index.js';
import { PaxosChecker } from './paxos-checkers.js';

const b = (n: number, nodeId: number): Ballot => ({ n, nodeId });
const entry = (index: number, ballot: Ballot, byte: number): PaxosEntry => ({ index, ballot, kind: 'normal', data: Uint8Array.of(byte) });

function checker(): { readonly check: PaxosChecker; readonly found: string[] } {
  const found: string[] = [];
  const check = new PaxosChecker((kind, message, details) => found.push(`${kind} ${String(details?.['checker'])}: ${message}`));
  return { check, found };
}

describe('the Paxos checkers of the oracle swarm', () => {
  it('single-decision: another value applied at a decided slot is reported, the same value is not', () => {
    const { check, found } = checker();
    check.onApplied('n1', [entry(1, b(1, 1), 7)], b(1, 1));
    check.onApplied('n2', [entry(1, b(1, 1), 7)], b(2, 2));
    expect(found).toEqual([]);
    check.onApplied('n3', [entry(1, b(2, 2), 8)], b(2, 2));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^driver_invariant single-decision/);
  });

  it('decided-completeness: a leader above the deciding promise must hold the slot; one at or below it need not', () => {
    const { check, found } = checker();
    check.onApplied('n1', [entry(1, b(1, 1), 7)], b(3, 1));
    check.onLeader('n2', b(2, 2), { snapshotIndex: 0, entryAt: () => undefined });
    expect(found).toEqual([]);
    check.onLeader('n3', b(4, 3), { snapshotIndex: 0, entryAt: (i) => (i === 1 ? entry(1, b(1, 1), 7) : undefined) });
    expect(found).toEqual([]);
    check.onLeader('n2', b(5, 2), { snapshotIndex: 0, entryAt: () => undefined });
    expect(found.map((f) => f.split(':')[0])).toEqual(['driver_invariant decided-completeness']);
  });

  it('ballot-order: a node leading again under a lower ballot is reported', () => {
    const { check, found } = checker();
    const empty = { snapshotIndex: 0, entryAt: () => undefined };
    check.onLeader('n1', b(3, 1), empty);
    check.onLeader('n1', b(2, 1), empty);
    expect(found.map((f) => f.split(':')[0])).toEqual(['driver_invariant ballot-order']);
  });

  it('a promise lost by a crash before it was durable is no violation; one below a durable promise is', () => {
    const { check, found } = checker();
    const zero = b(0, 0);
    check.onPromise('n1', 1, b(1, 5), b(1, 5), zero);
    check.onPromise('n1', 1, b(2, 2), b(1, 5), zero); // promised in memory, not yet durable
    check.onPromise('n1', 2, b(1, 5), b(1, 5), zero); // restarted: recovered the durable one
    expect(found).toEqual([]);
    check.onPromise('n1', 2, b(1, 4), b(1, 4), zero); // lower within the incarnation
    check.onPromise('n1', 3, b(1, 1), b(1, 1), zero); // restarted below a durable promise
    expect(found.map((f) => f.split(':')[0])).toEqual(['driver_invariant ballot-order', 'driver_invariant ballot-order']);
  });

  it('promise-keeping: a new accepted round below a held promise is reported', () => {
    const { check, found } = checker();
    check.onPromise('n1', 1, b(3, 2), b(3, 2), b(1, 1));
    check.onPromise('n1', 1, b(3, 2), b(3, 2), b(3, 2));
    expect(found).toEqual([]);
    check.onPromise('n1', 1, b(4, 3), b(4, 3), b(3, 2));
    check.onPromise('n1', 2, b(4, 3), b(4, 3), b(0, 0)); // restarted: an accept a crash lost (3-node swarm seed 2)
    expect(found).toEqual([]);
    check.onPromise('n1', 2, b(4, 3), b(4, 3), b(2, 1));
    expect(found.map((f) => f.split(':')[0])).toEqual(['driver_invariant promise-keeping']);
  });

  it('lease: two holders at one instant are reported, one is not', () => {
    const { check, found } = checker();
    check.checkLeases(['n1'], [b(1, 1)]);
    expect(found).toEqual([]);
    check.checkLeases(['n1', 'n2'], [b(1, 1), b(2, 2)]);
    expect(found.map((f) => f.split(':')[0])).toEqual(['driver_invariant lease']);
  });

  it('promise-keeping on the wire: a synced Accepted below a Promise the incarnation sent before is reported', () => {
    const { check, found } = checker();
    const promise = (ballot: Ballot): PaxosMessage => ({ type: 'promise', from: 2, to: ballot.nodeId, ballot, acceptedRound: b(1, 1), logEnd: 0, decidedIndex: 0, hasSuffix: false, suffixFrom: 0, entries: [] });
    const accepted = (ballot: Ballot, synced: boolean): PaxosMessage => ({ type: 'accepted', from: 2, to: ballot.nodeId, ballot, round: 1, synced, logEnd: 0 });
    // Accepted of the old ballot made before the higher promise, and an unsynced answer after it: allowed.
    check.onSent('n2', 1, [accepted(b(1, 1), true), promise(b(2, 3)), accepted(b(1, 1), false), accepted(b(2, 3), true)]);
    // A new incarnation starts afresh (what a restart recovers is the ballot-order checker's).
    check.onSent('n2', 2, [accepted(b(1, 1), true)]);
    expect(found).toEqual([]);
    check.onSent('n2', 2, [promise(b(3, 1))]);
    check.onSent('n2', 2, [accepted(b(2, 3), true)]);
    expect(found.map((f) => f.split(':')[0])).toEqual(['driver_invariant promise-keeping']);
  });
});
