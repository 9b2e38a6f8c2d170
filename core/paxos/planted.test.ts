// The Paxos core's planted bugs (PaxosFaults), each found by the randomized cluster simulation
// (simulation-harness.ts) within a bounded number of seeds, pinned with its first seed and the
// checker that catches it; the same seed with the bug off passes every checker.
//   - promiseBeforePersist: a promise leaves before it is durable; a crash in the window forgets
//     it, and the acceptor later promises or accepts a lower ballot.
//   - skipReproposeHighest: a new leader keeps its own log instead of the promise quorum's best
//     accepted one; a decided entry is missing from a later leader's log.
//   - acceptBelowPromise: an acceptor accepts a lower ballot than it promised.
//   - decideBeforeQuorum: a leader decides with one acceptor fewer than a quorum.
import { describe, expect, it } from 'vitest';
import type { PaxosFaults } from './node.js';
import { PaxosSimulation, PaxosSimulationViolation, type PaxosChecker } from './simulation-harness.js';

/** Seeds tried before a planted bug counts as not found. */
const SEEDS_MAX = 40;

interface Found {
  readonly seed: number;
  readonly checker: PaxosChecker;
}

function firstFailingSeed(faults: PaxosFaults, nodeCount: number): Found | null {
  for (let seed = 1; seed <= SEEDS_MAX; seed += 1) {
    try {
      new PaxosSimulation({ seed, nodeCount, chaosMs: 8_000, faults }).run();
    } catch (error) {
      if (error instanceof PaxosSimulationViolation) return { seed, checker: error.checker };
      throw error;
    }
  }
  return null;
}

const planted: ReadonlyArray<readonly [keyof PaxosFaults, Found]> = [
  ['promiseBeforePersist', { seed: 4, checker: 'promise-keeping' }],
  ['skipReproposeHighest', { seed: 1, checker: 'decided-completeness' }],
  ['acceptBelowPromise', { seed: 32, checker: 'promise-keeping' }],
  ['decideBeforeQuorum', { seed: 1, checker: 'decided-completeness' }],
];

describe('planted Paxos core bugs are found by the simulation', () => {
  for (const [fault, expected] of planted) {
    it(`${fault}: first found at 3-node seed ${expected.seed} by the ${expected.checker} checker; that seed passes with the bug off`, () => {
      expect(firstFailingSeed({ [fault]: true }, 3)).toEqual(expected);
      expect(() => new PaxosSimulation({ seed: expected.seed, nodeCount: 3, chaosMs: 8_000 }).run()).not.toThrow();
    });
  }
});
