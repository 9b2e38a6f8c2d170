import { describe, expect, it } from 'vitest';
import { declareSometimes, setSometimesSink, sometimes } from '../../core/sometimes.js';
import { collectReach, describeReach, marksFor, mergeReach, outsideReach, ReachTally } from './reach.js';

declareSometimes([
  { name: 'reach_test.common', what: 'taken by every run', driver: 'reach_test' },
  { name: 'reach_test.rare', what: 'taken by no run', driver: 'reach_test' },
  { name: 'reach_test.long', what: 'taken only by long swarms', driver: 'reach_test', nightly: { reach_test: 'seeds 1..1000' } },
]);

describe('the reach of rare paths', () => {
  it('counts the marks a run reached, mutes the checkers, and restores the previous sink even when the run throws', async () => {
    const { reach } = await collectReach(async () => {
      sometimes(true, 'reach_test.common');
      sometimes(true, 'reach_test.common');
      outsideReach(() => sometimes(true, 'reach_test.rare'));
      return 0;
    });
    expect([...reach]).toEqual([['reach_test.common', 2]]);
    await expect(collectReach(() => Promise.reject(new Error('run failed')))).rejects.toThrow('run failed');
    expect(setSometimesSink(null)).toBeNull();
  });

  it('names the marks no seed reached (nightly ones apart) and the marks reached but never declared', () => {
    const tally = new ReachTally('reach_test');
    tally.add(1, new Map([['reach_test.common', 3]]));
    tally.add(2, new Map([['reach_test.common', 1], ['reach_test.typo', 1]]));
    const summary = tally.summary();
    const ours = (names: readonly string[]): string[] => names.filter((n) => n.startsWith('reach_test.'));
    expect(summary.marks.filter((m) => m.name.startsWith('reach_test.')).map((m) => [m.name, m.seeds, m.hits, m.firstSeeds])).toEqual([
      ['reach_test.common', 2, 4, [1, 2]],
      ['reach_test.rare', 0, 0, []],
      ['reach_test.long', 0, 0, []],
    ]);
    expect(ours(summary.unreached)).toEqual(['reach_test.rare']);
    expect(ours(summary.nightlyUnreached)).toEqual(['reach_test.long']);
    expect(summary.undeclared).toEqual(['reach_test.typo']);
    expect(describeReach(summary).join('\n')).toMatch(/rare paths no seed reached: .*reach_test.rare/);
    const merged = mergeReach([summary, summary]);
    expect(merged.marks.find((m) => m.name === 'reach_test.common')?.seeds).toBe(4);
    expect(merged.seedsRun).toBe(4);
  });

  it('expects of a driver only the marks every run or that driver can reach', () => {
    const names = (driver: string): string[] => marksFor(driver).map((m) => m.name);
    expect(names('file')).toContain('ledger.session_evicted');
    expect(names('file')).not.toContain('wal.torn_zeroed_end');
    expect(names('raft')).toContain('wal.torn_zeroed_end');
    expect(names('raft')).not.toContain('reach_test.common');
  });
});
