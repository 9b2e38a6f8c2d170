// Randomized safety checks of the Paxos core on the in-test cluster simulator
// (simulation-harness.ts): 3 and 5 nodes under loss, delay, duplication, reordering, partitions,
// pauses and crashes, checked for single decision per slot, decided completeness of every new
// leader, strictly increasing leader ballots, promise keeping across crashes, read-index safety,
// lease safety, and liveness once the faults stop. A failure names its seed; `PAXOS_SIM_SEEDS=N`
// runs more seeds, `PAXOS_SIM_VERBOSE=1` prints the counts.
import { describe, expect, it } from 'vitest';
import { PaxosSimulation, type PaxosSimStats } from './simulation-harness.js';

const seedCount = Number(process.env['PAXOS_SIM_SEEDS'] ?? '8');

describe('paxos randomized cluster simulation', () => {
  for (const nodeCount of [3, 5]) {
    it(`keeps single decision, decided completeness, ballot order, promises, reads and leases with ${nodeCount} nodes, and recovers`, () => {
      const totals: PaxosSimStats = { events: 0, leaders: 0, decided: 0, reads: 0, snapshots: 0, crashes: 0 };
      for (let seed = 1; seed <= seedCount; seed += 1) {
        const sim = new PaxosSimulation({ seed, nodeCount, chaosMs: 8_000 });
        try {
          sim.run();
        } catch (error) {
          throw new Error(`paxos simulation failed: seed=${seed} nodes=${nodeCount}: ${(error as Error).message}`, { cause: error });
        }
        for (const key of Object.keys(totals) as Array<keyof PaxosSimStats>) totals[key] += sim.stats[key];
        if (process.env['PAXOS_SIM_VERBOSE'] === '1') console.log(seed, nodeCount, JSON.stringify(sim.stats));
      }
      // The faults must actually have been exercised, or the checks above prove little.
      expect(totals.leaders).toBeGreaterThan(seedCount);
      expect(totals.crashes).toBeGreaterThan(0);
      expect(totals.snapshots).toBeGreaterThan(0);
      expect(totals.reads).toBeGreaterThan(0);
      expect(totals.decided).toBeGreaterThan(seedCount * 10);
    });
  }
});
