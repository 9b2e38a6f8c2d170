// The history of a run: every operation a simulated client made, with its invoke time, its
// completion time and its outcome, on the world's single time base (virtual ms), plus the order
// in which invocations and completions happened (a completion recorded before an invocation
// happened before it, even at the same virtual instant).
//
// Outcomes:
//   - ok: the call returned a value (timestamps, or a sequence block);
//   - failed: the call failed definitively (for getSeq: the client knows nothing was executed);
//   - unknown: the call's effect cannot be known (SEQ_UNCERTAIN, the client process died while
//     the call was in flight) — a getSeq block may or may not exist;
//   - pending: not ended (yet).
//
// Sessions: each client incarnation is one getSeq session (its clientId). The client library
// numbers a session's getSeq calls 1, 2, 3... in call order, and every retry of a call reuses
// its number; the history predicts the request id of each call the same way, which is what lets
// the checkers match the ledger's remembered results to calls.
//
// Limits: HISTORY_OPS_MAX operations per run (a run that makes more is mis-sized).

import { assert } from '../../core/assert.js';
import type { ClientEvent } from '../../drivers/client/client.js';

export const HISTORY_OPS_MAX = 2_000_000;

export type OpKind = 'getTs' | 'getTsBatch' | 'getSeq' | 'getSeqBatch';

/** One (key, count) entry of a getSeqBatch call, and one granted block of it. */
export interface SeqBatchCallEntry {
  readonly key: string;
  readonly count: number;
}
export interface SeqBatchCallGrant {
  readonly key: string;
  readonly start: bigint;
  readonly count: number;
}

/** Whether the op is a sequence call (getSeq or getSeqBatch): it has a request id in its session. */
export function isSeqKind(kind: OpKind): boolean {
  return kind === 'getSeq' || kind === 'getSeqBatch';
}
export type OpOutcome = 'pending' | 'ok' | 'failed' | 'unknown';
/** safety: faults on; liveness: faults off, converging; converged: every new call must succeed. */
export type Phase = 'safety' | 'liveness' | 'converged';

export interface ClientSession {
  readonly node: string;
  readonly incarnation: number;
  readonly clientId: bigint;
  /** The request id the client library will give its next getSeq call. */
  nextRequestId: bigint;
  readonly seqOps: Map<bigint, Op>;
  /** False once the client process died. */
  alive: boolean;
  /**
   * The last thing the client library reported, per operation, and when (for "why is it
   * stuck"). Kept as the event itself: it is rendered only when a stuck call is explained, not
   * at each of the two or more events every call has.
   */
  readonly lastEvent: { getTs: TimedClientEvent | null; getSeq: TimedClientEvent | null };
}

/** A client library event and the virtual time it happened at. */
export interface TimedClientEvent {
  readonly atMs: number;
  readonly event: ClientEvent;
}

export interface Op {
  readonly id: number;
  readonly kind: OpKind;
  readonly session: ClientSession;
  readonly count: number;
  readonly key: string | null;
  /** getSeq: the request id the client sends (predicted from call order). */
  /** The op's request id (getSeq); a retry under a new id after SEQ_SESSION_EXPIRED renews it. */
  requestId: bigint | null;
  readonly invokeMs: number;
  /** Order of the invocation among all invocations and completions. */
  readonly invokeOrder: number;
  readonly phase: Phase;
  outcome: OpOutcome;
  completeMs: number | null;
  completeOrder: number | null;
  code: string | null;
  message: string | null;
  /** getTs / getTsBatch: the first and last timestamp granted. */
  first: bigint | null;
  last: bigint | null;
  /** getSeq: the block's start (the block is [start, start + count)). */
  start: bigint | null;
  /** getSeqBatch: the entries asked for (`key`/`count` repeat the first; null for other kinds). */
  readonly entries: readonly SeqBatchCallEntry[] | null;
  /** getSeqBatch: the grants answered, in answer order. */
  grants: readonly SeqBatchCallGrant[] | null;
  /** Real-time floor: the largest timestamp acknowledged before this call was invoked. */
  floorTs: bigint;
  floorOpId: number | null;
  /** Server starts recorded when the floor op completed (a rewind across a restart is reported as such). */
  floorServerStarts: number;
}

/** Observes the history as it is written (the online checkers). */
export interface HistoryObserver {
  onComplete(op: Op): void;
}

export class History {
  readonly ops: Op[] = [];
  readonly sessions: ClientSession[] = [];
  private readonly sessionsByClientId = new Map<bigint, ClientSession>();
  private order = 0;
  private pendingCount = 0;
  private otherPendingCount = 0;
  phase: Phase = 'safety';
  /** Starts of the server process so far. */
  serverStarts = 0;
  // Real-time floor: the largest acknowledged timestamp so far, and who acknowledged it.
  private maxAckTs = -1n;
  private maxAckOpId: number | null = null;
  private maxAckServerStarts = 0;
  observer: HistoryObserver | null = null;

  /** Calls of this history not ended yet. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Calls not ended yet, the service calls logged elsewhere (service-workload.ts) included: the run waits for all. */
  get pendingAll(): number {
    return this.pendingCount + this.otherPendingCount;
  }

  /** A call logged elsewhere began: its place in the order of invocations and completions. */
  callBegan(): number {
    this.otherPendingCount++;
    return this.order++;
  }

  /** A call logged elsewhere ended: its place in the order. */
  callEnded(): number {
    this.otherPendingCount--;
    return this.order++;
  }

  /** `firstRequestId`: the client's first getSeq request id (it counts up from there, one per call). */
  openSession(node: string, incarnation: number, clientId: bigint, firstRequestId = 1n): ClientSession {
    const session: ClientSession = {
      node,
      incarnation,
      clientId,
      nextRequestId: firstRequestId,
      seqOps: new Map(),
      alive: true,
      lastEvent: { getTs: null, getSeq: null },
    };
    this.sessions.push(session);
    // Two incarnations drawing the same 64-bit id would share a session: the checkers could not
    // tell their requests apart. The world's streams make it a 2^-64 event; say so if it happens.
    assert(!this.sessionsByClientId.has(clientId), 'history_client_ids_distinct', () => clientId.toString());
    this.sessionsByClientId.set(clientId, session);
    return session;
  }

  sessionOf(clientId: bigint): ClientSession | undefined {
    return this.sessionsByClientId.get(clientId);
  }

  invoke(session: ClientSession, kind: OpKind, count: number, key: string | null, nowMs: number, entries: readonly SeqBatchCallEntry[] | null = null): Op {
    assert(this.ops.length < HISTORY_OPS_MAX, 'history_ops_within_limit');
    assert((kind === 'getSeqBatch') === (entries !== null), 'history_batch_entries_iff_batch');
    let requestId: bigint | null = null;
    if (isSeqKind(kind)) {
      requestId = session.nextRequestId;
      session.nextRequestId += 1n;
    }
    const op: Op = {
      id: this.ops.length,
      kind,
      session,
      count,
      key,
      requestId,
      invokeMs: nowMs,
      invokeOrder: this.order++,
      phase: this.phase,
      outcome: 'pending',
      completeMs: null,
      completeOrder: null,
      code: null,
      message: null,
      first: null,
      last: null,
      start: null,
      entries,
      grants: null,
      floorTs: this.maxAckTs,
      floorOpId: this.maxAckOpId,
      floorServerStarts: this.maxAckServerStarts,
    };
    this.ops.push(op);
    if (requestId !== null) session.seqOps.set(requestId, op);
    this.pendingCount++;
    return op;
  }

  private end(op: Op, outcome: Exclude<OpOutcome, 'pending'>, nowMs: number): boolean {
    if (op.outcome !== 'pending') return false; // ended already (its client died first)
    op.outcome = outcome;
    op.completeMs = nowMs;
    op.completeOrder = this.order++;
    this.pendingCount--;
    return true;
  }

  /** A timestamp call returned `count` timestamps from `first` to `last`. */
  completeTs(op: Op, first: bigint, last: bigint, nowMs: number): void {
    if (!this.end(op, 'ok', nowMs)) return;
    op.first = first;
    op.last = last;
    this.observer?.onComplete(op);
    if (last > this.maxAckTs) {
      this.maxAckTs = last;
      this.maxAckOpId = op.id;
      this.maxAckServerStarts = this.serverStarts;
    }
  }

  /** A getSeq call returned the block [start, start + count) of `key`. */
  completeSeq(op: Op, key: string, start: bigint, count: number, nowMs: number): void {
    if (!this.end(op, 'ok', nowMs)) return;
    op.start = start;
    if (key !== op.key || count !== op.count) {
      op.code = 'SHAPE';
      op.message = `got ${count} values of ${JSON.stringify(key)}`;
    }
    this.observer?.onComplete(op);
  }

  /** A getSeqBatch call returned `grants` (checked against its entries by the checkers). */
  completeSeqBatch(op: Op, grants: readonly SeqBatchCallGrant[], nowMs: number): void {
    if (!this.end(op, 'ok', nowMs)) return;
    op.grants = grants;
    op.start = grants[0]?.start ?? null;
    this.observer?.onComplete(op);
  }

  /** A call failed: definitively, or with an unknown outcome. */
  fail(op: Op, code: string, message: string, unknown: boolean, nowMs: number): void {
    if (!this.end(op, unknown ? 'unknown' : 'failed', nowMs)) return;
    op.code = code;
    op.message = message;
    this.observer?.onComplete(op);
  }

  /** The client process died: its calls in flight end with an unknown outcome. */
  /**
   * The client asks again under request id `next` for the call that had `previous` (it was
   * refused SEQ_SESSION_EXPIRED before anything executed): the op answers to the new id, and the
   * session's next id moves past it.
   */
  renewRequestId(session: ClientSession, previous: bigint, next: bigint): void {
    const op = session.seqOps.get(previous);
    assert(op !== undefined && op.outcome === 'pending', 'renewed_request_id_names_a_pending_call', () => previous.toString());
    session.seqOps.delete(previous);
    op.requestId = next;
    session.seqOps.set(next, op);
    if (session.nextRequestId <= next) session.nextRequestId = next + 1n;
  }

  clientLost(session: ClientSession, nowMs: number): void {
    session.alive = false;
    for (const op of this.ops) {
      if (op.session === session && op.outcome === 'pending') this.fail(op, 'CLIENT_CRASHED', 'the client process died during the call', true, nowMs);
    }
  }

  /** Counts of outcomes per kind. */
  summary(): Record<OpKind, Record<OpOutcome, number>> {
    const zero = (): Record<OpOutcome, number> => ({ pending: 0, ok: 0, failed: 0, unknown: 0 });
    const out: Record<OpKind, Record<OpOutcome, number>> = { getTs: zero(), getTsBatch: zero(), getSeq: zero(), getSeqBatch: zero() };
    for (const op of this.ops) out[op.kind][op.outcome]++;
    return out;
  }
}

/** A one-line description of an op, for violation messages. */
export function describeOp(op: Op): string {
  const what =
    op.kind === 'getSeq'
      ? `getSeq(${JSON.stringify(op.key)}, ${op.count}) request ${String(op.requestId)}`
      : op.kind === 'getSeqBatch'
        ? `getSeqBatch(${(op.entries ?? []).map((e) => `${e.key}=${e.count}`).join(' ')}) request ${String(op.requestId)}`
        : op.kind === 'getTs'
          ? 'getTs()'
          : `getTsBatch(${op.count})`;
  const result =
    op.outcome === 'ok'
      ? op.kind === 'getSeqBatch'
        ? (op.grants ?? []).map((g) => `${g.key}:[${g.start}, +${g.count})`).join(' ')
        : op.kind === 'getSeq'
        ? `[${String(op.start)}, +${op.count})`
        : op.first === op.last
          ? String(op.first)
          : `${String(op.first)}..${String(op.last)}`
      : op.outcome === 'pending'
        ? 'pending'
        : `${op.outcome} ${op.code ?? ''}`;
  const ended = op.completeMs === null ? '' : `, ended t=${op.completeMs}`;
  return `op ${op.id} ${op.session.node}#${op.session.incarnation} ${what} invoked t=${op.invokeMs}${ended} → ${result}`;
}
