// The checkers of a run. Online ones run as the history is written (each completed call) and as
// the durable state changes; final ones run on the whole history and the durable state left at
// the end. Every check is exact — no grace window — because the world has one time base and a
// total order of events.
//
// Timestamps:
//   - real-time order: a call invoked after another completed gets only larger timestamps (the
//     history hands each call the largest timestamp acknowledged before its invocation); across
//     a restart of the server this is the "no rewind" check and is reported as such;
//   - unique: no two acknowledged grants overlap (final, by sorting);
//   - batches are `count` consecutive timestamps of one millisecond;
//   - persist before serve: every acknowledged timestamp's millisecond is at or below the
//     high-water durable on disk when the caller receives it (and at the end).
// Sequences:
//   - acknowledged blocks stay durable: at every crash of the server and at the end, the durable
//     counter is past every acknowledged block and the block is remembered under its request id;
//   - per key, acknowledged and recorded blocks are pairwise disjoint; the durable ledger is
//     contiguous from 0 (every value below a counter belongs to a recorded block), checkable
//     while no session was evicted;
//   - every recorded block belongs to a call that got exactly that block or ended unknown; a
//     call's block is recorded under its own request id (so a retry cannot spend a second one).
// Batches (getSeqBatch, issue 16):
//   - a batch's grants are its entries' keys and counts, in request order (seq_batch_shape);
//   - each grant is a block of its key like a getSeq's (the per-key checks above cover it), and
//     the whole batch is recorded under the batch's request id (exactly once);
//   - all or nothing: at every crash and at the end, a batch the durable ledger remembers is
//     remembered with every grant (seq_batch_partial), and a batch it does not remember moved no
//     counter (a counter past the recorded blocks is a seq_ledger_hole at the end).
// Durability: the durable high-water and counters never decrease (checked after every crash);
// a high-water the driver publishes (returns from persist) is durable on disk when published
// and when the server crashes; published values never decrease.
//
// With `valueChecks` off (seeds whose network corrupts frame bodies: see options.ts) only the
// server-side checks run: the records decode and are consistent, nothing durable goes back, a
// published high-water is durable.

import { SEQ_SESSION_CLIENTS_MAX } from '../../core/limits.js';
import { blockKey, type DurableLedger, type DurableSource } from './durable.js';
import { describeOp, isSeqKind, type History, type HistoryObserver, type Op, type SeqBatchCallGrant } from './history.js';
import { makeViolation, type Violation, type ViolationDetails, type ViolationKind } from './violations.js';

/** Violations kept per run (the first ones matter; the rest are counted). */
export const VIOLATIONS_KEPT_MAX = 50;

const LOGICAL_BITS = 18n;

export interface CheckerOptions {
  /** Check client-visible values (off when frame bodies may be corrupted undetectably). */
  readonly valueChecks: boolean;
  /** Called with the first safety violation (the run halts there). */
  readonly onSafetyViolation?: (violation: Violation) => void;
  /**
   * Whether published high-waters must never decrease (default true). One server publishes in
   * order; in a Raft cluster a deposed leader may still learn, late, that its proposal committed
   * below what the new leader published since, which is harmless: it holds no lease to serve.
   */
  readonly publishedMonotonic?: boolean;
  /**
   * Whether the disks still hold what the product wrote (default: always). False once bit rot
   * or a misdirected write damaged a durable file: the durable image is no ground truth any
   * more, so the checks against it stop; the checks of the values clients saw go on.
   */
  readonly durableTrusted?: () => boolean;
}

function physicalOf(ts: bigint): number {
  return Number(ts >> LOGICAL_BITS);
}

export class Checker implements HistoryObserver {
  readonly violations: Violation[] = [];
  /** Violations found beyond VIOLATIONS_KEPT_MAX. */
  dropped = 0;
  private safetyReported = false;
  private durableHighWaterMaxMs = 0;
  private publishedHighWaterMaxMs = 0;
  private readonly durableCountersMax = new Map<string, bigint>();
  /** Per key, the end of the highest block acknowledged so far. */
  private readonly ackEndMaxByKey = new Map<string, bigint>();
  /** Acknowledged blocks not yet compared with the durable ledger's remembered results. */
  private readonly acksSinceCheckpoint: Op[] = [];

  constructor(
    private readonly history: History,
    /** The run's ground truth (read by the service checkers too). */
    readonly durable: DurableSource,
    private readonly nowMs: () => number,
    private readonly options: CheckerOptions,
  ) {}

  /** Whether the durable image is still ground truth (CheckerOptions.durableTrusted). */
  private get durableTrusted(): boolean {
    return this.options.durableTrusted?.() ?? true;
  }

  report(kind: ViolationKind, message: string, details: ViolationDetails = {}): void {
    const violation = makeViolation(kind, this.nowMs(), message, details);
    if (this.violations.length < VIOLATIONS_KEPT_MAX) this.violations.push(violation);
    else this.dropped++;
    if (violation.class === 'safety' && !this.safetyReported) {
      this.safetyReported = true;
      this.options.onSafetyViolation?.(violation);
    }
  }

  /** Whether client-visible values are checked (see CheckerOptions). */
  get valueChecks(): boolean {
    return this.options.valueChecks;
  }

  get hasSafetyViolation(): boolean {
    return this.safetyReported;
  }

  // --- online: calls ---------------------------------------------------------------------------

  onComplete(op: Op): void {
    if (op.outcome !== 'ok' || !this.options.valueChecks) return;
    if (isSeqKind(op.kind)) this.checkSeqAck(op);
    else this.checkTsAck(op);
  }

  private checkTsAck(op: Op): void {
    const first = op.first as bigint;
    const last = op.last as bigint;
    if (last - first + 1n !== BigInt(op.count) || physicalOf(first) !== physicalOf(last)) {
      this.report('ts_batch_shape', `${describeOp(op)}: not ${op.count} consecutive timestamps of one millisecond`, {
        op: op.id,
        first: first.toString(),
        last: last.toString(),
      });
    }
    if (first <= op.floorTs) {
      const acrossRestart = this.history.serverStarts > op.floorServerStarts;
      const floorOp = op.floorOpId === null ? null : this.history.ops[op.floorOpId];
      this.report(
        acrossRestart ? 'ts_rewind_after_restart' : 'ts_real_time_order',
        `${describeOp(op)} got ${first} although ${floorOp === undefined || floorOp === null ? 'a call' : describeOp(floorOp)} had already received ${op.floorTs} before it was invoked${acrossRestart ? ' (the server restarted in between)' : ''}`,
        { op: op.id, floorOp: op.floorOpId, first: first.toString(), floor: op.floorTs.toString() },
      );
    }
    const durable = this.durableTrusted ? this.durable.highWaterCovering(physicalOf(last)) : null;
    if (durable !== null && durable.ok && physicalOf(last) > durable.value) {
      this.report('ts_served_not_durable', `${describeOp(op)}: millisecond ${physicalOf(last)} is above the durable high-water ${durable.value}`, {
        op: op.id,
        physicalMs: physicalOf(last),
        durableHighWaterMs: durable.value,
      });
    }
  }

  private checkSeqAck(op: Op): void {
    if (op.kind === 'getSeqBatch') {
      const entries = op.entries ?? [];
      const grants = op.grants ?? [];
      if (grants.length !== entries.length || entries.some((e, i) => grants[i]?.key !== e.key || grants[i]?.count !== e.count)) {
        this.report('seq_batch_shape', `${describeOp(op)}: the grants are not the entries asked for, in their order`, { op: op.id });
        return;
      }
      for (const g of grants) {
        const end = g.start + BigInt(g.count);
        if (end > (this.ackEndMaxByKey.get(g.key) ?? 0n)) this.ackEndMaxByKey.set(g.key, end);
      }
      this.acksSinceCheckpoint.push(op);
      return;
    }
    if (op.code === 'SHAPE') {
      this.report('seq_block_shape', `${describeOp(op)}: ${op.message ?? ''}`, { op: op.id });
      return;
    }
    const key = op.key as string;
    const end = (op.start as bigint) + BigInt(op.count);
    if (end > (this.ackEndMaxByKey.get(key) ?? 0n)) this.ackEndMaxByKey.set(key, end);
    this.acksSinceCheckpoint.push(op);
  }

  /** Checks that the durable ledger records `op`'s block under `op`'s request id. */
  private matchRecorded(op: Op, ledger: DurableLedger): void {
    const session = ledger.sessions.get(op.session.clientId);
    const requestId = op.requestId as bigint;
    const evicted = session === undefined ? ledger.snapshot.sessions.length >= SEQ_SESSION_CLIENTS_MAX : requestId < session.forgottenBelow;
    if (evicted) return; // the ledger no longer remembers it: nothing to compare
    const grants = grantsOfOp(op);
    const head = grants[0] as SeqBatchCallGrant;
    const recordedUnder = session?.byBlock.get(blockKey(head.key, head.start, head.count));
    const recorded = session?.results.get(requestId);
    if (recorded !== undefined && !sameGrants(recorded.batch ?? [recorded], grants)) {
      this.report(
        'seq_request_two_blocks',
        `${describeOp(op)}: the ledger holds [${recorded.start}, +${recorded.count}) of ${JSON.stringify(recorded.key)} for request ${requestId}`,
        { op: op.id, requestId: requestId.toString(), recordedStart: recorded.start.toString() },
      );
      return;
    }
    if (recordedUnder !== undefined && recordedUnder !== requestId) {
      this.report('seq_block_under_other_request', `${describeOp(op)}: the ledger records this block under request ${recordedUnder}`, {
        op: op.id,
        requestId: requestId.toString(),
        recordedUnder: recordedUnder.toString(),
      });
      return;
    }
    if (recorded === undefined && recordedUnder === undefined) {
      this.report('seq_acknowledged_lost', `${describeOp(op)}: the durable ledger does not remember request ${requestId} of client ${op.session.clientId}`, {
        op: op.id,
        requestId: requestId.toString(),
      });
    }
  }

  // --- checkpoints: durable state --------------------------------------------------------------

  /**
   * A durability checkpoint, after every crash of the server and at the end: the durable
   * records decode, the durable high-water and counters did not go back, and every block
   * acknowledged so far is still in the durable ledger (recorded under its call's request id).
   * The caller marks the durable view changed first.
   */
  checkpoint(): void {
    if (!this.durableTrusted) return;
    this.checkBatchesWhole();
    const hw = this.durable.highWaterMs();
    if (!hw.ok) {
      this.report('durable_record_corrupt', `the durable state record does not decode: ${hw.problem}`);
    } else {
      if (hw.value < this.durableHighWaterMaxMs) {
        this.report('durable_high_water_went_back', `the durable high-water went back from ${this.durableHighWaterMaxMs} to ${hw.value}`, {
          fromMs: this.durableHighWaterMaxMs,
          toMs: hw.value,
        });
      }
      this.durableHighWaterMaxMs = Math.max(this.durableHighWaterMaxMs, hw.value);
    }
    const decoded = this.durable.sequenceLedger();
    if (!decoded.ok) {
      this.report('durable_record_corrupt', `the durable sequence ledger does not decode: ${decoded.problem}`);
      return;
    }
    const ledger = decoded.value;
    for (const [key, max] of this.durableCountersMax) {
      const now = ledger.counters.get(key) ?? 0n;
      if (now < max) {
        this.report('durable_ledger_went_back', `the durable counter of ${JSON.stringify(key)} went back from ${max} to ${now}`, {
          key,
          from: max.toString(),
          to: now.toString(),
        });
      }
    }
    for (const [key, now] of ledger.counters) if (now > (this.durableCountersMax.get(key) ?? -1n)) this.durableCountersMax.set(key, now);
    if (!this.options.valueChecks) return;
    for (const [key, end] of this.ackEndMaxByKey) {
      const counter = ledger.counters.get(key) ?? 0n;
      if (counter < end) {
        this.report('seq_acknowledged_lost', `a block of ${JSON.stringify(key)} up to ${end} was acknowledged, but the durable counter is ${counter}`, {
          key,
          acknowledgedEnd: end.toString(),
          counter: counter.toString(),
        });
      }
    }
    for (const op of this.acksSinceCheckpoint) this.matchRecorded(op, ledger);
    this.acksSinceCheckpoint.length = 0;
  }

  /**
   * All or nothing: every batch call (whatever its outcome) that the durable ledger remembers
   * under its request id is remembered with all its entries' grants, in order.
   */
  private checkBatchesWhole(): void {
    if (!this.options.valueChecks) return; // a corrupted request body may have asked for other entries
    const decoded = this.durable.sequenceLedger();
    if (!decoded.ok) return; // the checkpoint reports it
    for (const op of this.history.ops) {
      if (op.kind !== 'getSeqBatch' || op.requestId === null) continue;
      const recorded = decoded.value.sessions.get(op.session.clientId)?.results.get(op.requestId);
      if (recorded === undefined) continue;
      const grants = recorded.batch ?? [recorded];
      const entries = op.entries ?? [];
      if (grants.length !== entries.length || entries.some((e, i) => grants[i]?.key !== e.key || grants[i]?.count !== e.count)) {
        this.report('seq_batch_partial', `${describeOp(op)}: the durable ledger remembers request ${op.requestId} with ${grants.map((g) => `${g.key}=${g.count}`).join(' ')}, not the whole batch`, {
          op: op.id,
          requestId: op.requestId.toString(),
        });
      }
    }
  }

  /** The driver published `highWaterMs` as durable (returned it from persist). */
  onPublished(highWaterMs: number, source: string): void {
    const durable = this.durableTrusted ? this.durable.highWaterCovering(highWaterMs) : null;
    if (durable !== null && durable.ok && highWaterMs > durable.value) {
      this.report('high_water_published_not_durable', `${source}: the driver published ${highWaterMs} as durable, the disk holds ${durable.value}`, {
        publishedMs: highWaterMs,
        durableMs: durable.value,
      });
    }
    if (highWaterMs < this.publishedHighWaterMaxMs && this.options.publishedMonotonic !== false) {
      this.report('published_high_water_went_back', `${source}: published ${highWaterMs}, below the ${this.publishedHighWaterMaxMs} published before`, {
        publishedMs: highWaterMs,
        earlierMs: this.publishedHighWaterMaxMs,
      });
    }
    this.publishedHighWaterMaxMs = Math.max(this.publishedHighWaterMaxMs, highWaterMs);
  }

  // --- final -----------------------------------------------------------------------------------

  /** The checks over the whole history and the durable state at the end. */
  final(): void {
    this.checkpoint();
    if (!this.options.valueChecks) return;
    this.finalTimestamps();
    this.finalSequences();
  }

  private finalTimestamps(): void {
    const grants = this.history.ops.filter((op) => !isSeqKind(op.kind) && op.outcome === 'ok');
    grants.sort((a, b) => ((a.first as bigint) < (b.first as bigint) ? -1 : (a.first as bigint) > (b.first as bigint) ? 1 : a.id - b.id));
    let maxServed = -1;
    for (let i = 0; i < grants.length; i++) {
      const op = grants[i] as Op;
      maxServed = Math.max(maxServed, physicalOf(op.last as bigint));
      const next = grants[i + 1];
      if (next !== undefined && (next.first as bigint) <= (op.last as bigint)) {
        this.report('ts_duplicate', `${describeOp(op)} and ${describeOp(next)} overlap`, { op: op.id, other: next.id });
      }
    }
    const hw = this.durableTrusted ? this.durable.highWaterMs() : null;
    if (hw !== null && hw.ok && maxServed > hw.value) {
      this.report('ts_served_not_durable', `at the end, millisecond ${maxServed} was served but the durable high-water is ${hw.value}`, {
        physicalMs: maxServed,
        durableHighWaterMs: hw.value,
      });
    }
  }

  private finalSequences(): void {
    // A damaged disk (durableTrusted false): only the acknowledged blocks are compared.
    const decoded = this.durableTrusted ? this.durable.sequenceLedger() : null;
    if (decoded !== null && !decoded.ok) return; // reported by the checkpoint
    const ledger = decoded === null ? null : decoded.value;
    // `what` describes the block only when a violation is reported (every block of every run is
    // listed here; describing each one up front was most of this check's cost).
    type Block = { readonly start: bigint; readonly end: bigint; readonly what: () => string };
    const byKey = new Map<string, Block[]>();
    const add = (key: string, block: Block): void => {
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [block]);
      else list.push(block);
    };
    const acknowledged = new Set<string>();
    for (const op of this.history.ops) {
      if (!isSeqKind(op.kind) || op.outcome !== 'ok' || op.code === 'SHAPE') continue;
      if (op.kind === 'getSeqBatch' && (op.grants ?? []).length !== (op.entries ?? []).length) continue; // seq_batch_shape
      // Above the counter was reported by the checkpoint; each call's record was matched there.
      for (const g of grantsOfOp(op)) {
        acknowledged.add(blockKey(g.key, g.start, g.count));
        add(g.key, { start: g.start, end: g.start + BigInt(g.count), what: () => describeOp(op) });
      }
    }
    let complete = ledger !== null && ledger.holesKnowable !== false && ledger.snapshot.sessions.length < SEQ_SESSION_CLIENTS_MAX;
    for (const session of ledger?.snapshot.sessions ?? []) {
      if (session.forgottenBelow > 0n) complete = false;
      const client = this.history.sessionOf(session.clientId);
      for (const result of session.results) {
        const whereOf = (): string => `request ${result.requestId} of client ${session.clientId}: [${result.start}, +${result.count}) of ${JSON.stringify(result.key)}`;
        const op = client?.seqOps.get(result.requestId);
        if (op === undefined) {
          this.report('seq_block_unexplained', `the ledger holds ${whereOf()}, but no call used that request id`, { requestId: result.requestId.toString() });
        } else if (op.outcome === 'failed') {
          this.report('seq_block_for_failed_call', `the ledger holds ${whereOf()}, but ${describeOp(op)} failed definitively`, { op: op.id });
        }
        // A call that ended ok is matched against its recorded block by matchRecorded above.
        for (const g of result.batch ?? [result]) {
          if (!acknowledged.has(blockKey(g.key, g.start, g.count))) add(g.key, { start: g.start, end: g.start + BigInt(g.count), what: () => `the ledger's ${whereOf()}` });
        }
      }
    }
    for (const [key, blocks] of byKey) {
      blocks.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      let cursor = 0n;
      let previous: Block | null = null;
      for (const block of blocks) {
        if (previous !== null && block.start < previous.end) {
          this.report('seq_overlap', `blocks of ${JSON.stringify(key)} overlap: ${previous.what()} and ${block.what()}`, { key });
        }
        if (complete && block.start > cursor) {
          this.report('seq_ledger_hole', `values [${cursor}, ${block.start}) of ${JSON.stringify(key)} were granted to no request`, {
            key,
            from: cursor.toString(),
            to: block.start.toString(),
          });
        }
        if (block.end > cursor) cursor = block.end;
        if (previous === null || block.end > previous.end) previous = block;
      }
    }
    if (complete && ledger !== null) {
      for (const [key, counter] of ledger.counters) {
        let cursor = 0n;
        for (const block of byKey.get(key) ?? []) if (block.end > cursor) cursor = block.end;
        if (cursor < counter) {
          this.report('seq_ledger_hole', `values [${cursor}, ${counter}) of ${JSON.stringify(key)} are below the durable counter but were granted to no request`, {
            key,
            from: cursor.toString(),
            to: counter.toString(),
          });
        }
      }
    }
  }
}

/** The blocks a successful sequence call got: a getSeq's one block, a getSeqBatch's grants. */
function grantsOfOp(op: Op): readonly SeqBatchCallGrant[] {
  if (op.kind === 'getSeqBatch') return op.grants ?? [];
  return [{ key: op.key as string, start: op.start as bigint, count: op.count }];
}

function sameGrants(a: readonly SeqBatchCallGrant[], b: readonly SeqBatchCallGrant[]): boolean {
  return a.length === b.length && a.every((g, i) => g.key === b[i]?.key && g.start === b[i]?.start && g.count === b[i]?.count);
}
