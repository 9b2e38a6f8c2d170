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
// Snapshot (envelope version 1): { appliedIndex: u64, highWaterMs: u64, ledger: bytes (a TSOD v2
// record, core/records/seq-ledger.ts) }.
//
// Invariants: `apply` takes entries exactly once, in index order (asserted), and is deterministic
// (no time, no randomness), so replicas that apply the same log hold equal state and produce
// equal snapshot bytes; the high-water never decreases and never exceeds PHYSICAL_MS_MAX; every
// decoder is total (only `DecodeError`). An entry whose bytes do not decode is applied as a no-op
// with an `invalid` result on every replica alike (it cannot happen unless a proposer is broken:
// the log is checksummed on disk and proposals are encoded here).
import { assert, unreachable } from '../assert.js';
import { decodeEnvelope, encodeEnvelope } from '../codec/envelope.js';
import { DecodeError, ErrorCode, isDecodeError } from '../errors.js';
import { SeqLedger, seqLedgerStateProblem } from '../ledger.js';
import { ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX, PHYSICAL_MS_MAX, RAFT_SNAPSHOT_BYTES_MAX, SEQ_KEY_BYTES_MAX, U64_MAX } from '../limits.js';
import { decodeSeqLedgerRecord, encodeSeqLedgerRecord } from '../records/seq-ledger.js';
export const ORACLE_COMMAND_VERSION = 1;
export const ORACLE_SNAPSHOT_VERSION = 1;
// --- Command codec ---------------------------------------------------------------------------
function writeRequest(w, r) {
    w.str(r.key).u32(r.count).u64(r.clientId).u64(r.requestId);
}
function readRequest(r) {
    return { key: r.str(SEQ_KEY_BYTES_MAX), count: r.u32(), clientId: r.u64(), requestId: r.u64() };
}
/** The entry bytes of `command`; checks nothing but well-formed keys (see `prepareOracleCommand`). */
export function encodeOracleCommand(command) {
    return encodeEnvelope(ORACLE_COMMAND_VERSION, (w) => {
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
            default:
                unreachable(command);
        }
    });
}
function readCommand(r) {
    switch (r.variant(3)) {
        case 0:
            return { kind: 'advance-high-water', atLeastMs: r.u64() };
        case 1:
            return { kind: 'advance-seq', requests: r.seq(readRequest, ORACLE_SEQ_REQUESTS_PER_COMMAND_MAX) };
        default:
            return { kind: 'noop' };
    }
}
/** Decodes entry bytes into a command. Total: throws only `DecodeError`. */
export function decodeOracleCommand(bytes) {
    return decodeEnvelope(bytes, { [ORACLE_COMMAND_VERSION]: readCommand });
}
/** The proposal-time checks: refuses what the state machine would refuse, before it is logged. */
export function validateOracleCommand(command) {
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
                if (problem !== null)
                    return problem;
                if (!isU64(request.clientId) || !isU64(request.requestId)) {
                    return { ok: false, code: ErrorCode.INVALID_ARGUMENT, message: 'client and request ids are u64' };
                }
            }
            return null;
        }
        case 'noop':
            return null;
        default:
            return unreachable(command);
    }
}
/** Validates and encodes a command for `RaftNode.handle({ kind: 'propose', command })`. */
export function prepareOracleCommand(command) {
    const problem = validateOracleCommand(command);
    return problem ?? { ok: true, bytes: encodeOracleCommand(command) };
}
function isU64(value) {
    return typeof value === 'bigint' && value >= 0n && value <= U64_MAX;
}
export class OracleStateMachine {
    highWater = 0;
    ledger;
    applied = 0;
    constructor(options = {}) {
        this.ledger = options.keyCap === undefined ? new SeqLedger() : new SeqLedger({ keyCap: options.keyCap });
    }
    /** Rebuilds the state from `snapshot()` bytes. Throws only `DecodeError`. */
    static fromSnapshot(bytes) {
        const decoded = decodeOracleSnapshot(bytes);
        const state = new OracleStateMachine();
        state.highWater = decoded.highWaterMs;
        state.ledger = decoded.ledger;
        state.applied = decoded.appliedIndex;
        return state;
    }
    /** The durable ceiling of timestamps, in physical ms. */
    get highWaterMs() {
        return this.highWater;
    }
    /** Index of the last log entry applied. */
    get appliedIndex() {
        return this.applied;
    }
    /** The next value of a sequence key (0n when never advanced). */
    seq(key) {
        return this.ledger.get(key);
    }
    /** The sequence ledger's state (counters and exactly-once sessions), for checkers and tests. */
    ledgerSnapshot() {
        return this.ledger.snapshot();
    }
    /** Applies the next committed entry (index appliedIndex + 1) and returns its result. */
    apply(entry) {
        assert(entry.index === this.applied + 1, 'oracle_apply_in_order', `${entry.index} after ${this.applied}`);
        this.applied = entry.index;
        if (entry.kind === 'noop')
            return { kind: 'noop' };
        let command;
        try {
            command = decodeOracleCommand(entry.data);
        }
        catch (error) {
            if (isDecodeError(error))
                return { kind: 'invalid', code: error.code };
            throw error;
        }
        switch (command.kind) {
            case 'advance-high-water':
                return this.advanceHighWater(command.atLeastMs);
            case 'advance-seq':
                return { kind: 'seq', results: command.requests.map((request) => this.ledger.advance(request)) };
            case 'noop':
                return { kind: 'noop' };
            default:
                return unreachable(command);
        }
    }
    advanceHighWater(atLeastMs) {
        if (atLeastMs > BigInt(PHYSICAL_MS_MAX)) {
            // Refused at apply time too: a stale or broken proposer must not push the ceiling past 2^46 − 1.
            return { kind: 'high-water', ok: false, code: ErrorCode.PHYSICAL_MS_OUT_OF_RANGE, highWaterMs: this.highWater };
        }
        const value = Number(atLeastMs);
        if (value > this.highWater)
            this.highWater = value;
        return { kind: 'high-water', ok: true, highWaterMs: this.highWater };
    }
    /** The whole state as bytes (canonical: equal states give equal bytes). */
    snapshot() {
        const ledgerRecord = encodeSeqLedgerRecord(this.ledger.snapshot());
        return encodeEnvelope(ORACLE_SNAPSHOT_VERSION, (w) => {
            w.u64n(this.applied).u64n(this.highWater).bytes(ledgerRecord);
        });
    }
    /** Replaces the whole state with a snapshot's (a follower installing one). Throws only `DecodeError`. */
    restore(bytes) {
        const decoded = decodeOracleSnapshot(bytes);
        this.highWater = decoded.highWaterMs;
        this.ledger = decoded.ledger;
        this.applied = decoded.appliedIndex;
    }
    invariants() {
        assert(Number.isSafeInteger(this.highWater) && this.highWater >= 0 && this.highWater <= PHYSICAL_MS_MAX, 'oracle_high_water_in_range');
        assert(Number.isSafeInteger(this.applied) && this.applied >= 0, 'oracle_applied_index_safe');
        this.ledger.invariants();
    }
}
function decodeOracleSnapshot(bytes) {
    const fields = decodeEnvelope(bytes, {
        [ORACLE_SNAPSHOT_VERSION]: (r) => ({ appliedIndex: r.u64n(), highWaterOffset: r.offset, highWaterMs: r.u64n(), ledgerRecord: r.bytes(RAFT_SNAPSHOT_BYTES_MAX) }),
    });
    if (fields.highWaterMs > PHYSICAL_MS_MAX) {
        throw new DecodeError(ErrorCode.DECODE_INVALID_VALUE, `snapshot high-water ${fields.highWaterMs} above 2^46 - 1`, fields.highWaterOffset);
    }
    const ledgerSnapshot = decodeSeqLedgerRecord(fields.ledgerRecord);
    const problem = seqLedgerStateProblem(ledgerSnapshot);
    if (problem !== undefined)
        throw new DecodeError(ErrorCode.RECORD_MALFORMED, `snapshot ledger: ${problem}`);
    return { appliedIndex: fields.appliedIndex, highWaterMs: fields.highWaterMs, ledger: SeqLedger.fromSnapshot(ledgerSnapshot) };
}
//# sourceMappingURL=state.js.map