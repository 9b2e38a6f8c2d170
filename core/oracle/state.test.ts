// The replicated oracle state machine: max semantics of the high-water and its refusal past
// 2^46 − 1 (at propose time and at apply time), group commit of sequence requests with
// exactly-once retries, snapshot round-trips, and total decoders.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors.js';
import type { SeqAdvanceRequest } from '../ledger.js';
import { PHYSICAL_MS_MAX } from '../limits.js';
import type { Entry } from '../raft/types.js';
import { highWaterMsArbitrary, seqKeyArbitrary } from '../records/arbitraries.js';
import {
  decodeOracleCommand,
  encodeOracleCommand,
  OracleStateMachine,
  prepareOracleCommand,
  validateOracleCommand,
  type OracleCommand,
} from './state.js';

/** Feeds commands as consecutive normal entries; returns the results. */
function applyAll(state: OracleStateMachine, commands: readonly OracleCommand[]): ReturnType<OracleStateMachine['apply']>[] {
  return commands.map((command) => state.apply(entryOf(state.appliedIndex + 1, encodeOracleCommand(command))));
}

const entryOf = (index: number, data: Uint8Array, kind: Entry['kind'] = 'normal'): Entry => ({ term: 1, index, kind, data });

const request = (key: string, count: number, clientId: bigint, requestId: bigint): SeqAdvanceRequest => ({ key, count, clientId, requestId });

const requestArbitrary: fc.Arbitrary<SeqAdvanceRequest> = fc.record({
  key: fc.oneof(fc.constantFrom('a', 'b', 'orders'), seqKeyArbitrary),
  count: fc.integer({ min: 1, max: 100 }),
  clientId: fc.bigInt({ min: 1n, max: 4n }),
  requestId: fc.bigInt({ min: 1n, max: 20n }),
});

const commandArbitrary: fc.Arbitrary<OracleCommand> = fc.oneof(
  highWaterMsArbitrary.map((ms): OracleCommand => ({ kind: 'advance-high-water', atLeastMs: BigInt(ms) })),
  fc.array(requestArbitrary, { minLength: 1, maxLength: 5 }).map((requests): OracleCommand => ({ kind: 'advance-seq', requests })),
  fc.constant<OracleCommand>({ kind: 'noop' }),
);

describe('oracle state: high-water', () => {
  it('keeps the maximum of every advance and returns it', () => {
    fc.assert(
      fc.property(fc.array(highWaterMsArbitrary, { maxLength: 20 }), (values) => {
        const state = new OracleStateMachine();
        let expected = 0;
        for (const value of values) {
          const [result] = applyAll(state, [{ kind: 'advance-high-water', atLeastMs: BigInt(value) }]);
          expected = Math.max(expected, value);
          expect(result).toEqual({ kind: 'high-water', ok: true, highWaterMs: expected });
        }
        expect(state.highWaterMs).toBe(expected);
        state.invariants();
      }),
    );
  });

  it('refuses a high-water past 2^46 - 1 when proposed', () => {
    const past = { kind: 'advance-high-water', atLeastMs: BigInt(PHYSICAL_MS_MAX) + 1n } as const;
    expect(prepareOracleCommand(past)).toMatchObject({ ok: false, code: 'PHYSICAL_MS_OUT_OF_RANGE' });
    expect(prepareOracleCommand({ kind: 'advance-high-water', atLeastMs: BigInt(PHYSICAL_MS_MAX) })).toMatchObject({ ok: true });
  });

  it('refuses a high-water past 2^46 - 1 when applied: a no-op with an error result', () => {
    const state = new OracleStateMachine();
    applyAll(state, [{ kind: 'advance-high-water', atLeastMs: 500n }]);
    for (const atLeastMs of [BigInt(PHYSICAL_MS_MAX) + 1n, (1n << 64n) - 1n]) {
      const [result] = applyAll(state, [{ kind: 'advance-high-water', atLeastMs }]);
      expect(result).toEqual({ kind: 'high-water', ok: false, code: 'PHYSICAL_MS_OUT_OF_RANGE', highWaterMs: 500 });
    }
    expect(state.highWaterMs).toBe(500);
    expect(state.appliedIndex).toBe(3);
  });
});

describe('oracle state: sequences', () => {
  it('applies a group of requests in order, each with its own block', () => {
    const state = new OracleStateMachine();
    const [result] = applyAll(state, [
      {
        kind: 'advance-seq',
        requests: [request('a', 3, 1n, 1n), request('b', 2, 1n, 2n), request('a', 5, 2n, 1n)],
      },
    ]);
    expect(result).toEqual({
      kind: 'seq',
      results: [
        { ok: true, key: 'a', start: 0n, count: 3, replayed: false },
        { ok: true, key: 'b', start: 0n, count: 2, replayed: false },
        { ok: true, key: 'a', start: 3n, count: 5, replayed: false },
      ],
    });
    expect(state.seq('a')).toBe(8n);
  });

  it('is exactly once: a retried request gets its first block back, in the same group or a later one', () => {
    const state = new OracleStateMachine();
    const first = request('orders', 10, 7n, 1n);
    const [group] = applyAll(state, [{ kind: 'advance-seq', requests: [first, first] }]);
    expect(group).toEqual({
      kind: 'seq',
      results: [
        { ok: true, key: 'orders', start: 0n, count: 10, replayed: false },
        { ok: true, key: 'orders', start: 0n, count: 10, replayed: true },
      ],
    });
    const [later] = applyAll(state, [{ kind: 'advance-seq', requests: [request('orders', 1, 8n, 1n), first] }]);
    expect(later).toEqual({
      kind: 'seq',
      results: [
        { ok: true, key: 'orders', start: 10n, count: 1, replayed: false },
        { ok: true, key: 'orders', start: 0n, count: 10, replayed: true },
      ],
    });
    expect(state.seq('orders')).toBe(11n);
  });

  it('refuses invalid requests when proposed', () => {
    expect(validateOracleCommand({ kind: 'advance-seq', requests: [request('', 1, 1n, 1n)] })?.code).toBe('INVALID_SEQ_KEY');
    expect(validateOracleCommand({ kind: 'advance-seq', requests: [request('k', 0, 1n, 1n)] })?.code).toBe('INVALID_SEQ_COUNT');
    expect(validateOracleCommand({ kind: 'advance-seq', requests: [] })?.code).toBe('INVALID_ARGUMENT');
    expect(validateOracleCommand({ kind: 'advance-seq', requests: [request('k', 1, -1n, 1n)] })?.code).toBe('INVALID_ARGUMENT');
  });
});

describe('oracle state: entries, snapshots, codecs', () => {
  it('applies Raft no-ops and undecodable entries as no-ops on every replica alike', () => {
    const state = new OracleStateMachine();
    expect(state.apply(entryOf(1, new Uint8Array(), 'noop'))).toEqual({ kind: 'noop' });
    expect(state.apply(entryOf(2, Uint8Array.from([1, 9])))).toEqual({ kind: 'invalid', code: 'DECODE_BAD_VARIANT' });
    expect(state.apply(entryOf(3, encodeOracleCommand({ kind: 'noop' })))).toEqual({ kind: 'noop' });
    expect(state.appliedIndex).toBe(3);
    expect(state.highWaterMs).toBe(0);
  });

  it('asserts entries are applied exactly once, in order', () => {
    const state = new OracleStateMachine();
    expect(() => state.apply(entryOf(2, encodeOracleCommand({ kind: 'noop' })))).toThrow(/oracle_apply_in_order/);
  });

  it('snapshots round-trip: the restored state is equal and evolves identically', () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { maxLength: 12 }), fc.array(commandArbitrary, { maxLength: 6 }), (before, after) => {
        const original = new OracleStateMachine();
        applyAll(original, before);
        const bytes = original.snapshot();
        const restored = OracleStateMachine.fromSnapshot(bytes);
        restored.invariants();
        expect(restored.snapshot()).toEqual(bytes);
        expect(restored.highWaterMs).toBe(original.highWaterMs);
        expect(applyAll(restored, after)).toEqual(applyAll(original, after));
        expect(restored.snapshot()).toEqual(original.snapshot());
        const installed = new OracleStateMachine();
        installed.restore(original.snapshot());
        expect(installed.snapshot()).toEqual(original.snapshot());
      }),
      { numRuns: 200 },
    );
  });

  it('commands round-trip through their codec', () => {
    fc.assert(
      fc.property(commandArbitrary, (command) => {
        expect(decodeOracleCommand(encodeOracleCommand(command))).toEqual(command);
      }),
    );
  });

  it('encodes AdvanceHighWater to these golden bytes', () => {
    // version 1 | variant 0 | varint 1_700_000_000_000
    const bytes = encodeOracleCommand({ kind: 'advance-high-water', atLeastMs: 1_700_000_000_000n });
    expect(Buffer.from(bytes).toString('hex')).toBe('0100' + '80d095ffbc31');
  });

  it('decoders throw only DecodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        for (const decode of [() => decodeOracleCommand(bytes), () => OracleStateMachine.fromSnapshot(bytes)]) {
          try {
            decode();
          } catch (error) {
            expect(error).toBeInstanceOf(DecodeError);
          }
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('refuses a snapshot whose high-water is past 2^46 - 1', () => {
    const state = new OracleStateMachine();
    const bytes = state.snapshot();
    // Version, appliedIndex 0, then the high-water varint: replace 0 by 2^46 (80 80 80 80 80 80 10).
    const tooHigh = Uint8Array.from([bytes[0] as number, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, ...bytes.subarray(3)]);
    expect(() => OracleStateMachine.fromSnapshot(tooHigh)).toThrow(/DECODE_INVALID_VALUE/);
  });
});
