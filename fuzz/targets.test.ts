// Every registered target runs 2,000 fixed-seed inputs from its corpus with no finding, as part
// of `npm test` (the long runs are `tsoracle fuzz` and `npm run fuzz:nightly`).
import { describe, expect, it } from 'vitest';
import { fuzzTarget, type FuzzReport } from './engine.js';
import { loadAllTargets } from './registry.js';
import { corpusDir } from './store.js';

function describeFindings(report: FuzzReport): string {
  return report.findings.map((f) => `${f.kind} ${f.signature}\n${f.detail}`).join('\n---\n');
}

describe('every registered target', async () => {
  const targets = await loadAllTargets();
  it('has targets registered', () => {
    expect(targets.map((t) => t.name)).toEqual(expect.arrayContaining(['codec-primitives', 'envelope', 'frame', 'high-water-record', 'seq-ledger-record', 'protocol-request', 'protocol-response', 'server-input', 'client-input', 'raft-message', 'raft-peer-frame', 'raft-wal', 'raft-snapshot-record']));
  });
  for (const target of targets) {
    it(`${target.name}: 2,000 fixed-seed executions from its corpus find nothing`, () => {
      const report = fuzzTarget(target, { seed: 20_260_101, execsMax: 2_000, corpusDir: corpusDir(target.name), findingsDir: null });
      expect(report.execs).toBeGreaterThanOrEqual(2_000);
      expect(report.findings, describeFindings(report)).toEqual([]);
      // The run reached inputs the decoder accepts, not only garbage.
      expect(report.accepted).toBeGreaterThan(0);
    });
  }
});

