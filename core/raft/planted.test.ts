// The Raft core's planted bugs, each shown to break the property it guards on a scripted
// schedule (the schedules of core/raft/testdata, with the bug switched on):
//   - commitOlderTermByCounting on the Figure 8 schedule (§5.4.2): node 1, leading term 3,
//     commits its entry `a` of term 1 by counting its replicas and applies it; node 5, leading
//     term 4 with nodes 3 and 4, overwrites that index and commits `b`: nodes 1 and 5 apply
//     different commands at the same place.
// The same schedule with the bug off keeps every node's applied commands a prefix of the others'.
// (The cluster swarm in sim/oracle exercises the same switch end to end; see raft-planted.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InteractionHarness, parseScript } from './interaction-harness.js';

/** Pairs of nodes whose applied commands diverge (neither is a prefix of the other). */
function divergences(states: ReadonlyMap<number, readonly string[]>): string[] {
  const out: string[] = [];
  const entries = [...states];
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [a, sa] = entries[i] as [number, readonly string[]];
      const [b, sb] = entries[j] as [number, readonly string[]];
      const n = Math.min(sa.length, sb.length);
      for (let k = 0; k < n; k++) {
        if (sa[k] !== sb[k]) {
          out.push(`nodes ${a} and ${b} applied ${sa[k]} and ${sb[k]} as command ${k + 1}`);
          break;
        }
      }
    }
  }
  return out;
}

/**
 * Runs the Figure 8 script (testdata/figure8.txt) up to step (d) — node 5 leads term 4 with
 * nodes 3 and 4 while 1 and 2 are cut off — then has node 5 commit a command of its own, and
 * returns where the nodes' applied commands diverge.
 */
function runFigure8(plant: boolean): string[] {
  const text = readFileSync(new URL('./testdata/figure8.txt', import.meta.url), 'utf8');
  const harness = new InteractionHarness();
  for (const block of parseScript(text).blocks) {
    if (block.command === 'heal') break;
    harness.run(plant && block.command.startsWith('add-nodes') ? `${block.command} commit-older-term-by-counting=true` : block.command);
  }
  harness.run('propose 5 b');
  harness.run('stabilize');
  return divergences(harness.appliedStates());
}

describe('planted Raft core bugs break what they guard', () => {
  it('commitOlderTermByCounting: on the Figure 8 schedule, two nodes apply different commands at one place', () => {
    expect(runFigure8(true)).toEqual(['nodes 1 and 3 applied a and b as command 1', 'nodes 1 and 4 applied a and b as command 1', 'nodes 1 and 5 applied a and b as command 1']);
  });

  it('the Figure 8 schedule with the bug off: every applied state is a prefix of the others', () => {
    expect(runFigure8(false)).toEqual([]);
  });
});
