// The simulated etcd on the simulated network: a server program (`simEtcdServerProgram`) that a
// world node runs over a SimEtcdStore, and `SimEtcdClient`, the EtcdClient a tsoracle node's
// etcd driver uses to reach it through its own Transport and Clock ports. Because every call
// crosses the world's network, the world's partitions and network faults (resets, answers lost
// after delivery, latency spikes) strike between tsoracle and etcd as they would between real
// machines; the server adds etcd's own failure modes on top (SimEtcdFaults).
//
// Wire: a message (request or answer) is `fnv1a32(json) (4 bytes, big endian) ‖ json`, bigints
// as {"$n":"123"}, cut into frames of at most FRAME_BODY_BYTES_MAX − 1 bytes, each led by one byte:
// 1 when more of the message follows, 0 on its last frame (a range over a big ledger is larger
// than one frame). A sender sends a message's frames back to back, so they are never interleaved
// on a connection. A message whose checksum fails (the world's `corrupt` fault) makes the
// receiver reset the connection, as a TLS record or an HTTP parser would: a flipped bit never
// turns into a different request.
//
// Invariants:
//   - The store is applied to one request at a time, at the instant the request is handled (a
//     linearization point), with the etcd node's monotonic clock as the lease clock. A request
//     that arrived is applied even if its client has gone meanwhile.
//   - Client: every call ends within `requestTimeoutMs` (connect included); a call without a
//     whole answer rejects with EtcdUnavailableError (outcome unknown), as the real client does.
//     A call is sent once, never retried here.
//   - Server faults (only while `active()` says so): `slow` delays a request before it is
//     applied; `fail` answers "unavailable" without applying; `lostAfterCommit` applies the
//     request and resets the connection instead of answering; `leaderChange(ms)` answers every
//     request "no leader" for `ms`, during which no lease expires, and then extends every lease
//     to a full TTL (what a new etcd leader's lessor does).
import { EtcdRequestError, EtcdUnavailableError, type EtcdClient, type EtcdCompare, type EtcdOp, type EtcdRange, type EtcdTxnResult } from '../drivers/etcd/etcd-client.js';
import { FRAME_BODY_BYTES_MAX } from '../core/limits.js';
import type { Clock, Connection, HostPort, TimerHandle, Transport } from '../drivers/ports.js';
import type { NodePorts, Program } from './process.js';
import type { Rng } from './random.js';
import { fnv1a32 } from './trace.js';
import type { SimEtcdStore } from './etcd-store.js';

export const SIM_ETCD_PORT = 2379;
export const SIM_ETCD_VERSION = '3.5.0-sim';
export const SIM_ETCD_REQUEST_TIMEOUT_MS_DEFAULT = 500;

type Method = 'range' | 'txn' | 'leaseGrant' | 'leaseKeepAlive' | 'leaseRevoke' | 'version';

interface Request {
  readonly id: number;
  readonly method: Method;
  readonly args: readonly unknown[];
}

type Answer =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly unavailable: boolean; readonly message: string; readonly status: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A message's bytes: checksum ‖ JSON (bigints as {"$n": "…"}). */
export function encodeEtcdMessage(message: Request | Answer): Uint8Array {
  const json = encoder.encode(JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? { $n: value.toString() } : value)));
  const body = new Uint8Array(4 + json.length);
  new DataView(body.buffer).setUint32(0, fnv1a32(json));
  body.set(json, 4);
  return body;
}

const CHUNK_BYTES_MAX = FRAME_BODY_BYTES_MAX - 1;

/** Sends a message as its frames, back to back. */
function sendMessage(connection: Connection, message: Request | Answer): void {
  const bytes = encodeEtcdMessage(message);
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES_MAX) {
    const chunk = bytes.subarray(offset, offset + CHUNK_BYTES_MAX);
    const frame = new Uint8Array(1 + chunk.length);
    frame[0] = offset + CHUNK_BYTES_MAX < bytes.length ? 1 : 0;
    frame.set(chunk, 1);
    connection.send(frame);
  }
}

/** Joins a connection's frames into messages; `push` returns the message a last frame completes (or undefined). */
export class EtcdMessageReader {
  private parts: Uint8Array[] = [];
  private bytes = 0;

  /** The decoded message (null when bad) a frame completes, or undefined while more frames are due. */
  push(frame: Uint8Array): unknown {
    if (frame.length < 2 || (frame[0] !== 0 && frame[0] !== 1)) return null;
    this.parts.push(frame.subarray(1));
    this.bytes += frame.length - 1;
    if (frame[0] === 1) return undefined;
    const whole = new Uint8Array(this.bytes);
    let at = 0;
    for (const part of this.parts) {
      whole.set(part, at);
      at += part.length;
    }
    this.parts = [];
    this.bytes = 0;
    return decodeEtcdMessage(whole);
  }
}

/** The message of its bytes, or null when its checksum or its JSON is bad. */
export function decodeEtcdMessage(body: Uint8Array): unknown {
  if (body.length < 5) return null;
  const json = body.subarray(4);
  if (new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0) !== fnv1a32(json)) return null;
  try {
    return JSON.parse(decoder.decode(json), (_key, value: unknown) => {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const keys = Object.keys(value);
        const n = (value as { $n?: unknown }).$n;
        if (keys.length === 1 && typeof n === 'string' && /^-?\d+$/.test(n)) return BigInt(n);
      }
      return value;
    }) as unknown;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Server

export interface SimEtcdFaults {
  /** Chance per request that it waits `slowDelayMs` before it is applied. */
  readonly slowChance?: number;
  readonly slowDelayMs?: readonly [number, number];
  /** Chance per request that it is refused unapplied ("etcdserver: request timed out"). */
  readonly failChance?: number;
  /** Chance per request that it is applied and its answer lost (the connection reset). */
  readonly lostAfterCommitChance?: number;
}

export interface SimEtcdServerCounts {
  requests: number;
  slowed: number;
  failed: number;
  lostAfterCommit: number;
  noLeader: number;
  leaderChanges: number;
}

/** The simulated etcd as a world node runs it; the store outlives the process (etcd is replicated). */
export class SimEtcdServer {
  faults: SimEtcdFaults = {};
  readonly counts: SimEtcdServerCounts = { requests: 0, slowed: 0, failed: 0, lostAfterCommit: 0, noLeader: 0, leaderChanges: 0 };
  private noLeaderUntilMs = -Infinity;
  private ports: NodePorts | null = null;

  constructor(
    readonly store: SimEtcdStore,
    /** Whether faults may strike now (the harness turns them off for the liveness phase). */
    private readonly active: () => boolean = () => true,
  ) {}

  /** The program of the etcd node. */
  program(): Program {
    return async (ports: NodePorts) => {
      this.ports = ports;
      await ports.transport.listen({ host: '0.0.0.0', port: SIM_ETCD_PORT }, (connection) => this.serve(connection, ports));
      return {};
    };
  }

  /** etcd loses its leader for `durationMs`: requests are refused, then every lease gets a full TTL. */
  leaderChange(durationMs: number): void {
    const ports = this.ports;
    if (ports === null) return;
    const now = ports.clock.monotonicMs();
    // Leases do not expire without a leader: settle the ones already past their expiry first.
    this.store.expireLeases(now);
    this.noLeaderUntilMs = Math.max(this.noLeaderUntilMs, now + durationMs);
    this.counts.leaderChanges++;
    ports.trace('etcd.leader_lost', { durationMs });
    ports.clock.setTimer(durationMs, () => {
      if (ports.clock.monotonicMs() < this.noLeaderUntilMs) return;
      this.store.extendAllLeases(ports.clock.monotonicMs());
      ports.trace('etcd.leader_elected', { revision: this.store.revision.toString() });
    });
  }

  private serve(connection: Connection, ports: NodePorts): void {
    const reader = new EtcdMessageReader();
    connection.setHandlers({
      onFrame: (body) => {
        const request = reader.push(body) as Request | null | undefined;
        if (request === undefined) return;
        if (request === null || typeof request.id !== 'number' || typeof request.method !== 'string' || !Array.isArray(request.args)) {
          connection.close();
          return;
        }
        this.counts.requests++;
        const faulty = this.active();
        const f = this.faults;
        if (faulty && f.slowChance !== undefined && ports.rng.float() < f.slowChance) {
          this.counts.slowed++;
          const [lo, hi] = f.slowDelayMs ?? [1, 100];
          // Applied even when the client has given up meanwhile (its answer then goes nowhere):
          // a request that timed out at the client may still land.
          ports.clock.setTimer(ports.rng.int(lo, hi), () => this.handle(request, connection, ports, faulty));
        } else {
          this.handle(request, connection, ports, faulty);
        }
      },
      onClose: () => {},
    });
  }

  private handle(request: Request, connection: Connection, ports: NodePorts, faulty: boolean): void {
    const now = ports.clock.monotonicMs();
    const reply = (answer: Answer): void => sendMessage(connection, answer);
    if (now < this.noLeaderUntilMs) {
      if (this.active()) {
        this.counts.noLeader++;
        return reply({ id: request.id, ok: false, unavailable: true, message: 'etcdserver: no leader', status: 503 });
      }
      // The liveness phase turns every fault off, an outage begun before it too: etcd elects its
      // leader now (found by the swarm, 3-node seed 310: an outage ran into the liveness phase).
      this.noLeaderUntilMs = -Infinity;
      this.store.extendAllLeases(now);
      ports.trace('etcd.leader_elected', { revision: this.store.revision.toString() });
    }
    const f = this.faults;
    if (faulty && f.failChance !== undefined && ports.rng.float() < f.failChance) {
      this.counts.failed++;
      return reply({ id: request.id, ok: false, unavailable: true, message: 'etcdserver: request timed out', status: 503 });
    }
    this.store.expireLeases(now);
    let answer: Answer;
    try {
      answer = { id: request.id, ok: true, result: this.apply(request, now) };
    } catch (e) {
      if (!(e instanceof EtcdRequestError)) throw e;
      answer = { id: request.id, ok: false, unavailable: false, message: e.message, status: e.httpStatus };
    }
    if (faulty && f.lostAfterCommitChance !== undefined && ports.rng.float() < f.lostAfterCommitChance) {
      this.counts.lostAfterCommit++;
      ports.trace('etcd.answer_lost', { method: request.method });
      connection.close();
      return;
    }
    reply(answer);
  }

  private apply(request: Request, now: number): unknown {
    const a = request.args;
    switch (request.method) {
      case 'range':
        return this.store.range(a[0] as string, (a[1] ?? {}) as { prefix?: boolean });
      case 'txn':
        return this.store.txn(a[0] as EtcdCompare[], a[1] as EtcdOp[], a[2] as EtcdOp[]);
      case 'leaseGrant':
        return this.store.leaseGrant(a[0] as number, now);
      case 'leaseKeepAlive':
        return this.store.leaseKeepAlive(a[0] as bigint, now);
      case 'leaseRevoke':
        this.store.leaseRevoke(a[0] as bigint);
        return null;
      case 'version':
        return SIM_ETCD_VERSION;
      default:
        throw new EtcdRequestError(`unknown method ${JSON.stringify(request.method)}`, 404);
    }
  }
}

/** Draws a run's etcd server faults from `rng` (each family on about half the runs). */
export function drawSimEtcdFaults(rng: Rng): SimEtcdFaults {
  return {
    ...(rng.chance(1, 2) ? { slowChance: rng.int(1, 20) / 100, slowDelayMs: [1, rng.int(20, 600)] as const } : {}),
    ...(rng.chance(1, 2) ? { failChance: rng.int(1, 10) / 100 } : {}),
    ...(rng.chance(1, 2) ? { lostAfterCommitChance: rng.int(1, 10) / 100 } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Client

interface PendingCall {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: TimerHandle;
}

/** The EtcdClient of a simulated tsoracle node: its own Transport and Clock to the etcd node. */
export class SimEtcdClient implements EtcdClient {
  private connection: Promise<Connection> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();

  constructor(
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly address: HostPort,
    private readonly requestTimeoutMs = SIM_ETCD_REQUEST_TIMEOUT_MS_DEFAULT,
  ) {}

  private failAll(message: string): void {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) {
      call.timer.cancel();
      call.reject(new EtcdUnavailableError(message));
    }
  }

  private connect(): Promise<Connection> {
    if (this.connection !== null) return this.connection;
    const opening = this.transport.connect(this.address).then((connection) => {
      const reader = new EtcdMessageReader();
      connection.setHandlers({
        onFrame: (body) => {
          const answer = reader.push(body) as Answer | null | undefined;
          if (answer === undefined) return;
          if (answer === null || typeof answer.id !== 'number') {
            connection.close();
            return;
          }
          const call = this.pending.get(answer.id);
          if (call === undefined) return; // its caller timed out
          this.pending.delete(answer.id);
          call.timer.cancel();
          if (answer.ok) call.resolve(answer.result);
          else if (answer.unavailable) call.reject(new EtcdUnavailableError(`etcd: ${answer.message}`));
          else call.reject(new EtcdRequestError(`etcd: ${answer.message}`, answer.status));
        },
        onClose: (reason) => {
          if (this.connection === opening) this.connection = null;
          this.failAll(`etcd connection closed${reason === undefined ? '' : `: ${reason.message}`}`);
        },
      });
      return connection;
    });
    this.connection = opening;
    opening.catch(() => {
      if (this.connection === opening) this.connection = null;
    });
    return opening;
  }

  private call(method: Method, args: readonly unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = this.clock.setTimer(this.requestTimeoutMs, () => {
        if (!this.pending.delete(id)) return;
        reject(new EtcdUnavailableError(`etcd ${method}: no answer within ${this.requestTimeoutMs} ms`));
        // The connection is suspect (a partition, a stalled etcd): the next call opens a new one.
        const connection = this.connection;
        this.connection = null;
        void connection?.then((c) => c.close()).catch(() => {});
      });
      this.pending.set(id, { resolve, reject, timer });
      this.connect().then(
        (connection) => {
          if (this.pending.has(id)) sendMessage(connection, { id, method, args });
        },
        (e: unknown) => {
          if (!this.pending.delete(id)) return;
          timer.cancel();
          reject(new EtcdUnavailableError(`etcd ${method}: cannot connect: ${e instanceof Error ? e.message : String(e)}`));
        },
      );
    });
  }

  async range(key: string, options?: { readonly prefix?: boolean }): Promise<EtcdRange> {
    return (await this.call('range', [key, options ?? {}])) as EtcdRange;
  }

  async txn(compare: readonly EtcdCompare[], success: readonly EtcdOp[], failure: readonly EtcdOp[]): Promise<EtcdTxnResult> {
    return (await this.call('txn', [compare, success, failure])) as EtcdTxnResult;
  }

  async leaseGrant(ttlSeconds: number): Promise<{ readonly id: bigint; readonly ttlSeconds: number }> {
    return (await this.call('leaseGrant', [ttlSeconds])) as { id: bigint; ttlSeconds: number };
  }

  async leaseKeepAlive(id: bigint): Promise<number> {
    return (await this.call('leaseKeepAlive', [id])) as number;
  }

  async leaseRevoke(id: bigint): Promise<void> {
    try {
      await this.call('leaseRevoke', [id]);
    } catch (e) {
      if (e instanceof EtcdRequestError && /not found/i.test(e.message)) return;
      throw e;
    }
  }

  async version(): Promise<string> {
    return (await this.call('version', [])) as string;
  }
}
