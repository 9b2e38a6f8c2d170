// The replicated oracle state machine: what every Raft replica applies, in log order, to reach the
// same state. It holds the high-water (physical ms, the durable ceiling of timestamps served) and
// the sequence ledger (core/ledger.ts, with its exactly-once client sessions).
//
// Commands (postcard enum in a versioned envelope, version 1; variant indexes never change):
//   0 AdvanceHighWater { atLeastMs: u64 }  high-water = max(high-water, atLeastMs); a value above
//                                          PHYSICAL_MS_MAX is refused when proposed AND when
//                                          applied (then the entry is a no-op with an error result)
//   1 AdvanceSeq { requests: [SeqAdvanceRequest] }  group commit: each request goes through
//                                          `SeqLedger.advance`, in order, each with its own result
//   2 Noop
//   3 AdvanceSeqRequests { requests: [SeqLedgerRequest] }  (envelope version 2 only) a group
//                                          commit that holds getSeqBatch requests: each request
//                                          is an enum { 0 Single(key, count, clientId, requestId),
//                                          1 Batch(entries: [(key, count)], clientId, requestId) }
//                                          and goes through `SeqLedger.apply`, in order; a batch
//                                          is applied all or nothing inside this one entry
//   4 SetLeases { expectedTerm: u64, leases: [LeaseRecord] }  (envelope version 3 only) replaces
//                                          the whole stamping-lease set (core/oracle/leases.ts),
//                                          but only when the entry's own term equals
//                                          `expectedTerm` (the term the proposer led when it
//                                          projected the set); otherwise a no-op answered
//                                          `fenced`, so a set projected before a leadership
//                                          change can never drop a lease granted after it
// Envelope version 3 reads every variant above, version 2 variants 0–3, version 1 variants 0–2.
// The encoder writes the lowest version that has the variant (version 1 for variants 0–2, byte
// for byte what the first release wrote), so a log that never carried a batch or a lease is
// readable by the releases before them. (A release applies an entry it cannot decode as an
// `invalid` no-op on every replica alike, so a mixed-version cluster must not serve getSeqBatch
// or leases: docs/formats.md.)
// Snapshot: envelope version 1 { appliedIndex: u64, highWaterMs: u64, ledger: bytes (a TSOD v2
// record, core/records/seq-ledger.ts) } while the lease set is empty (the bytes the releases
// before leases wrote), version 2 = version 1's fields then the lease set.
//
// Invariants: `apply` takes entries exactly once, in index order (asserted), and is deterministic
// (no time, no randomness), so replicas that apply the same log hold equal state and produce
// equal snapshot bytes; the high-water never decreases and never exceeds PHYSICAL_MS_MAX; every
// decoder is total (only `DecodeError`). An entry whose bytes do not decode is applied as a no-op
// with an `invalid` result on every replica alike (it cannot happen unless a proposer is broken:
// the log is checksummed on disk and proposals are encoded here).
import { assert, unreachable } from '../assert.js';
import { decodeEnvelope, encodeEnvelope } from '../codec/envelope.js';
import type { Reader, Writer } from '../codec/postcard.js';
import { DecodeError, ErrorCode, isDecodeError, type DecodeErrorCode, type Failure, type Result } from '../errors.js';
import {
  isSeqBatchRequest,
  SeqLedger,
  seqBatchProblem,
  seqLedgerStateProblem,
  type SeqAdvanceRequest,
  type SeqAdvanceResult,
  type SeqBatchEntry,
  type SeqBatchValidationFailureCode,
  type SeqLedgerRequest,
  type SeqLedgerResult,
} from '../ledger.js';
import { ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX, PHYSICAL_MS_MAX, RAFT_SNAPSHOT_BYTES_MAX, SEQ_BATCH_KEYS_MAX, SEQ_KEY_BYTES_MAX, U64_MAX } from '../limits.js';
import { decodeSeqLedgerRecord, encodeSeqLedgerRecord } from '../records/seq-ledger.js';
import type { Entry } from '../raft/types.js';
import { leaseSetProblem, readLeaseSet, writeLeaseSet, type LeaseRecord } from './leases.js';

export const ORACLE_COMMAND_VERSION = 1;
/** Version 1 plus the variants added since (AdvanceSeqRequests); written only for those. */
export const ORACLE_COMMAND_VERSION_EXTENDED = 2;
/** Version 2 plus SetLeases; written only for it. */
export const ORACLE_COMMAND_VERSION_LEASES = 3;
export const ORACLE_SNAPSHOT_VERSION = 1;
/** The snapshot with a lease set; written only while the set is not empty. */
export const ORACLE_SNAPSHOT_VERSION_LEASES = 2;

export type OracleCommand =
  | { readonly kind: 'advance-high-water'; readonly atLeastMs: bigint }
  | { readonly kind: 'advance-seq'; readonly requests: readonly SeqAdvanceRequest[] }
  | { readonly kind: 'noop' }
  | { readonly kind: 'advance-seq-requests'; readonly requests: readonly SeqLedgerRequest[] }
  | { readonly kind: 'set-leases'; readonly expectedTerm: bigint; readonly leases: readonly LeaseRecord[] };

export type HighWaterApplyResult =
  | { readonly kind: 'high-water'; readonly ok: true; readonly highWaterMs: number }
  | { readonly kind: 'high-water'; readonly ok: false; readonly code: typeof ErrorCode.PHYSICAL_MS_OUT_OF_RANGE; readonly highWaterMs: number };

export type OracleApplyResult =
  | HighWaterApplyResult
  | { readonly kind: 'seq'; readonly results: readonly SeqAdvanceResult[] }
  | { readonly kind: 'seq-requests'; readonly results: readonly SeqLedgerResult[] }
  /** `fenced`: the entry's term was not the one the set was projected under; nothing changed. */
  | { readonly kind: 'leases'; readonly installed: boolean }
  | { readonly kind: 'noop' }
  | { readonly kind: 'invalid'; readonly code: DecodeErrorCode };

export type OracleCommandFailureCode =
  | typeof ErrorCode.PHYSICAL_MS_OUT_OF_RANGE
  | typeof ErrorCode.INVALID_ARGUMENT
  | SeqBatchValidationFailureCode;

// --- Command codec ---------------------------------------------------------------------------

function writeRequest(w: Writer, r: SeqAdvanceRequest): void {
  w.str(r.key).u32(r.count).u64(r.clientId).u64(r.requestId);
}

function readRequest(r: Reader): SeqAdvanceRequest {
  return { key: r.str(SEQ_KEY_BYTES_MAX), count: r.u32(), clientId: r.u64(), requestId: r.u64() };
}

function writeLedgerRequest(w: Writer, r: SeqLedgerRequest): void {
  if (isSeqBatchRequest(r)) {
    w.variant(1).seq(r.entries, (ew, e) => ew.str(e.key).u32(e.count)).u64(r.clientId).u64(r.requestId);
  } else {
    w.variant(0);
    writeRequest(w, r);
  }
}

function readLedgerRequest(r: Reader): SeqLedgerRequest {
  if (r.variant(2) === 0) return readRequest(r);
  const entries = r.seq((er): SeqBatchEntry => ({ key: er.str(SEQ_KEY_BYTES_MAX), count: er.u32() }), SEQ_BATCH_KEYS_MAX);
  return { entries, clientId: r.u64(), requestId: r.u64() };
}

/** Entries a list of ledger requests holds (a getSeq is one). */
function entryCount(requests: readonly SeqLedgerRequest[]): number {
  let entries = 0;
  for (const request of requests) entries += isSeqBatchRequest(request) ? request.entries.length : 1;
  return entries;
}

/** The entry bytes of `command`; checks nothing but well-formed keys (see `prepareOracleCommand`). */
export function encodeOracleCommand(command: OracleCommand): Uint8Array {
  const version =
    command.kind === 'set-leases' ? ORACLE_COMMAND_VERSION_LEASES : command.kind === 'advance-seq-requests' ? ORACLE_COMMAND_VERSION_EXTENDED : ORACLE_COMMAND_VERSION;
  return encodeEnvelope(version, (w) => {
    switch (command.kind) {
      case 'advance-high-water':
        w.variant(0).u64(command.atLeastMs);
        return;
      case 'advance-seq':
        assert(command.requests.length <= ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX, 'seq_requests_per_command_within_max');
        w.variant(1).seq(command.requests, writeRequest);
        return;
      case 'noop':
        w.variant(2);
        return;
      case 'advance-seq-requests':
        assert(entryCount(command.requests) <= ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX, 'seq_requests_per_command_within_max');
        w.variant(3).seq(command.requests, writeLedgerRequest);
        return;
      case 'set-leases':
        w.variant(4).u64(command.expectedTerm);
        writeLeaseSet(w, command.leases);
        return;
      default:
        unreachable(command);
    }
  });
}

function readCommand(r: Reader, variants: number): OracleCommand {
  switch (r.variant(variants)) {
    case 0:
      return { kind: 'advance-high-water', atLeastMs: r.u64() };
    case 1:
      return { kind: 'advance-seq', requests: r.seq(readRequest, ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX) };
    case 2:
      return { kind: 'noop' };
    case 4:
      return { kind: 'set-leases', expectedTerm: r.u64(), leases: readLeaseSet(r) };
    default: {
      const at = r.offset;
      const requests = r.seq(readLedgerRequest, ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX);
      const entries = entryCount(requests);
      if (entries > ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX) {
        throw new DecodeError(ErrorCode.DECODE_LENGTH_LIMIT, `${entries} sequence entries in one command, at most ${ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX}`, at);
      }
      return { kind: 'advance-seq-requests', requests };
    }
  }
}

/** Decodes entry bytes into a command. Total: throws only `DecodeError`. */
export function decodeOracleCommand(bytes: Uint8Array): OracleCommand {
  return decodeEnvelope(bytes, ORACLE_COMMAND_DECODERS);
}

// Made once: a table literal per decode cost more than some of the decodes it chose between.
const ORACLE_COMMAND_DECODERS = {
  [ORACLE_COMMAND_VERSION]: (r: Reader) => readCommand(r, 3),
  [ORACLE_COMMAND_VERSION_EXTENDED]: (r: Reader) => readCommand(r, 4),
  [ORACLE_COMMAND_VERSION_LEASES]: (r: Reader) => readCommand(r, 5),
};

/** The proposal-time checks: refuses what the state machine would refuse, before it is logged. */
export function validateOracleCommand(command: OracleCommand): Failure<OracleCommandFailureCode> | null {
  switch (command.kind) {
    case 'advance-high-water':
      if (command.atLeastMs < 0n || command.atLeastMs > BigInt(PHYSICAL_MS_MAX)) {
        return { ok: false, code: ErrorCode.PHYSICAL_MS_OUT_OF_RANGE, message: `high-water ${command.atLeastMs} above 2^46 - 1` };
      }
      return null;
    case 'advance-seq': {
      if (command.requests.length < 1 || command.requests.length > ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX) {
        return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: `${command.requests.length} requests in one command` };
      }
      const ledger = new SeqLedger();
      for (const request of command.requests) {
        const problem = ledger.validate(request);
        if (problem !== null) return problem;
        if (!isU64(request.clientId) || !isU64(request.requestId)) {
          return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: 'client and request ids are u64' };
        }
      }
      return null;
    }
    case 'noop':
      return null;
    case 'advance-seq-requests': {
      const entries = entryCount(command.requests);
      if (command.requests.length < 1 || entries > ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX) {
        return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: `${command.requests.length} requests of ${entries} entries in one command` };
      }
      const ledger = new SeqLedger();
      for (const request of command.requests) {
        const problem = isSeqBatchRequest(request) ? seqBatchProblem(request.entries) : ledger.validate(request);
        if (problem !== null) return problem;
        if (!isU64(request.clientId) || !isU64(request.requestId)) {
          return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: 'client and request ids are u64' };
        }
      }
      return null;
    }
    case 'set-leases': {
      const problem = isU64(command.expectedTerm) ? leaseSetProblem(command.leases) : 'expected term is not a u64';
      return problem === null ? null : { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: `lease set: ${problem}` };
    }
    default:
      return unreachable(command);
  }
}

/** Validates and encodes a command for `RaftNode.handle({ kind: 'propose', command })`. */
export function prepareOracleCommand(command: OracleCommand): Result<{ readonly bytes: Uint8Array }, OracleCommandFailureCode> {
  const problem = validateOracleCommand(command);
  return problem ?? { ok: true, bytes: encodeOracleCommand(command) };
}

function isU64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= U64_MAX;
}

// --- State machine ---------------------------------------------------------------------------

export interface OracleStateOptions {
  /** Cap on distinct sequence keys (a genesis value). */
  readonly keyCap?: number;
}

export class OracleStateMachine {
  private highWater = 0;
  private ledger: SeqLedger;
  private leaseSet: readonly LeaseRecord[] = [];
  private applied = 0;

  constructor(options: OracleStateOptions = {}) {
    this.ledger = options.keyCap === undefined ? new SeqLedger() : new SeqLedger({ keyCap: options.keyCap });
  }

  /** Rebuilds the state from `snapshot()` bytes. Throws only `DecodeError`. */
  static fromSnapshot(bytes: Uint8Array): OracleStateMachine {
    const decoded = decodeOracleSnapshot(bytes);
    const state = new OracleStateMachine();
    state.highWater = decoded.highWaterMs;
    state.ledger = decoded.ledger;
    state.leaseSet = decoded.leases;
    state.applied = decoded.appliedIndex;
    return state;
  }

  /** The durable ceiling of timestamps, in physical ms. */
  get highWaterMs(): number {
    return this.highWater;
  }

  /** Index of the last log entry applied. */
  get appliedIndex(): number {
    return this.applied;
  }

  /** The stamping-lease set last installed (expired records included until the next write). */
  get leases(): readonly LeaseRecord[] {
    return this.leaseSet;
  }

  /** The next value of a sequence key (0n when never advanced). */
  seq(key: string): bigint {
    return this.ledger.get(key);
  }

  /** The sequence ledger's state (counters and exactly-once sessions), for checkers and tests. */
  ledgerSnapshot(): ReturnType<SeqLedger['snapshot']> {
    return this.ledger.snapshot();
  }

  /** Applies the next committed entry (index appliedIndex + 1) and returns its result. */
  apply(entry: Entry): OracleApplyResult {
    assert(entry.index === this.applied + 1, 'oracle_apply_in_order', () => `${entry.index} after ${this.applied}`);
    this.applied = entry.index;
    // A no-op or a membership change (core/raft/membership.ts) changes nothing here.
    if (entry.kind !== 'normal') return { kind: 'noop' };
    let command: OracleCommand;
    try {
      command = decodeOracleCommand(entry.data);
    } catch (error) {
      if (isDecodeError(error)) return { kind: 'invalid', code: error.code };
      throw error;
    }
    switch (command.kind) {
      case 'advance-high-water':
        return this.advanceHighWater(command.atLeastMs);
      case 'advance-seq':
        return { kind: 'seq', results: command.requests.map((request) => this.ledger.advance(request)) };
      case 'noop':
        return { kind: 'noop' };
      case 'advance-seq-requests':
        // A malformed batch (a broken proposer) is refused by the ledger on every replica alike.
        return { kind: 'seq-requests', results: command.requests.map((request) => this.applyLedgerRequest(request)) };
      case 'set-leases':
        // Decided by the entry alone, so every replica and every replay agrees.
        if (BigInt(entry.term) !== command.expectedTerm) return { kind: 'leases', installed: false };
        this.leaseSet = command.leases;
        return { kind: 'leases', installed: true };
      default:
        return unreachable(command);
    }
  }

  private applyLedgerRequest(request: SeqLedgerRequest): SeqLedgerResult {
    if (!isU64(request.clientId) || !isU64(request.requestId)) return { ok: false, code: ErrorCode.INVALID_SEQ_BATCH, message: 'ids out of range' };
    return this.ledger.apply(request);
  }

  private advanceHighWater(atLeastMs: bigint): HighWaterApplyResult {
    if (atLeastMs > BigInt(PHYSICAL_MS_MAX)) {
      // Refused at apply time too: a stale or broken proposer must not push the ceiling past 2^46 − 1.
      return { kind: 'high-water', ok: false, code: ErrorCode.PHYSICAL_MS_OUT_OF_RANGE, highWaterMs: this.highWater };
    }
    const value = Number(atLeastMs);
    if (value > this.highWater) this.highWater = value;
    return { kind: 'high-water', ok: true, highWaterMs: this.highWater };
  }

  /** The whole state as bytes (canonical: equal states give equal bytes). */
  snapshot(): Uint8Array {
    const ledgerRecord = encodeSeqLedgerRecord(this.ledger.snapshot());
    const leases = this.leaseSet;
    return encodeEnvelope(leases.length === 0 ? ORACLE_SNAPSHOT_VERSION : ORACLE_SNAPSHOT_VERSION_LEASES, (w) => {
      w.u64n(this.applied).u64n(this.highWater).bytes(ledgerRecord);
      if (leases.length > 0) writeLeaseSet(w, leases);
    });
  }

  /** Replaces the whole state with a snapshot's (a follower installing one). Throws only `DecodeError`. */
  restore(bytes: Uint8Array): void {
    const decoded = decodeOracleSnapshot(bytes);
    this.highWater = decoded.highWaterMs;
    this.ledger = decoded.ledger;
    this.leaseSet = decoded.leases;
    this.applied = decoded.appliedIndex;
  }

  invariants(): void {
    assert(Number.isSafeInteger(this.highWater) && this.highWater >= 0 && this.highWater <= PHYSICAL_MS_MAX, 'oracle_high_water_in_range');
    assert(Number.isSafeInteger(this.applied) && this.applied >= 0, 'oracle_applied_index_safe');
    this.ledger.invariants();
    assert(leaseSetProblem(this.leaseSet) === null, 'oracle_lease_set_canonical');
  }
}

interface DecodedOracleSnapshot {
  readonly appliedIndex: number;
  readonly highWaterMs: number;
  readonly ledger: SeqLedger;
  readonly leases: readonly LeaseRecord[];
}

function decodeOracleSnapshot(bytes: Uint8Array): DecodedOracleSnapshot {
  const readFields = (r: Reader) => ({ appliedIndex: r.u64n(), highWaterOffset: r.offset, highWaterMs: r.u64n(), ledgerRecord: r.bytes(RAFT_SNAPSHOT_BYTES_MAX) });
  const fields = decodeEnvelope(bytes, {
    [ORACLE_SNAPSHOT_VERSION]: (r: Reader) => ({ ...readFields(r), leases: [] as LeaseRecord[] }),
    [ORACLE_SNAPSHOT_VERSION_LEASES]: (r: Reader) => ({ ...readFields(r), leases: readLeaseSet(r) }),
  });
  if (fields.highWaterMs > PHYSICAL_MS_MAX) {
    throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, `snapshot high-water ${fields.highWaterMs} above 2^46 - 1`, fields.highWaterOffset);
  }
  const ledgerSnapshot = decodeSeqLedgerRecord(fields.ledgerRecord);
  const problem = seqLedgerStateProblem(ledgerSnapshot);
  if (problem !== undefined) throw new DecodeError(ErrorCode.RECORD_MALFORMED, `snapshot ledger: ${problem}`);
  return { appliedIndex: fields.appliedIndex, highWaterMs: fields.highWaterMs, ledger: SeqLedger.fromSnapshot(ledgerSnapshot), leases: fields.leases };
}
