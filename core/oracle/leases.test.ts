// The stamping-lease rules (core/oracle/leases.ts): acquire, renew, release, the frontier, and
// the lease-set codec, against the original's contract (issue #659, reference §3.9).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, ErrorCode } from '../errors.js';
import {
  decodeLeaseSet,
  encodeLeaseSet,
  grantLease,
  hasExpiredLease,
  LEASE_POLICY_DEFAULT,
  leasePolicyProblem,
  leaseSetProblem,
  liveLeases,
  planLeaseAcquire,
  planLeaseRenew,
  releaseLease,
  renewLease,
  safeFrontierMs,
  type LeaseAcquireRequest,
  type LeaseRecord,
} from './leases.js';

const holderA = new TextEncoder().encode('holder-a');
const holderB = new TextEncoder().encode('holder-b');
const policy = LEASE_POLICY_DEFAULT;

function acquire(leases: LeaseRecord[], request: LeaseAcquireRequest, boundMs: number, nowMs: number): { leases: LeaseRecord[]; lease: LeaseRecord } {
  const plan = planLeaseAcquire(leases, request, nowMs, policy);
  expect(plan).toMatchObject({ ok: true, kind: 'grant' });
  return grantLease(leases, request, boundMs, nowMs);
}

describe('lease acquire', () => {
  it('refuses a holder of 0 or 129 bytes and a TTL outside the bounds, before anything is written', () => {
    const cases: Array<[LeaseAcquireRequest, string]> = [
      [{ holder: new Uint8Array(0), holderEpoch: 1n, ttlMs: 10_000 }, ErrorCode.INVALID_LEASE_HOLDER],
      [{ holder: new Uint8Array(129), holderEpoch: 1n, ttlMs: 10_000 }, ErrorCode.INVALID_LEASE_HOLDER],
      [{ holder: holderA, holderEpoch: -1n, ttlMs: 10_000 }, ErrorCode.INVALID_LEASE_HOLDER],
      [{ holder: holderA, holderEpoch: 1n, ttlMs: 4_999 }, ErrorCode.INVALID_LEASE_TTL],
      [{ holder: holderA, holderEpoch: 1n, ttlMs: 300_001 }, ErrorCode.INVALID_LEASE_TTL],
    ];
    for (const [request, code] of cases) expect(planLeaseAcquire([], request, 0, policy)).toMatchObject({ ok: false, code });
    expect(planLeaseAcquire([], { holder: new Uint8Array(128), holderEpoch: 0n, ttlMs: 5_000 }, 0, policy)).toMatchObject({ ok: true, kind: 'grant' });
  });

  it('gives the same holder and epoch its live lease back (idempotent re-acquire)', () => {
    const { leases, lease } = acquire([], { holder: holderA, holderEpoch: 3n, ttlMs: 10_000 }, 11_000, 1_000);
    expect(lease).toMatchObject({ leaseId: 11_000n, tsUpperBoundMs: 11_000, expiresAtMs: 11_000, superseded: false });
    expect(planLeaseAcquire(leases, { holder: holderA.slice(), holderEpoch: 3n, ttlMs: 20_000 }, 5_000, policy)).toEqual({ ok: true, kind: 'existing', lease });
  });

  it('supersedes the active lease on a higher holder epoch; the superseded one still binds the frontier until it expires', () => {
    const first = acquire([], { holder: holderA, holderEpoch: 1n, ttlMs: 10_000 }, 11_000, 1_000);
    const second = acquire(first.leases, { holder: holderA, holderEpoch: 2n, ttlMs: 10_000 }, 12_000, 2_000);
    expect(second.leases).toHaveLength(2);
    expect(second.leases[0]).toMatchObject({ leaseId: 11_000n, superseded: true });
    expect(safeFrontierMs(second.leases, 20_000)).toBe(11_000);
    expect(planLeaseRenew(second.leases, 11_000n, 2_000)).toMatchObject({ ok: false, code: ErrorCode.LEASE_SUPERSEDED });
    // After the superseded lease expires (at 11,000 on the leader's clock) only the new one binds.
    // Expired at 11_000, the first lease binds until a write drops it (as every write does).
    expect(hasExpiredLease(second.leases, 11_000)).toBe(true);
    expect(safeFrontierMs(second.leases, 20_000)).toBe(11_000);
    expect(safeFrontierMs(liveLeases(second.leases, 11_000), 20_000)).toBe(12_000);
  });

  it('refuses a lower holder epoch', () => {
    const { leases } = acquire([], { holder: holderA, holderEpoch: 5n, ttlMs: 10_000 }, 11_000, 1_000);
    expect(planLeaseAcquire(leases, { holder: holderA, holderEpoch: 4n, ttlMs: 10_000 }, 2_000, policy)).toMatchObject({ ok: false, code: ErrorCode.LEASE_HOLDER_EPOCH_STALE });
  });

  it('refuses a grant past the live-lease cap with its own code, and counts expired leases out', () => {
    const capped = { ...policy, liveLeasesMax: 1 };
    const { leases } = acquire([], { holder: holderA, holderEpoch: 1n, ttlMs: 10_000 }, 11_000, 1_000);
    expect(planLeaseAcquire(leases, { holder: holderB, holderEpoch: 1n, ttlMs: 10_000 }, 2_000, capped)).toMatchObject({ ok: false, code: ErrorCode.LEASE_LIMIT_EXCEEDED });
    expect(planLeaseAcquire(leases, { holder: holderB, holderEpoch: 1n, ttlMs: 10_000 }, 11_000, capped)).toMatchObject({ ok: true, kind: 'grant' });
  });
});

describe('lease renew and release', () => {
  it('renews with a new bound and the acquire-time TTL; unknown and expired ids are refused with their codes', () => {
    const { leases } = acquire([], { holder: holderA, holderEpoch: 1n, ttlMs: 10_000 }, 11_000, 1_000);
    expect(planLeaseRenew(leases, 99n, 2_000)).toMatchObject({ ok: false, code: ErrorCode.LEASE_NOT_FOUND });
    expect(planLeaseRenew(leases, 11_000n, 11_000)).toMatchObject({ ok: false, code: ErrorCode.LEASE_EXPIRED });
    const renewed = renewLease(leases, 11_000n, 15_000, 5_000);
    expect(renewed.lease).toMatchObject({ leaseId: 11_000n, tsUpperBoundMs: 15_000, expiresAtMs: 15_000 });
  });

  it('release is idempotent and stops binding the frontier at once', () => {
    const { leases } = acquire([], { holder: holderA, holderEpoch: 1n, ttlMs: 10_000 }, 11_000, 1_000);
    const released = releaseLease(leases, 11_000n);
    expect(released).toEqual([]);
    expect(releaseLease(released ?? [], 11_000n)).toBeNull();
    expect(safeFrontierMs(released ?? [], 20_000)).toBe(20_000);
  });

  it('rejects an unusable policy', () => {
    expect(leasePolicyProblem(policy)).toBeNull();
    expect(leasePolicyProblem({ ...policy, ttlMsMax: 1 })).not.toBeNull();
    expect(leasePolicyProblem({ ...policy, liveLeasesMax: 0 })).not.toBeNull();
  });
});

// Random operation sequences: the set keeps its invariants, and the frontier never passes the
// bound of a live lease (active or superseded) nor the high-water.
const opArbitrary = fc.oneof(
  fc.record({ kind: fc.constant('acquire' as const), holder: fc.integer({ min: 0, max: 3 }), epoch: fc.bigInt({ min: 0n, max: 4n }), ttlMs: fc.integer({ min: 5_000, max: 30_000 }) }),
  fc.record({ kind: fc.constant('renew' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 20_000 }) }),
);

describe('lease set properties', () => {
  it('keeps its invariants, round-trips through its codec, and the frontier is at or below every live bound', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { maxLength: 40 }), (ops) => {
        let leases: LeaseRecord[] = [];
        let nowMs = 1_000;
        let highWaterMs = 1_000;
        for (const op of ops) {
          nowMs += 1;
          if (op.kind === 'wait') nowMs += op.ms;
          else if (op.kind === 'acquire') {
            const request = { holder: new Uint8Array([op.holder + 1]), holderEpoch: op.epoch, ttlMs: op.ttlMs };
            const plan = planLeaseAcquire(leases, request, nowMs, policy);
            if (plan.ok && plan.kind === 'grant') {
              highWaterMs = Math.max(highWaterMs + 1, nowMs + op.ttlMs);
              leases = grantLease(leases, request, highWaterMs, nowMs).leases;
            }
          } else if (leases.length > 0) {
            const target = leases[op.pick % leases.length] as LeaseRecord;
            if (op.kind === 'renew') {
              if (planLeaseRenew(leases, target.leaseId, nowMs).ok) {
                highWaterMs = Math.max(highWaterMs + 1, nowMs + target.ttlMs);
                leases = renewLease(leases, target.leaseId, highWaterMs, nowMs).leases;
              }
            } else leases = releaseLease(leases, target.leaseId) ?? leases;
          }
          expect(leaseSetProblem(leases)).toBeNull();
          expect(decodeLeaseSet(encodeLeaseSet(leases))).toEqual(leases);
          const frontier = safeFrontierMs(leases, highWaterMs);
          expect(frontier).toBeLessThanOrEqual(highWaterMs);
          // Every lease of the set binds, live or expired (expiry acts through a write).
          for (const l of leases) expect(frontier).toBeLessThanOrEqual(l.tsUpperBoundMs);
        }
      }),
    );
  });

  it('the decoder is total: any bytes give a lease set or a DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeLeaseSet(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });
});
