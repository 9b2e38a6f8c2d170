// The WAL layout of one Ready (walRecordsOfReady): whatever prefix of an append a power loss
// keeps, the replayed commit index never covers an entry the cluster did not commit there.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayWal, type Entry, type WalRecord } from '../../core/raft/index.js';
import { walRecordsOfReady } from './raft-driver.js';

function entry(index: number, term: number): Entry {
  return { index, term, kind: 'normal', data: new Uint8Array([index & 0xff, term & 0xff]) };
}

/** The log a WAL's records describe, entry by entry (later entries replace earlier ones at an index). */
function logOf(records: readonly WalRecord[]): Map<number, Entry> {
  const log = new Map<number, Entry>();
  for (const r of records) {
    if (r.kind !== 'entry') continue;
    for (const index of [...log.keys()]) if (index >= r.entry.index) log.delete(index);
    log.set(r.entry.index, r.entry);
  }
  return log;
}

describe('walRecordsOfReady', () => {
  it('never leaves a commit over entries the append overwrites, whatever prefix survives (5-node simulator seed 877)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }), // entries already in the WAL, of term 1
        fc.integer({ min: 0, max: 12 }), // how many of them were committed
        fc.integer({ min: 1, max: 13 }), // where the new leader's entries start
        fc.integer({ min: 1, max: 6 }), // how many it sends
        fc.integer({ min: 0, max: 20 }), // the leader's commit index
        (oldCount, committedOld, fromRaw, newCount, leaderCommit) => {
          const committedBefore = Math.min(committedOld, oldCount);
          // Raft never overwrites a committed entry: the new entries start after the old commit.
          const from = Math.max(committedBefore + 1, Math.min(fromRaw, oldCount + 1));
          const prior: WalRecord[] = [{ kind: 'hard-state', hardState: { term: 1, vote: 1, commit: committedBefore } }];
          for (let i = 1; i <= oldCount; i++) prior.push({ kind: 'entry', entry: entry(i, 1) });
          const fresh = Array.from({ length: newCount }, (_, i) => entry(from + i, 2));
          const lastNew = from + newCount - 1;
          const commit = Math.max(committedBefore, Math.min(leaderCommit, lastNew));
          const records = walRecordsOfReady({ hardState: { term: 2, vote: 0, commit }, entries: fresh }, oldCount);
          const intended = logOf([...prior, ...records]);
          for (let cut = 0; cut <= records.length; cut++) {
            const state = replayWal(undefined, [...prior, ...records.slice(0, cut)]);
            const last = state.entries.length;
            const effectiveCommit = Math.min(state.hardState.commit, last);
            for (let i = 1; i <= effectiveCommit; i++) {
              expect(state.entries[i - 1]?.term, `cut after ${cut} records: entry ${i} under commit ${state.hardState.commit}`).toBe(intended.get(i)?.term);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('lays out an append that overwrites nothing as a hard state, then the entries', () => {
    const records = walRecordsOfReady({ hardState: { term: 3, vote: 2, commit: 5 }, entries: [entry(5, 3), entry(6, 3)] }, 4);
    expect(records.map((r) => r.kind)).toEqual(['hard-state', 'entry', 'entry']);
    expect(records[0]).toEqual({ kind: 'hard-state', hardState: { term: 3, vote: 2, commit: 5 } });
  });

  it('logs a commit over overwritten entries only up to the overwrite first, and whole after the entries', () => {
    const records = walRecordsOfReady({ hardState: { term: 3, vote: 0, commit: 6 }, entries: [entry(4, 3), entry(5, 3), entry(6, 3)] }, 6);
    expect(records.map((r) => r.kind)).toEqual(['hard-state', 'entry', 'entry', 'entry', 'hard-state']);
    expect(records[0]).toEqual({ kind: 'hard-state', hardState: { term: 3, vote: 0, commit: 3 } });
    expect(records[4]).toEqual({ kind: 'hard-state', hardState: { term: 3, vote: 0, commit: 6 } });
  });

  it('starts after a snapshot marker with nothing to overwrite', () => {
    const records = walRecordsOfReady({ hardState: { term: 3, vote: 0, commit: 9 }, entries: [entry(9, 3)] }, null);
    expect(records.map((r) => r.kind)).toEqual(['hard-state', 'entry']);
  });
});
