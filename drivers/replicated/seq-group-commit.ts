// The sequence group commit shared by the replicated drivers (raft, paxos): getSeq and
// getSeqBatch requests queue up while the loop is busy and leave as few log entries as the
// oracle command's cap allows, each entry ONE AdvanceSeq command applied atomically by every
// replica's OracleStateMachine. Also the call waiter both drivers answer their callers through.
//
// Invariants:
//   - A waiter settles exactly once: the first of its answer, a failure and its timer wins; the
//     timer is cancelled on settle.
//   - A queued request is never split across entries: a getSeqBatch's keys leave together in
//     one entry (all or nothing), and an entry never holds more than
//     ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX ledger entries (a getSeq counts one, a batch its keys).
//   - Requests leave in arrival order; a waiter already settled (timed out) is dropped, not sent.
//   - A turn without a batch encodes the previous release's `advance-seq` entry byte for byte,
//     so a mixed-version cluster replays it; only a turn holding a batch uses
//     `advance-seq-requests`.
import { assert } from '../../core/assert.js';
import { isSeqBatchRequest, type SeqAdvanceRequest, type SeqLedgerRequest, type SeqLedgerResult } from '../../core/ledger.js';
import { ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX, SEQ_GROUP_COMMIT_QUEUE_MAX } from '../../core/limits.js';
import { prepareOracleCommand } from '../../core/oracle/index.js';
import { driverFailure, seqDriverFailure, type DriverFailure, type DriverResult, type SeqBatchGrants, type SeqBlockResult } from '../driver.js';
import type { TimerHandle } from '../ports.js';

export type Settle<T> = (result: DriverResult<T>) => void;

/** A caller waiting for a driver answer, bounded by its own timer. */
export interface Waiter<T> {
  settled: boolean;
  readonly settle: Settle<T>;
  readonly timer: TimerHandle;
}

/** Answers a waiter once; later answers are ignored. */
export function settle<T>(waiter: Waiter<T>, result: DriverResult<T>): void {
  if (waiter.settled) return;
  waiter.settled = true;
  waiter.timer.cancel();
  waiter.settle(result);
}

/**
 * A queued getSeq or getSeqBatch. `deliver` answers it with the ledger's outcome as applied, and
 * `fail` with a driver failure, both synchronously (no extra turn between apply and answer).
 */
export interface SeqWaiter {
  readonly request: SeqLedgerRequest;
  /** Ledger entries the request holds (a getSeq is one). */
  readonly entries: number;
  readonly waiter: { readonly settled: boolean };
  readonly deliver: (outcome: SeqLedgerResult) => void;
  readonly fail: (failure: DriverFailure) => void;
}

/** What proposing one encoded command gave: the entry's index (and its term or ballot), or why not. */
export type ProposeOutcome<P> = ({ readonly ok: true } & P) | DriverFailure;

export class SeqGroupCommitQueue {
  private queue: SeqWaiter[] = [];

  get length(): number {
    return this.queue.length;
  }

  /** True when one more request would exceed SEQ_GROUP_COMMIT_QUEUE_MAX (answer DRIVER_TRANSIENT). */
  get full(): boolean {
    return this.queue.length >= SEQ_GROUP_COMMIT_QUEUE_MAX;
  }

  /** Queues a request whose answer `answer` maps from the applied outcome. */
  push<T>(request: SeqLedgerRequest, entries: number, waiter: Waiter<T>, answer: (outcome: SeqLedgerResult) => DriverResult<T>): void {
    // A request larger than one entry could never leave: drain would skip it forever.
    assert(entries >= 1 && entries <= ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX, 'seq_request_fits_one_entry', () => String(entries));
    this.queue.push({ request, entries, waiter, deliver: (outcome) => settle(waiter, answer(outcome)), fail: (failure) => settle(waiter, failure) });
  }

  /**
   * Proposes every queued request, as few entries as the cap allows. `propose` appends one
   * encoded command to the log; `proposed` records the entry's waiters under its index.
   */
  drain<P>(propose: (command: Uint8Array) => ProposeOutcome<P>, proposed: (outcome: { readonly ok: true } & P, waiters: readonly SeqWaiter[]) => void): void {
    while (this.queue.length > 0) {
      const batch: SeqWaiter[] = [];
      let entries = 0;
      while (this.queue.length > 0 && entries + (this.queue[0] as SeqWaiter).entries <= ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX) {
        const w = this.queue.shift() as SeqWaiter;
        if (w.waiter.settled) continue;
        batch.push(w);
        entries += w.entries;
      }
      if (batch.length === 0) {
        if (this.queue.length === 0) return;
        continue;
      }
      const requests = batch.map((w) => w.request);
      // Byte for byte the previous release's entry unless the turn holds a batch.
      const prepared = requests.some(isSeqBatchRequest)
        ? prepareOracleCommand({ kind: 'advance-seq-requests', requests })
        : prepareOracleCommand({ kind: 'advance-seq', requests: requests as SeqAdvanceRequest[] });
      if (!prepared.ok) {
        // Requests were validated one by one on arrival; a refusal here is a bug upstream.
        for (const w of batch) w.fail(driverFailure('DRIVER_PERMANENT', `sequence command refused: ${prepared.code}`));
        continue;
      }
      const outcome = propose(prepared.bytes);
      if (!outcome.ok) {
        for (const w of batch) w.fail(outcome);
        continue;
      }
      proposed(outcome, batch);
    }
  }

  /** Answers every queued request with `failure` (the driver stopped or lost leadership). */
  failAll(failure: DriverFailure): void {
    const queued = this.queue;
    this.queue = [];
    for (const w of queued) w.fail(failure);
  }
}

/** A getSeq's answer from the outcome its entry applied (a block, or the ledger's refusal). */
export function seqBlockAnswer(outcome: SeqLedgerResult): DriverResult<SeqBlockResult> {
  if (!outcome.ok) return seqDriverFailure(outcome);
  assert(!('grants' in outcome), 'seq_outcome_shape_matches_request');
  return { ok: true, start: outcome.start, count: outcome.count };
}

/** A getSeqBatch's answer from the outcome its entry applied (every grant, or the refusal). */
export function seqBatchAnswer(outcome: SeqLedgerResult): DriverResult<SeqBatchGrants> {
  if (!outcome.ok) return seqDriverFailure(outcome);
  assert('grants' in outcome, 'seq_outcome_shape_matches_request');
  return { ok: true, grants: outcome.grants };
}
