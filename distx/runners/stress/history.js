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
import { IntervalSpaceChecker, ViolationLog } from './checkers.js';
export const OP_KINDS = ['getTs', 'getTsBatch', 'getSeq'];
/** Distinct error codes counted per kind (a flood of unexpected codes cannot grow the map). */
export const STRESS_ERROR_CODES_MAX = 64;
/** A call in flight. */
export class OpenOp {
    id;
    kind;
    client;
    count;
    key;
    invokeMs;
    invokeOrder;
    token;
    constructor(id, kind, 
    /** Which client made it (`load-3`, `pinned-2`, `probe`). */
    client, count, key, 
    /** Milliseconds since the run started. */
    invokeMs, invokeOrder, token) {
        this.id = id;
        this.kind = kind;
        this.client = client;
        this.count = count;
        this.key = key;
        this.invokeMs = invokeMs;
        this.invokeOrder = invokeOrder;
        this.token = token;
    }
    /** Set at completion, for messages. */
    completeMs = null;
    result = null;
    describe() {
        const what = this.kind === 'getSeq' ? `getSeq(${JSON.stringify(this.key)}, ${this.count})` : this.kind === 'getTs' ? 'getTs()' : `getTsBatch(${this.count})`;
        const ended = this.completeMs === null ? 'in flight' : `ended t=${this.completeMs.toFixed(1)} ms`;
        return `op ${this.id} ${this.client} ${what} invoked t=${this.invokeMs.toFixed(1)} ms, ${ended}${this.result === null ? '' : ` → ${this.result}`}`;
    }
}
export class StressHistory {
    seqKeys;
    clockMs;
    startMs;
    order = 0;
    nextId = 0;
    tsSpace = new IntervalSpaceChecker('timestamps');
    seqSpaces = new Map();
    keyTallies = new Map();
    violations;
    outcomes = {
        getTs: { ok: 0, failed: 0, unknown: 0, resolved: 0 },
        getTsBatch: { ok: 0, failed: 0, unknown: 0, resolved: 0 },
        getSeq: { ok: 0, failed: 0, unknown: 0, resolved: 0 },
    };
    errorsByKind = { getTs: new Map(), getTsBatch: new Map(), getSeq: new Map() };
    /** Timestamps handed out (a batch counts its size). */
    timestampsAcknowledged = 0;
    /** The largest leader epoch seen on an acknowledged timestamp call. */
    maxEpoch = -1n;
    /** Run time of the first acknowledged timestamp call, null until one. */
    firstTsAckMs = null;
    pending = 0;
    listener = null;
    constructor(seqKeys, clockMs = () => performance.now()) {
        this.seqKeys = seqKeys;
        this.clockMs = clockMs;
        this.startMs = clockMs();
        this.violations = new ViolationLog(() => this.nowMs());
        for (const key of seqKeys) {
            this.seqSpaces.set(key, new IntervalSpaceChecker(`seq ${key}`));
            this.keyTallies.set(key, { acknowledgedValues: 0n, unknownValues: 0n });
        }
    }
    /** Milliseconds since the run started. */
    nowMs() {
        return this.clockMs() - this.startMs;
    }
    /** The current position in the total order (for "invoked after" comparisons). */
    get currentOrder() {
        return this.order;
    }
    spaceOf(kind, key) {
        if (kind !== 'getSeq')
            return this.tsSpace;
        const space = key === null ? undefined : this.seqSpaces.get(key);
        assert(space !== undefined, 'stress_seq_key_known', String(key));
        return space;
    }
    invoke(kind, client, count, key = null) {
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
    completeTs(op, first, last, epoch) {
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
        if (epoch !== null && epoch > this.maxEpoch)
            this.maxEpoch = epoch;
        this.listener?.onTsAck(op, epoch, completeMs);
    }
    /** A getSeq call returned a block. */
    completeSeq(op, key, start, count) {
        this.acknowledgeSeq(op, key, start, count, 'ok');
    }
    /**
     * A getSeq the client reported with an unknown outcome (`error`), whose block a read-back of
     * the same request then returned: acknowledged over the span from invocation to now.
     */
    completeSeqResolved(op, error, start, count) {
        const { code, unknown } = this.classify(op, error);
        assert(unknown, 'stress_resolved_was_unknown');
        if (!(error instanceof TsoError))
            this.reportUnexpected(op, error);
        this.noteError(op.kind, code);
        this.acknowledgeSeq(op, op.key ?? '', start, count, 'resolved');
    }
    acknowledgeSeq(op, key, start, count, outcome) {
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
    classify(op, error) {
        if (error instanceof TsoError) {
            return { code: error.code, unknown: op.kind === 'getSeq' && (error.code === ErrorCode.SEQ_UNCERTAIN || error.details?.outcomeUnknown === true) };
        }
        // Nobody knows what happened to it: its values count as possibly spent.
        return { code: 'NOT_A_TSO_ERROR', unknown: op.kind === 'getSeq' };
    }
    reportUnexpected(op, error) {
        this.violations.report('client_unexpected_error', `${op.describe()} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
    noteError(kind, code) {
        const codes = this.errorsByKind[kind];
        if (codes.has(code) || codes.size < STRESS_ERROR_CODES_MAX)
            codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    /** The call threw `error`: classified as failed or unknown (getSeq), counted by code. */
    fail(op, error) {
        const { code, unknown } = this.classify(op, error);
        if (!(error instanceof TsoError))
            this.reportUnexpected(op, error);
        const outcome = unknown ? 'unknown' : 'failed';
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
    end(op, outcome) {
        assert(op.completeMs === null, 'stress_op_ends_once');
        const completeMs = this.nowMs();
        op.completeMs = completeMs;
        this.outcomes[op.kind][outcome] += 1;
        this.pending -= 1;
        return completeMs;
    }
    tallyOf(key) {
        const tally = this.keyTallies.get(key);
        assert(tally !== undefined, 'stress_key_tally');
        return { ...tally };
    }
    /** Acknowledged calls per value space (for the report). */
    acknowledgedIn(space) {
        return space === 'timestamps' ? this.tsSpace.acknowledged : (this.seqSpaces.get(space)?.acknowledged ?? 0);
    }
}
//# sourceMappingURL=history.js.map