// The oracle state machine's stamping-lease command (SetLeases, envelope version 3) and its
// snapshot version 2: the set is installed only by an entry of the term it was projected under,
// survives snapshots, and leaves the bytes of a lease-free state exactly as before.
import { describe, expect, it } from 'vitest';
import { DecodeError, ErrorCode } from '../errors.js';
import type { Entry } from '../raft/types.js';
import { grantLease, type LeaseRecord } from './leases.js';
import {
  decodeOracleCommand,
  encodeOracleCommand,
  ORACLE_COMMAND_VERSION_LEASES,
  ORACLE_SNAPSHOT_VERSION,
  ORACLE_SNAPSHOT_VERSION_LEASES,
  OracleStateMachine,
  validateOracleCommand,
} from './state.js';

const holder = new TextEncoder().encode('stamper');
const oneLease: LeaseRecord[] = grantLease([], { holder, holderEpoch: 1n, ttlMs: 10_000 }, 21_000, 1_000).leases;
const entry = (index: number, term: number, data: Uint8Array): Entry => ({ term, index, kind: 'normal', data });

describe('SetLeases command', () => {
  it('round-trips in envelope version 3, written only for it', () => {
    const bytes = encodeOracleCommand({ kind: 'set-leases', expectedTerm: 4n, leases: oneLease });
    expect(bytes[0]).toBe(ORACLE_COMMAND_VERSION_LEASES);
    expect(decodeOracleCommand(bytes)).toEqual({ kind: 'set-leases', expectedTerm: 4n, leases: oneLease });
    expect(encodeOracleCommand({ kind: 'noop' })[0]).toBe(1);
  });

  it('is refused by an envelope version that predates it (variant 4 in version 2)', () => {
    const bytes = encodeOracleCommand({ kind: 'set-leases', expectedTerm: 4n, leases: [] });
    const asVersion2 = Uint8Array.from(bytes);
    asVersion2[0] = 2;
    expect(() => decodeOracleCommand(asVersion2)).toThrowError(DecodeError);
  });

  it('installs the set only from an entry of the expected term; another term is a fenced no-op', () => {
    const state = new OracleStateMachine();
    const command = encodeOracleCommand({ kind: 'set-leases', expectedTerm: 3n, leases: oneLease });
    expect(state.apply(entry(1, 4, command))).toEqual({ kind: 'leases', installed: false });
    expect(state.leases).toEqual([]);
    expect(state.apply(entry(2, 3, command))).toEqual({ kind: 'leases', installed: true });
    expect(state.leases).toEqual(oneLease);
    state.invariants();
  });

  it('validation refuses a set that breaks its invariants', () => {
    const twoActive = [...oneLease, { ...(oneLease[0] as LeaseRecord), leaseId: 30_000n }];
    expect(validateOracleCommand({ kind: 'set-leases', expectedTerm: 1n, leases: twoActive })).toMatchObject({ ok: false, code: ErrorCode.INVALID_ARGUMENT });
    expect(validateOracleCommand({ kind: 'set-leases', expectedTerm: 1n, leases: oneLease })).toBeNull();
  });
});

describe('snapshot with leases', () => {
  it('writes version 1 while the set is empty and version 2 with leases, and both restore', () => {
    const state = new OracleStateMachine();
    state.apply(entry(1, 1, encodeOracleCommand({ kind: 'advance-high-water', atLeastMs: 50n })));
    const before = state.snapshot();
    expect(before[0]).toBe(ORACLE_SNAPSHOT_VERSION);
    state.apply(entry(2, 1, encodeOracleCommand({ kind: 'set-leases', expectedTerm: 1n, leases: oneLease })));
    const after = state.snapshot();
    expect(after[0]).toBe(ORACLE_SNAPSHOT_VERSION_LEASES);
    const restored = OracleStateMachine.fromSnapshot(after);
    expect(restored.leases).toEqual(oneLease);
    expect(restored.highWaterMs).toBe(50);
    expect(restored.snapshot()).toEqual(after);
    expect(OracleStateMachine.fromSnapshot(before).leases).toEqual([]);
    // Releasing every lease writes version 1 again.
    state.apply(entry(3, 1, encodeOracleCommand({ kind: 'set-leases', expectedTerm: 1n, leases: [] })));
    expect(state.snapshot()[0]).toBe(ORACLE_SNAPSHOT_VERSION);
  });
});
