// The claims ground truth (claims.ts): what drivers acknowledged, and the checks of later loads
// against it. A MemoryDriver stands for one incarnation's driver; a fresh one is a node that lost
// everything at a power loss.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDriver } from '../../drivers/testing/memory-driver.js';
import { ClaimsView } from './claims.js';
import type { ViolationKind } from './violations.js';

function claims(): { view: ClaimsView; kinds: ViolationKind[]; messages: string[] } {
  const kinds: ViolationKind[] = [];
  const messages: string[] = [];
  const view = new ClaimsView((kind, message) => {
    kinds.push(kind);
    messages.push(message);
  });
  return { view, kinds, messages };
}

const request = (requestId: bigint, count: number, key = 'k') => ({ key, count, clientId: 1n, requestId });

describe('ClaimsView', () => {
  it('holds the highest high-water a persist returned, and reports a later load below it', async () => {
    const { view, kinds, messages } = claims();
    const first = view.witness('tso#1', new MemoryDriver());
    expect(await first.persistHighWater(500, 1n)).toMatchObject({ ok: true, highWaterMs: 500 });
    expect(view.highWaterMs()).toEqual({ ok: true, value: 500 });
    expect(await first.loadHighWater()).toMatchObject({ highWaterMs: 500 });
    expect(kinds).toEqual([]);
    // The next incarnation lost it (kept in memory only).
    const second = view.witness('tso#2', new MemoryDriver());
    expect(await second.loadHighWater()).toMatchObject({ ok: true, highWaterMs: 0 });
    expect(kinds).toEqual(['durable_high_water_went_back']);
    expect(messages[0]).toMatch(/tso#2: loadHighWater returned 0, but a persist had returned 500 before the load was invoked/);
  });

  it('reports a second block for one request id and a counter below an acknowledged block', async () => {
    const { view, kinds } = claims();
    const first = view.witness('tso#1', new MemoryDriver());
    await first.advanceSeq(request(1n, 3), 1n);
    await first.advanceSeq(request(2n, 2), 1n);
    const second = view.witness('tso#2', new MemoryDriver());
    expect(await second.loadSeq('k')).toMatchObject({ ok: true, next: 0n });
    await second.advanceSeq(request(2n, 2), 1n);
    expect(kinds).toEqual(['durable_ledger_went_back', 'seq_request_two_blocks']);
  });

  it('serves the acknowledged blocks as a ledger whose holes it cannot know', async () => {
    const { view } = claims();
    const driver = view.witness('tso#1', new MemoryDriver());
    await driver.advanceSeq(request(1n, 3, 'a'), 1n);
    await driver.advanceSeq(request(2n, 4, 'b'), 1n);
    const ledger = view.sequenceLedger();
    expect(ledger.ok && ledger.value.holesKnowable).toBe(false);
    expect(ledger.ok && [...ledger.value.counters]).toEqual([
      ['a', 3n],
      ['b', 4n],
    ]);
    expect(ledger.ok && ledger.value.sessions.get(1n)?.results.get(2n)).toMatchObject({ key: 'b', start: 0n, count: 4 });
  });

  it('property: a driver that keeps the contract is never reported, and the view agrees with its loads', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.record({ kind: fc.constant('persist' as const), atLeastMs: fc.integer({ min: 0, max: 10_000 }) }), fc.record({ kind: fc.constant('advance' as const), key: fc.constantFrom('a', 'b'), count: fc.integer({ min: 1, max: 9 }), repeat: fc.boolean() })), { maxLength: 40 }),
        async (steps) => {
          const { view, kinds } = claims();
          const driver = view.witness('tso#1', new MemoryDriver());
          let requestId = 0n;
          for (const step of steps) {
            if (step.kind === 'persist') await driver.persistHighWater(step.atLeastMs, 1n);
            else {
              if (!step.repeat || requestId === 0n) requestId++;
              await driver.advanceSeq(request(requestId, step.count, step.key), 1n);
            }
          }
          for (const key of ['a', 'b']) {
            const loaded = await driver.loadSeq(key);
            const ledger = view.sequenceLedger();
            expect(loaded.ok && ledger.ok && (ledger.value.counters.get(key) ?? 0n) === loaded.next).toBe(true);
          }
          const hw = await driver.loadHighWater();
          expect(hw.ok && view.highWaterMs()).toEqual({ ok: true, value: hw.ok ? hw.highWaterMs : -1 });
          expect(kinds).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
