// Seeds pinned for the rare paths the swarm reaches only through a draw added for them: if a
// change of the draws moves the path off the seed, this says so (pick the new seed from a
// `sim swarm --json` reach run, docs/simulator.md "Rare paths").
import { describe, expect, it } from 'vitest';
import { collectReach } from './reach.js';
import { runSeed } from './cluster.js';

describe('rare paths pinned to seeds', () => {
  it("a long-lived session makes a three-node cluster forget the session's oldest result (seed 427)", async () => {
    const { result, reach } = await collectReach(() => runSeed({ seed: 427, profile: 'swarm', planted: null, nodes: 3 }));
    expect(result.result).toBe('ok');
    expect(result.options.rare.longSession).toBeDefined();
    expect(reach.get('ledger.session_result_forgotten') ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
