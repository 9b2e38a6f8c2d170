// The history of a stress run, recorded as it happens and checked online: every call any client
// of the harness makes is invoked and ended here, in one total order (a counter in this single
// Node process) and on one real-time base (`performance.now()`). Nothing is kept per call once it
// ended except counts, so a ten-minute run has bounded memory (runners/stress/checkers.ts).
//
// Outcomes, classified like runners/process.test.ts:
//   - ok: timestamps or a block came back (checked at once);
//   - failed: a definitive failure (for getSeq the client promises nothing was executed);
//   - unknown: a getSeq whose block may or may not exist (SEQ_UNCERTAIN, or CLIENT_CLOSED after
//     the request was sent) — its values may explain a hole of the ledger.
// A client that throws something other than a TsoError is a violation (client_unexpected_error).

import { assert } from '../../core/assert.js';
import { ErrorCode, TsoError } from '../../core/errors.js';
import { LOGICAL_BITS } from '../../core/limits.js';
import { IntervalSpaceChecker, ViolationLog, type CheckedCall, type FloorToken } from './checkers.js';

export type OpKind = 'getTs' | 'getTsBatch' | 'getSeq';
/** `resolved`: a getSeq the client reported unknown whose block a read-back then learnt (resolver.ts). */
export type OpOutcome = 'ok' | 'failed' | 'unknown' | 'resolved';
export const OP_KINDS: readonly OpKind[] = ['getTs', 'getTsBatch', 'getSeq'];

/** Distinct error codes counted per kind (a flood of unexpected codes cannot grow the map). */
export const STRESS_ERROR_CODES_MAX = 64;

/** A call in flight. */
export class OpenOp implements CheckedCall {
  constructor(
    readonly id: number,
    readonly kind: OpKind,
    /** Which client made it (`load-3`, `pinned-2`, `probe`). */
    readonly client: string,
    readonly count: number,
    readonly key: string | null,
    /** Milliseconds since the run started. */
    readonly invokeMs: number,
    readonly invokeOrder: number,
    readonly token: FloorToken,
  ) {}

  /** Set at completion, for messages. */
  completeMs: number | null = null;
  result: string | null = null;

  describe(): string {
    const what = this.kind === 'getSeq' ? `getSeq(${JSON.stringify(this.key)}, ${this.count})` : this.kind === 'getTs' ? 'getTs()' : `getTsBatch(${this.count})`;
    const ended = this.completeMs === null ? 'in flight' : `ended t=${this.completeMs.toFixed(1)} ms`;
    return `op ${this.id} ${this.client} ${what} invoked t=${this.invokeMs.toFixed(1)} ms, ${ended}${this.result === null ? '' : ` → ${this.result}`}`;
  }
}

/** Told about each acknowledged timestamp call (the unavailability tracker listens). */
export interface TsAckListener {
  onTsAck(op: OpenOp, epoch: bigint | null, completeMs: number): void;
}

interface KeyTally {
  acknowledgedValues: bigint;
  unknownValues: bigint;
}

export class StressHistory {
  private readonly startMs: number;
  private order = 0;
  private nextId = 0;
  private readonly tsSpace = new IntervalSpaceChecker('timestamps');
  private readonly seqSpaces = new Map<string, IntervalSpaceChecker>();
  private readonly keyTallies = new Map<string, KeyTally>();
  readonly violations: ViolationLog;
  readonly outcomes: Record<OpKind, Record<OpOutcome, number>> = {
    getTs: { ok: 0, failed: 0, unknown: 0, resolved: 0 },
    getTsBatch: { ok: 0, failed: 0, unknown: 0, resolved: 0 },
    getSeq: { ok: 0, failed: 0, unknown: 0, resolved: 0 },
  };
  readonly errorsByKind: Record<OpKind, Map<string, number>> = { getTs: new Map(), getTsBatch: new Map(), getSeq: new Map() };
  /** Timestamps handed out (a batch counts its size). */
  timestampsAcknowledged = 0;
  /** The largest leader epoch seen on an acknowledged timestamp call. */
  maxEpoch = -1n;
  /** Run time of the first acknowledged timestamp call, null until one. */
  firstTsAckMs: number | null = null;
  pending = 0;
  listener: TsAckListener | null = null;

  constructor(
    readonly seqKeys: readonly string[],
    private readonly clockMs: () => number = () => performance.now(),
  ) {
    this.startMs = clockMs();
    this.violations = new ViolationLog(() => this.nowMs());
    for (const key of seqKeys) {
      this.seqSpaces.set(key, new IntervalSpaceChecker(`seq ${key}`));
      this.keyTallies.set(key, { acknowledgedValues: 0n, unknownValues: 0n });
    }
  }

  /** Milliseconds since the run started. */
  nowMs(): number {
    return this.clockMs() - this.startMs;
  }

  /** The current position in the total order (for "invoked after" comparisons). */
  get currentOrder(): number {
    return this.order;
  }

  private spaceOf(kind: OpKind, key: string | null): IntervalSpaceChecker {
    if (kind !== 'getSeq') return this.tsSpace;
    const space = key === null ? undefined : this.seqSpaces.get(key);
    assert(space !== undefined, 'stress_seq_key_known', () => String(key));
    return space;
  }

  invoke(kind: OpKind, client: string, count: number, key: string | null = null): OpenOp {
    assert((kind === 'getSeq') === (key !== null), 'stress_key_iff_seq');
    const id = this.nextId++;
    const invokeOrder = this.order++;
    const space = this.spaceOf(kind, key);
    // The space keeps only the call's id and order while it is in flight.
    const token = space.invoke({ id, invokeOrder, describe: () => `op ${id}` });
    this.pending += 1;
    return new OpenOp(id, kind, client, count, key, this.nowMs(), invokeOrder, token);
  }

  /** A timestamp call returned [first, last]; `epoch` of the leader that granted it, when known. */
  completeTs(op: OpenOp, first: bigint, last: bigint, epoch: bigint | null): void {
    assert(op.kind !== 'getSeq', 'stress_complete_ts_kind');
    const completeMs = this.end(op, 'ok');
    op.result = first === last ? String(first) : `${first}..${last}`;
    if (last - first + 1n !== BigInt(op.count) || first >> BigInt(LOGICAL_BITS) !== last >> BigInt(LOGICAL_BITS) || first > last) {
      this.violations.report('ts_batch_shape', `${op.describe()}: not ${op.count} consecutive timestamps of one millisecond`);
      this.tsSpace.end(op);
      return;
    }
    for (const finding of this.tsSpace.acknowledge(op, op.token, first, last, this.order++)) {
      this.violations.report(finding.kind === 'real_time_order' ? 'ts_real_time_order' : 'ts_duplicate', finding.message);
    }
    this.timestampsAcknowledged += op.count;
    this.firstTsAckMs ??= completeMs;
    if (epoch !== null && epoch > this.maxEpoch) this.maxEpoch = epoch;
    this.listener?.onTsAck(op, epoch, completeMs);
  }

  /** A getSeq call returned a block. */
  completeSeq(op: OpenOp, key: string, start: bigint, count: number): void {
    this.acknowledgeSeq(op, key, start, count, 'ok');
  }

  /**
   * A getSeq the client reported with an unknown outcome (`error`), whose block a read-back of
   * the same request then returned: acknowledged over the span from invocation to now.
   */
  completeSeqResolved(op: OpenOp, error: unknown, start: bigint, count: number): void {
    const { code, unknown } = this.classify(op, error);
    assert(unknown, 'stress_resolved_was_unknown');
    if (!(error instanceof TsoError)) this.reportUnexpected(op, error);
    this.noteError(op.kind, code);
    this.acknowledgeSeq(op, op.key ?? '', start, count, 'resolved');
  }

  private acknowledgeSeq(op: OpenOp, key: string, start: bigint, count: number, outcome: 'ok' | 'resolved'): void {
    assert(op.kind === 'getSeq' && op.key !== null, 'stress_complete_seq_kind');
    this.end(op, outcome);
    op.result = `${outcome === 'resolved' ? 'read back ' : ''}[${start}, +${count})`;
    const space = this.spaceOf('getSeq', op.key);
    if (key !== op.key || count !== op.count || count < 1) {
      this.violations.report('seq_block_shape', `${op.describe()}: got ${count} values of ${JSON.stringify(key)}`);
      space.end(op);
      return;
    }
    for (const finding of space.acknowledge(op, op.token, start, start + BigInt(count) - 1n, this.order++)) {
      this.violations.report(finding.kind === 'real_time_order' ? 'seq_real_time_order' : 'seq_overlap', finding.message);
    }
    const tally = this.keyTallies.get(op.key);
    assert(tally !== undefined, 'stress_key_tally');
    tally.acknowledgedValues += BigInt(count);
  }

  /** How a call's failure reads: its code, and whether a getSeq may have been executed. */
  classify(op: OpenOp, error: unknown): { readonly code: string; readonly unknown: boolean } {
    if (error instanceof TsoError) {
      return { code: error.code, unknown: op.kind === 'getSeq' && (error.code === ErrorCode.SEQ_UNCERTAIN || error.details?.outcomeUnknown === true) };
    }
    // Nobody knows what happened to it: its values count as possibly spent.
    return { code: 'NOT_A_TSO_ERROR', unknown: op.kind === 'getSeq' };
  }

  private reportUnexpected(op: OpenOp, error: unknown): void {
    this.violations.report('client_unexpected_error', `${op.describe()} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }

  private noteError(kind: OpKind, code: string): void {
    const codes = this.errorsByKind[kind];
    if (codes.has(code) || codes.size < STRESS_ERROR_CODES_MAX) codes.set(code, (codes.get(code) ?? 0) + 1);
  }

  /** The call threw `error`: classified as failed or unknown (getSeq), counted by code. */
  fail(op: OpenOp, error: unknown): OpOutcome {
    const { code, unknown } = this.classify(op, error);
    if (!(error instanceof TsoError)) this.reportUnexpected(op, error);
    const outcome: OpOutcome = unknown ? 'unknown' : 'failed';
    this.end(op, outcome);
    op.result = `${outcome} ${code}`;
    this.spaceOf(op.kind, op.key).end(op);
    this.noteError(op.kind, code);
    if (unknown && op.key !== null) {
      const tally = this.keyTallies.get(op.key);
      assert(tally !== undefined, 'stress_key_tally');
      tally.unknownValues += BigInt(op.count);
    }
    return outcome;
  }

  private end(op: OpenOp, outcome: OpOutcome): number {
    assert(op.completeMs === null, 'stress_op_ends_once');
    const completeMs = this.nowMs();
    op.completeMs = completeMs;
    this.outcomes[op.kind][outcome] += 1;
    this.pending -= 1;
    return completeMs;
  }

  tallyOf(key: string): { readonly acknowledgedValues: bigint; readonly unknownValues: bigint } {
    const tally = this.keyTallies.get(key);
    assert(tally !== undefined, 'stress_key_tally');
    return { ...tally };
  }

  /** Acknowledged calls per value space (for the report). */
  acknowledgedIn(space: 'timestamps' | string): number {
    return space === 'timestamps' ? this.tsSpace.acknowledged : (this.seqSpaces.get(space)?.acknowledged ?? 0);
  }
}
