// The simulated etcd's state machine: a linearizable key-value store with revisions and leases,
// answering the EtcdClient interface's calls (drivers/etcd/etcd-client.ts) as etcd v3 does, for
// the part of etcd the etcd driver uses. It is a pure object: time comes in as an argument (the
// etcd node's monotonic clock), so the same store can be driven by the simulated server
// (sim/etcd-wire.ts) and checked directly by tests.
//
// Semantics kept (etcd v3, mvcc + lessor):
//   - The store's revision starts at 1 and grows by exactly one per transaction (or lease
//     revoke / expiry) that changes at least one key; every key a transaction writes gets that
//     revision as its mod revision, a key created by it also as its create revision. A put on an
//     existing key keeps its create revision; a deleted key forgets it (a later put re-creates it).
//   - Compares on a missing key see 0 for CREATE and MOD (etcd's rule), so
//     `CreateRevision(k) == 0` means "k does not exist".
//   - A transaction is atomic: its compares and its branch's ops see one state; a failing op
//     (a put on a lease that does not exist, more ops than `txnOpsMax`) changes nothing.
//   - A lease expires `ttlSeconds` after its grant or last keep-alive on the store's clock; an
//     expired lease is revoked (its keys deleted in one revision) before any later call is
//     answered, and a keep-alive of an expired or unknown lease answers TTL 0.
import { EtcdRequestError, type EtcdCompare, type EtcdKeyValue, type EtcdOp, type EtcdRange, type EtcdTxnResult } from '../drivers/etcd/etcd-client.js';

/** etcd's default --max-txn-ops. */
export const SIM_ETCD_TXN_OPS_MAX_DEFAULT = 128;

interface StoredKey {
  readonly value: string;
  readonly createRevision: bigint;
  readonly modRevision: bigint;
  readonly lease: bigint;
}

interface StoredLease {
  readonly ttlSeconds: number;
  expiresAtMs: number;
  readonly keys: Set<string>;
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export class SimEtcdStore {
  private revisionNow = 1n;
  private readonly keys = new Map<string, StoredKey>();
  private readonly leases = new Map<bigint, StoredLease>();
  private nextLeaseId: bigint;
  private readonly txnOpsMax: number;

  constructor(
    options: {
      /** The first lease id granted (etcd's ids look random; a seed picks this one). */
      readonly firstLeaseId?: bigint;
      readonly txnOpsMax?: number;
    } = {},
  ) {
    this.nextLeaseId = options.firstLeaseId ?? 0x1000n;
    this.txnOpsMax = options.txnOpsMax ?? SIM_ETCD_TXN_OPS_MAX_DEFAULT;
  }

  get revision(): bigint {
    return this.revisionNow;
  }

  /** The live key-value of `key` (tests and the nemesis read the leader key with it). */
  peek(key: string): EtcdKeyValue | undefined {
    const stored = this.keys.get(key);
    return stored === undefined ? undefined : { key, ...stored };
  }

  /** The live leases' ids (ascending). */
  leaseIds(): bigint[] {
    return [...this.leases.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Revokes every lease whose expiry is at or before `nowMs`; called before each request is answered. */
  expireLeases(nowMs: number): void {
    for (const [id, lease] of [...this.leases]) if (lease.expiresAtMs <= nowMs) this.revoke(id);
  }

  /** The earliest expiry among live leases (for the server's expiry timer), or null. */
  nextExpiryMs(): number | null {
    let earliest: number | null = null;
    for (const lease of this.leases.values()) if (earliest === null || lease.expiresAtMs < earliest) earliest = lease.expiresAtMs;
    return earliest;
  }

  /**
   * What a new etcd leader does to every lease (etcd's lessor Promote): each lives at least a
   * full TTL from `nowMs`, so a leader change never shortens a lease.
   */
  extendAllLeases(nowMs: number): void {
    for (const lease of this.leases.values()) lease.expiresAtMs = Math.max(lease.expiresAtMs, nowMs + lease.ttlSeconds * 1000);
  }

  range(key: string, options: { readonly prefix?: boolean } = {}): EtcdRange {
    return { revision: this.revisionNow, kvs: this.read(key, options.prefix === true) };
  }

  private read(key: string, prefix: boolean): EtcdKeyValue[] {
    if (!prefix) {
      const kv = this.peek(key);
      return kv === undefined ? [] : [kv];
    }
    const matching = [...this.keys.keys()].filter((k) => k.startsWith(key)).sort(byBytes);
    return matching.map((k) => this.peek(k) as EtcdKeyValue);
  }

  /** Every key in [key, rangeEnd) by UTF-8 bytes, ascending (etcd's range with a range_end). */
  private readInterval(key: string, rangeEnd: string): EtcdKeyValue[] {
    const matching = [...this.keys.keys()].filter((k) => byBytes(k, key) >= 0 && byBytes(k, rangeEnd) < 0).sort(byBytes);
    return matching.map((k) => this.peek(k) as EtcdKeyValue);
  }

  private compareHolds(compare: EtcdCompare): boolean {
    const stored = this.keys.get(compare.key);
    const actual = compare.target === 'CREATE' ? (stored?.createRevision ?? 0n) : (stored?.modRevision ?? 0n);
    const wanted = compare.target === 'CREATE' ? compare.createRevision : compare.modRevision;
    return compare.result === 'EQUAL' ? actual === wanted : actual !== wanted;
  }

  txn(compares: readonly EtcdCompare[], success: readonly EtcdOp[], failure: readonly EtcdOp[]): EtcdTxnResult {
    if (compares.length > this.txnOpsMax || success.length > this.txnOpsMax || failure.length > this.txnOpsMax) {
      throw new EtcdRequestError('etcdserver: too many operations in txn request', 400);
    }
    const succeeded = compares.every((c) => this.compareHolds(c));
    const ops = succeeded ? success : failure;
    for (const op of ops) {
      if ('put' in op && op.put.lease !== undefined && op.put.lease !== 0n && !this.leases.has(op.put.lease)) {
        throw new EtcdRequestError('etcdserver: requested lease not found', 400);
      }
    }
    const writes = ops.some((op) => !('range' in op));
    const writeRevision = this.revisionNow + 1n;
    let changed = false;
    const ranges: EtcdKeyValue[][] = [];
    for (const op of ops) {
      if ('range' in op) {
        ranges.push(this.read(op.range.key, op.range.prefix === true));
      } else if ('put' in op) {
        this.put(op.put.key, op.put.value, op.put.lease ?? 0n, writeRevision);
        changed = true;
        ranges.push([]);
      } else {
        const end = op.deleteRange.rangeEnd;
        const victims = end === undefined ? this.read(op.deleteRange.key, op.deleteRange.prefix === true) : this.readInterval(op.deleteRange.key, end);
        for (const kv of victims) this.remove(kv.key);
        if (victims.length > 0) changed = true;
        ranges.push([]);
      }
    }
    if (writes && changed) this.revisionNow = writeRevision;
    return { succeeded, revision: this.revisionNow, ranges };
  }

  private put(key: string, value: string, lease: bigint, revision: bigint): void {
    const previous = this.keys.get(key);
    if (previous !== undefined && previous.lease !== 0n) this.leases.get(previous.lease)?.keys.delete(key);
    this.keys.set(key, { value, createRevision: previous?.createRevision ?? revision, modRevision: revision, lease });
    if (lease !== 0n) this.leases.get(lease)?.keys.add(key);
  }

  private remove(key: string): void {
    const previous = this.keys.get(key);
    if (previous === undefined) return;
    if (previous.lease !== 0n) this.leases.get(previous.lease)?.keys.delete(key);
    this.keys.delete(key);
  }

  leaseGrant(ttlSeconds: number, nowMs: number): { readonly id: bigint; readonly ttlSeconds: number } {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new EtcdRequestError(`etcdserver: lease TTL ${ttlSeconds} is not a whole number of seconds ≥ 1`, 400);
    const id = this.nextLeaseId++;
    this.leases.set(id, { ttlSeconds, expiresAtMs: nowMs + ttlSeconds * 1000, keys: new Set() });
    return { id, ttlSeconds };
  }

  /** The TTL granted again, or 0 when the lease is gone. */
  leaseKeepAlive(id: bigint, nowMs: number): number {
    const lease = this.leases.get(id);
    if (lease === undefined) return 0;
    lease.expiresAtMs = Math.max(lease.expiresAtMs, nowMs + lease.ttlSeconds * 1000);
    return lease.ttlSeconds;
  }

  leaseRevoke(id: bigint): void {
    if (!this.leases.has(id)) throw new EtcdRequestError('etcdserver: requested lease not found', 404);
    this.revoke(id);
  }

  private revoke(id: bigint): void {
    const lease = this.leases.get(id);
    if (lease === undefined) return;
    this.leases.delete(id);
    if (lease.keys.size === 0) return;
    for (const key of lease.keys) this.keys.delete(key);
    this.revisionNow++;
  }
}
