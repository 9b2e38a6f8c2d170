// The conformance suite on the package's own drivers (file, raft of 3 and 5), the example custom
// driver, and the deliberately broken example: every clause passes for the first, and the broken
// one fails with the clause it breaks named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FILE_SIM_DRIVER } from '../../sim/oracle/file-module.js';
import { RAFT_SIM_DRIVER } from '../../sim/oracle/raft-module.js';
import brokenDriver from '../../examples/broken-driver.js';
import { simDriver as countingDriver } from '../../examples/custom-driver.js';
import { FileDriver } from '../file/file-driver.js';
import type { ConsensusDriver } from '../driver.js';
import { assertDriverConformance, checkDriverConformance, CONFORMANCE_CLAUSES, formatConformanceReport } from './conformance.js';

function statusOf(report: Awaited<ReturnType<typeof checkDriverConformance>>): Record<string, string> {
  return Object.fromEntries(report.clauses.map((c) => [c.clause, c.status]));
}

describe('checkDriverConformance', () => {
  it('the file driver passes every clause (epoch fencing does not apply to one node of one epoch)', async () => {
    const report = await checkDriverConformance(FILE_SIM_DRIVER);
    expect(report.ok, formatConformanceReport(report)).toBe(true);
    expect(statusOf(report)).toEqual({ ...Object.fromEntries(CONFORMANCE_CLAUSES.map((c) => [c, 'pass'])), 'epoch-fencing': 'not-applicable' });
  });

  it('property: the report is a function of the driver and the seed, and the file driver conforms on every seed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1_000_000 }), async (seed) => {
        const a = await checkDriverConformance(FILE_SIM_DRIVER, { seed });
        const b = await checkDriverConformance(FILE_SIM_DRIVER, { seed });
        expect(a.ok, formatConformanceReport(a)).toBe(true);
        expect(b).toEqual(a);
      }),
      { numRuns: 8 },
    );
  });

  it('the raft driver passes every clause on 3 and on 5 nodes, epoch fencing included', async () => {
    for (const nodes of [3, 5]) {
      const report = await checkDriverConformance(RAFT_SIM_DRIVER, { nodes });
      expect(report.ok, formatConformanceReport(report)).toBe(true);
      expect(report.clauses.every((c) => c.status === 'pass'), formatConformanceReport(report)).toBe(true);
    }
  }, 60_000);

  it('the example custom driver passes (examples/custom-driver.ts)', async () => {
    const report = await assertDriverConformance(countingDriver);
    expect(report.ok).toBe(true);
  });

  it('the broken example driver fails seq-exactly-once, and the error names the clause', async () => {
    const report = await checkDriverConformance(brokenDriver);
    expect(report.ok).toBe(false);
    expect(report.clauses.filter((c) => c.status === 'fail').map((c) => c.clause)).toEqual(['seq-exactly-once']);
    expect(report.clauses.find((c) => c.clause === 'seq-exactly-once')?.detail).toMatch(/advanced twice/);
    await expect(assertDriverConformance(brokenDriver)).rejects.toThrow(/breaks the ConsensusDriver contract \(seq-exactly-once\)/);
  });

  it('names each contract violation of a hand-broken driver: an absolute persist, no range check, a thrown failure', async () => {
    const report = await checkDriverConformance(async (context) => {
      const inner = await FileDriver.open(context.disk, context.dataDir);
      const broken: ConsensusDriver = {
        subscribeLeadership: (listener) => inner.subscribeLeadership(listener),
        loadHighWater: () => inner.loadHighWater(),
        // Sets an absolute value, and writes beyond the range: the stored value is what was asked.
        persistHighWater: async (atLeastMs) => {
          stored = atLeastMs;
          return { ok: true, highWaterMs: atLeastMs };
        },
        advanceSeq: (request, epoch) => {
          if (request.key === '') throw new TypeError('empty key');
          return inner.advanceSeq(request, epoch);
        },
        loadSeq: (key) => inner.loadSeq(key),
        close: () => inner.close(),
      };
      let stored = 0;
      void stored;
      return broken;
    });
    const failing = report.clauses.filter((c) => c.status === 'fail').map((c) => c.clause);
    expect(failing).toEqual(expect.arrayContaining(['persist-at-least', 'out-of-range', 'error-codes']));
    expect(report.clauses.find((c) => c.clause === 'persist-at-least')?.detail).toMatch(/set an absolute value/);
    expect(report.clauses.find((c) => c.clause === 'error-codes')?.detail).toMatch(/threw TypeError: empty key/);
  });

  it('reports a driver that never leads, and a factory that throws, under leadership-first', async () => {
    const neverLeads = await checkDriverConformance(
      async (context) => {
        const inner = await FileDriver.open(context.disk, context.dataDir);
        return Object.assign(Object.create(inner) as FileDriver, { subscribeLeadership: (listener: (s: { kind: 'unknown' }) => void) => (listener({ kind: 'unknown' }), () => {}) });
      },
      { leaderTimeoutMs: 1_000 },
    );
    expect(neverLeads.clauses.find((c) => c.clause === 'leadership-first')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/no node reported leadership/) });
    const throws = await checkDriverConformance(async () => {
      throw new Error('no disk for me');
    });
    expect(throws.ok).toBe(false);
    expect(throws.clauses.find((c) => c.clause === 'leadership-first')?.detail).toMatch(/createDriver failed on tso#1: Error: no disk for me/);
  });
});
