// The in-memory log's backtracking rule (dissertation §3.5, "conflictTerm/conflictIndex"): for two
// Raft logs that agree up to index m and diverge after it, the leader's next index computed from a
// follower's refusal never skips below m + 1 nor stays above the refused index, so repeated
// refusals reach m + 1, in at most one round trip per distinct term in the divergent suffixes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftLog } from './log.js';
import type { Entry } from './types.js';

function logOf(terms: readonly number[]): RaftLog {
  const entries: Entry[] = terms.map((term, i) => ({ term, index: i + 1, kind: 'normal', data: new Uint8Array() }));
  return new RaftLog({ hardState: { term: terms[terms.length - 1] ?? 0, vote: 0, commit: 0 }, entries });
}

/** Non-decreasing terms from `start`, each step 0–2, `count` of them, mapped through `shape`. */
const suffixArbitrary = (shape: (t: number) => number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 12 }).map((steps) => {
    let t = 0;
    return steps.map((step) => shape((t += step)));
  });

describe('raft log backtracking', () => {
  it('moves next into [m + 1, rejectedIndex] and reaches m + 1', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 12 }),
        // Divergent suffixes come from different leaders, so their terms never coincide:
        // even terms for the leader's suffix, odd for the follower's, all above the prefix.
        suffixArbitrary((t) => 2 * t + 2),
        suffixArbitrary((t) => 2 * t + 1),
        (prefixSteps, leaderSuffix, followerSuffix) => {
          let t = 1;
          const prefix = prefixSteps.map((step) => (t += step));
          const base = 2 * (prefix[prefix.length - 1] ?? 1);
          const leader = logOf([...prefix, ...leaderSuffix.map((x) => x + base)]);
          const follower = logOf([...prefix, ...followerSuffix.map((x) => x + base)]);
          const m = prefix.length;
          if (leader.lastIndex() === m) return; // nothing to send past the common prefix
          let next = leader.lastIndex() + 1;
          let roundTrips = 0;
          while (next - 1 > m || !follower.matchTerm(next - 1, leader.term(next - 1) as number)) {
            const rejectedIndex = next - 1;
            expect(follower.matchTerm(rejectedIndex, leader.term(rejectedIndex) as number)).toBe(false);
            const hinted = leader.nextAfterReject(rejectedIndex, follower.conflictHint(rejectedIndex));
            next = Math.min(hinted, rejectedIndex);
            expect(next).toBeGreaterThanOrEqual(m + 1);
            roundTrips += 1;
            expect(roundTrips).toBeLessThanOrEqual(new Set([...leaderSuffix, ...followerSuffix.map((x) => -x - 1)]).size + 1);
          }
          expect(next).toBe(m + 1);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('keeps the indexes ordered and refuses to overwrite a committed entry', () => {
    const log = logOf([1, 1, 2]);
    log.commitTo(2);
    expect(() => log.maybeAppend(1, 1, 2, [{ term: 3, index: 2, kind: 'normal', data: new Uint8Array() }])).toThrow(/committed_entry_never_overwritten/);
    log.invariants();
  });
});
