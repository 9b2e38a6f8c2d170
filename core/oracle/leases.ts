// Stamping leases (the original's `lease.rs`, issue #659): the pure rules for the lease set the
// oracle keeps, its codec, and the safe frontier computed from it. The serving node projects a
// new set from the current one with these functions and hands the WHOLE set to the driver to
// persist (a full-set replacement, fenced by the leader epoch) before it answers.
//
// A lease lets a holder stamp timestamps locally with physical ms at or below `tsUpperBoundMs`
// until `expiresAtMs` (server wall ms). Rules:
//   - acquire(holder, holderEpoch, ttlMs): the TTL lies in the server's [ttlMsMin, ttlMsMax];
//     the same holder and epoch with a live active lease gets that lease back (idempotent); a
//     higher epoch supersedes the holder's active lease (its bound freezes, it still binds the
//     frontier until it expires); a lower epoch (or one not above a live lease of that holder)
//     is refused LEASE_HOLDER_EPOCH_STALE; a grant beyond `liveLeasesMax` live leases is refused
//     LEASE_LIMIT_EXCEEDED. A grant's id and bound are the high-water its extension made
//     durable; the serving node makes that value strictly greater than any earlier one, so ids
//     are unique.
//   - renew(leaseId): a new bound and `expiresAtMs = now + ttlMs` (the acquire-time TTL).
//     Unknown → LEASE_NOT_FOUND; expired → LEASE_EXPIRED; superseded → LEASE_SUPERSEDED.
//   - release(leaseId): removes the lease; unknown, expired or already released ids succeed.
//   - Expired means `nowMs >= expiresAtMs`. Every write drops expired records, so an expired
//     lease answers LEASE_EXPIRED until the next lease write, LEASE_NOT_FOUND after it.
//   - safeFrontierMs = min(committed high-water, bound of every lease in the durable set, active
//     or superseded, live or expired): an expired lease stops binding only once a durable write
//     dropped it (the serving node makes that write when a frontier finds one), so no clock read,
//     on this process or a later one, can revive a lease a frontier already left out.
//
// Invariants (`leaseSetProblem`): ids unique, at most one active (not superseded) lease per
// holder, holders 1..LEASE_HOLDER_BYTES_MAX bytes, bounds within PHYSICAL_MS_MAX, at most
// LEASE_RECORDS_MAX records, records sorted by id (so equal sets give equal bytes). Pure: time
// arrives as `nowMs`; every decoder is total (only `DecodeError`).
import { assert } from '../assert.js';
import { decodeEnvelope, encodeEnvelope } from '../codec/envelope.js';
import type { Reader, Writer } from '../codec/postcard.js';
import { DecodeError, ErrorCode, type Failure } from '../errors.js';
import { PHYSICAL_MS_MAX, U64_MAX } from '../limits.js';

/** Holder keys are opaque bytes compared by equality, 1..128 bytes (the original's bound). */
export const LEASE_HOLDER_BYTES_MIN = 1;
export const LEASE_HOLDER_BYTES_MAX = 128;
/** The original's default TTL floor and ceiling (server options). */
export const LEASE_TTL_MS_MIN_DEFAULT = 5_000;
export const LEASE_TTL_MS_MAX_DEFAULT = 300_000;
/** The default cap on live leases (a server option, 1..LEASE_RECORDS_MAX). */
export const LEASES_LIVE_MAX_DEFAULT = 1_024;
/** The format limit on records in one lease set (entries, snapshots, the file driver's record). */
export const LEASE_RECORDS_MAX = 4_096;
/** Largest TTL any policy may allow (one day), so `now + ttl` stays far inside safe integers. */
export const LEASE_TTL_MS_LIMIT = 86_400_000;
/** The lease-set envelope version (in oracle commands, snapshots and the file driver's record). */
export const LEASE_SET_VERSION = 1;

export interface LeaseRecord {
  readonly leaseId: bigint;
  readonly holder: Uint8Array;
  readonly holderEpoch: bigint;
  readonly ttlMs: number;
  /** The most a holder may stamp, in physical ms (the durable high-water when granted/renewed). */
  readonly tsUpperBoundMs: number;
  /** Server wall ms at which the lease stops binding anything. */
  readonly expiresAtMs: number;
  readonly superseded: boolean;
}

export interface LeasePolicy {
  readonly ttlMsMin: number;
  readonly ttlMsMax: number;
  readonly liveLeasesMax: number;
}

export const LEASE_POLICY_DEFAULT: LeasePolicy = {
  ttlMsMin: LEASE_TTL_MS_MIN_DEFAULT,
  ttlMsMax: LEASE_TTL_MS_MAX_DEFAULT,
  liveLeasesMax: LEASES_LIVE_MAX_DEFAULT,
};

export interface LeaseAcquireRequest {
  readonly holder: Uint8Array;
  readonly holderEpoch: bigint;
  readonly ttlMs: number;
}

export type LeaseArgumentFailureCode = typeof ErrorCode.INVALID_LEASE_HOLDER | typeof ErrorCode.INVALID_LEASE_TTL | typeof ErrorCode.INVALID_LEASE_ID;
export type LeaseRefusalCode =
  | typeof ErrorCode.LEASE_HOLDER_EPOCH_STALE
  | typeof ErrorCode.LEASE_LIMIT_EXCEEDED
  | typeof ErrorCode.LEASE_NOT_FOUND
  | typeof ErrorCode.LEASE_EXPIRED
  | typeof ErrorCode.LEASE_SUPERSEDED;
export type LeaseFailureCode = LeaseArgumentFailureCode | LeaseRefusalCode;
export type LeaseFailure = Failure<LeaseFailureCode> & { readonly message: string };

function fail<C extends LeaseFailureCode>(code: C, message: string): Failure<C> & { readonly message: string } {
  return { ok: false, code, message };
}

/** Why `policy` is unusable, or null. */
export function leasePolicyProblem(policy: LeasePolicy): string | null {
  const { ttlMsMin, ttlMsMax, liveLeasesMax } = policy;
  if (!Number.isSafeInteger(ttlMsMin) || ttlMsMin < 1) return `lease TTL floor ${ttlMsMin} must be a positive integer of ms`;
  if (!Number.isSafeInteger(ttlMsMax) || ttlMsMax < ttlMsMin || ttlMsMax > LEASE_TTL_MS_LIMIT) {
    return `lease TTL ceiling ${ttlMsMax} must lie in [${ttlMsMin}, ${LEASE_TTL_MS_LIMIT}] ms`;
  }
  if (!Number.isSafeInteger(liveLeasesMax) || liveLeasesMax < 1 || liveLeasesMax > LEASE_RECORDS_MAX) {
    return `live lease cap ${liveLeasesMax} must lie in [1, ${LEASE_RECORDS_MAX}]`;
  }
  return null;
}

export function isLeaseLive(lease: LeaseRecord, nowMs: number): boolean {
  return nowMs < lease.expiresAtMs;
}

/** The live records of `leases` (expired ones dropped), order kept. */
export function liveLeases(leases: readonly LeaseRecord[], nowMs: number): LeaseRecord[] {
  return leases.filter((l) => isLeaseLive(l, nowMs));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= U64_MAX;
}

/** The argument checks of acquire, decided before anything is written. */
export function leaseAcquireProblem(request: LeaseAcquireRequest, policy: LeasePolicy): LeaseFailure | null {
  const holderBytes = request.holder instanceof Uint8Array ? request.holder.length : -1;
  if (holderBytes < LEASE_HOLDER_BYTES_MIN || holderBytes > LEASE_HOLDER_BYTES_MAX) {
    return fail(ErrorCode.INVALID_LEASE_HOLDER, `holder must be ${LEASE_HOLDER_BYTES_MIN}..${LEASE_HOLDER_BYTES_MAX} bytes, got ${holderBytes}`);
  }
  if (!isU64(request.holderEpoch)) return fail(ErrorCode.INVALID_LEASE_HOLDER, 'holder epoch must be a u64');
  if (!Number.isSafeInteger(request.ttlMs) || request.ttlMs < policy.ttlMsMin || request.ttlMs > policy.ttlMsMax) {
    return fail(ErrorCode.INVALID_LEASE_TTL, `ttl ${request.ttlMs} ms outside [${policy.ttlMsMin}, ${policy.ttlMsMax}] ms`);
  }
  return null;
}

/** The argument check of renew and release. */
export function leaseIdProblem(leaseId: bigint): LeaseFailure | null {
  return isU64(leaseId) ? null : fail(ErrorCode.INVALID_LEASE_ID, 'lease id must be a u64');
}

export type LeaseAcquirePlan =
  | { readonly ok: true; readonly kind: 'existing'; readonly lease: LeaseRecord }
  | { readonly ok: true; readonly kind: 'grant' }
  | LeaseFailure;

/** What acquire does with the current set: return a lease, grant a new one, or refuse. */
export function planLeaseAcquire(leases: readonly LeaseRecord[], request: LeaseAcquireRequest, nowMs: number, policy: LeasePolicy): LeaseAcquirePlan {
  const invalid = leaseAcquireProblem(request, policy);
  if (invalid !== null) return invalid;
  const live = liveLeases(leases, nowMs);
  const holders = live.filter((l) => sameBytes(l.holder, request.holder));
  const active = holders.find((l) => !l.superseded);
  if (active !== undefined && active.holderEpoch === request.holderEpoch) return { ok: true, kind: 'existing', lease: active };
  for (const lease of holders) {
    if (request.holderEpoch <= lease.holderEpoch) {
      return fail(ErrorCode.LEASE_HOLDER_EPOCH_STALE, `holder epoch ${request.holderEpoch} is not above the live lease ${lease.leaseId} at epoch ${lease.holderEpoch}`);
    }
  }
  if (live.length >= policy.liveLeasesMax) return fail(ErrorCode.LEASE_LIMIT_EXCEEDED, `${live.length} live leases, at most ${policy.liveLeasesMax}`);
  return { ok: true, kind: 'grant' };
}

/**
 * The set after granting `request` at bound (and id) `boundMs`: expired records dropped, the
 * holder's active lease superseded, the new lease added. `planLeaseAcquire` said 'grant'.
 */
export function grantLease(leases: readonly LeaseRecord[], request: LeaseAcquireRequest, boundMs: number, nowMs: number): { readonly leases: LeaseRecord[]; readonly lease: LeaseRecord } {
  assert(Number.isSafeInteger(boundMs) && boundMs >= 0 && boundMs <= PHYSICAL_MS_MAX, 'lease_bound_in_range');
  const leaseId = BigInt(boundMs);
  const next = liveLeases(leases, nowMs).map((l) => (!l.superseded && sameBytes(l.holder, request.holder) ? { ...l, superseded: true } : l));
  assert(
    next.every((l) => l.leaseId < leaseId),
    'lease_id_above_every_earlier_id',
  );
  const lease: LeaseRecord = {
    leaseId,
    holder: request.holder.slice(),
    holderEpoch: request.holderEpoch,
    ttlMs: request.ttlMs,
    tsUpperBoundMs: boundMs,
    expiresAtMs: nowMs + request.ttlMs,
    superseded: false,
  };
  next.push(lease);
  return { leases: next, lease };
}

/** The lease renew would extend, or why not. */
export function planLeaseRenew(leases: readonly LeaseRecord[], leaseId: bigint, nowMs: number): { readonly ok: true; readonly lease: LeaseRecord } | LeaseFailure {
  const invalid = leaseIdProblem(leaseId);
  if (invalid !== null) return invalid;
  const lease = leases.find((l) => l.leaseId === leaseId);
  if (lease === undefined) return fail(ErrorCode.LEASE_NOT_FOUND, `no lease ${leaseId}`);
  if (!isLeaseLive(lease, nowMs)) return fail(ErrorCode.LEASE_EXPIRED, `lease ${leaseId} expired at ${lease.expiresAtMs}`);
  if (lease.superseded) return fail(ErrorCode.LEASE_SUPERSEDED, `lease ${leaseId} was superseded by a higher holder epoch`);
  return { ok: true, lease };
}

/** The set after renewing `leaseId` to bound `boundMs` (never lowered), expiry re-armed. */
export function renewLease(leases: readonly LeaseRecord[], leaseId: bigint, boundMs: number, nowMs: number): { readonly leases: LeaseRecord[]; readonly lease: LeaseRecord } {
  let renewed: LeaseRecord | undefined;
  const next = liveLeases(leases, nowMs).map((l) => {
    if (l.leaseId !== leaseId) return l;
    renewed = { ...l, tsUpperBoundMs: Math.max(l.tsUpperBoundMs, boundMs), expiresAtMs: Math.max(l.expiresAtMs, nowMs + l.ttlMs) };
    return renewed;
  });
  assert(renewed !== undefined && !renewed.superseded, 'renewed_lease_live_and_active');
  return { leases: next, lease: renewed };
}

/** The set after releasing `leaseId`, or null when nothing changes (release is idempotent). */
export function releaseLease(leases: readonly LeaseRecord[], leaseId: bigint): LeaseRecord[] | null {
  if (!leases.some((l) => l.leaseId === leaseId)) return null;
  return leases.filter((l) => l.leaseId !== leaseId);
}

/**
 * min(committed high-water, the bound of every lease in the DURABLE set, superseded and expired
 * ones included). Expiry lowers no bar by itself: a lease stops binding the frontier only once a
 * durable write has dropped it (`hasExpiredLease` tells the serving node to make one). A clock
 * read cannot stand in for that write: after a restart, or on a new leader, a wall clock that is
 * behind would judge the same lease live again, and a frontier that had left it out would go back
 * (1-node swarm seed 362).
 */
export function safeFrontierMs(leases: readonly LeaseRecord[], highWaterMs: number): number {
  let frontier = highWaterMs;
  for (const lease of leases) if (lease.tsUpperBoundMs < frontier) frontier = lease.tsUpperBoundMs;
  return frontier;
}

/** Whether `leases` holds a record expired at `nowMs` (one a write would drop). */
export function hasExpiredLease(leases: readonly LeaseRecord[], nowMs: number): boolean {
  return leases.some((l) => !isLeaseLive(l, nowMs));
}

/** Why `leases` breaks an invariant of the set, or null. */
export function leaseSetProblem(leases: readonly LeaseRecord[]): string | null {
  if (leases.length > LEASE_RECORDS_MAX) return `${leases.length} leases, at most ${LEASE_RECORDS_MAX}`;
  for (let i = 0; i < leases.length; i++) {
    const l = leases[i] as LeaseRecord;
    if (i > 0 && (leases[i - 1] as LeaseRecord).leaseId >= l.leaseId) return `lease ids not strictly increasing at ${i}`;
    if (l.holder.length < LEASE_HOLDER_BYTES_MIN || l.holder.length > LEASE_HOLDER_BYTES_MAX) return `lease ${l.leaseId}: holder of ${l.holder.length} bytes`;
    if (l.tsUpperBoundMs > PHYSICAL_MS_MAX) return `lease ${l.leaseId}: bound above 2^46 - 1`;
    if (l.ttlMs < 1 || l.ttlMs > LEASE_TTL_MS_LIMIT) return `lease ${l.leaseId}: ttl ${l.ttlMs} ms`;
    if (!l.superseded && leases.some((o) => o !== l && !o.superseded && sameBytes(o.holder, l.holder))) return `two active leases of one holder`;
  }
  return null;
}

/** `leases` in canonical (id) order. */
export function sortedLeases(leases: readonly LeaseRecord[]): LeaseRecord[] {
  return [...leases].sort((a, b) => (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0));
}

// --- Codec -----------------------------------------------------------------------------------
// A lease set is `seq(LeaseRecord)`, each record: leaseId u64 | holder bytes | holderEpoch u64 |
// ttlMs u64 | tsUpperBoundMs u64 | expiresAtMs u64 | superseded bool (postcard varints).

export function writeLeaseSet(w: Writer, leases: readonly LeaseRecord[]): void {
  assert(leaseSetProblem(leases) === null, 'lease_set_canonical', () => leaseSetProblem(leases) ?? '');
  w.seq(leases, (rw, l) => {
    rw.u64(l.leaseId).bytes(l.holder).u64(l.holderEpoch).u64n(l.ttlMs).u64n(l.tsUpperBoundMs).u64n(l.expiresAtMs).bool(l.superseded);
  });
}

export function readLeaseSet(r: Reader): LeaseRecord[] {
  const at = r.offset;
  const leases = r.seq(
    (rr): LeaseRecord => ({
      leaseId: rr.u64(),
      holder: rr.bytes(LEASE_HOLDER_BYTES_MAX),
      holderEpoch: rr.u64(),
      ttlMs: rr.u64n(),
      tsUpperBoundMs: rr.u64n(),
      expiresAtMs: rr.u64n(),
      superseded: rr.bool(),
    }),
    LEASE_RECORDS_MAX,
  );
  const problem = leaseSetProblem(leases);
  if (problem !== null) throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, `lease set: ${problem}`, at);
  return leases;
}

/** The lease set as an envelope (version LEASE_SET_VERSION). */
export function encodeLeaseSet(leases: readonly LeaseRecord[]): Uint8Array {
  return encodeEnvelope(LEASE_SET_VERSION, (w) => writeLeaseSet(w, leases));
}

/** Decodes `encodeLeaseSet` bytes. Total: throws only `DecodeError`. */
export function decodeLeaseSet(bytes: Uint8Array): LeaseRecord[] {
  return decodeEnvelope(bytes, { [LEASE_SET_VERSION]: readLeaseSet });
}
