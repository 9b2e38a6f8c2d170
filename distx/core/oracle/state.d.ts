import { ErrorCode, type DecodeErrorCode, type Failure, type Result } from '../errors.js';
import { SeqLedger, type SeqAdvanceRequest, type SeqAdvanceResult, type SeqValidationFailureCode } from '../ledger.js';
import type { Entry } from '../raft/types.js';
export declare const ORACLE_COMMAND_VERSION = 1;
export declare const ORACLE_SNAPSHOT_VERSION = 1;
export type OracleCommand = {
    readonly kind: 'advance-high-water';
    readonly atLeastMs: bigint;
} | {
    readonly kind: 'advance-seq';
    readonly requests: readonly SeqAdvanceRequest[];
} | {
    readonly kind: 'noop';
};
export type HighWaterApplyResult = {
    readonly kind: 'high-water';
    readonly ok: true;
    readonly highWaterMs: number;
} | {
    readonly kind: 'high-water';
    readonly ok: false;
    readonly code: typeof ErrorCode.PHYSICAL_MS_OUT_OF_RANGE;
    readonly highWaterMs: number;
};
export type OracleApplyResult = HighWaterApplyResult | {
    readonly kind: 'seq';
    readonly results: readonly SeqAdvanceResult[];
} | {
    readonly kind: 'noop';
} | {
    readonly kind: 'invalid';
    readonly code: DecodeErrorCode;
};
export type OracleCommandFailureCode = typeof ErrorCode.PHYSICAL_MS_OUT_OF_RANGE | typeof ErrorCode.INVALID_ARGUMENT | SeqValidationFailureCode;
/** The entry bytes of `command`; checks nothing but well-formed keys (see `prepareOracleCommand`). */
export declare function encodeOracleCommand(command: OracleCommand): Uint8Array;
/** Decodes entry bytes into a command. Total: throws only `DecodeError`. */
export declare function decodeOracleCommand(bytes: Uint8Array): OracleCommand;
/** The proposal-time checks: refuses what the state machine would refuse, before it is logged. */
export declare function validateOracleCommand(command: OracleCommand): Failure<OracleCommandFailureCode> | null;
/** Validates and encodes a command for `RaftNode.handle({ kind: 'propose', command })`. */
export declare function prepareOracleCommand(command: OracleCommand): Result<{
    readonly bytes: Uint8Array;
}, OracleCommandFailureCode>;
export interface OracleStateOptions {
    /** Cap on distinct sequence keys (a genesis value). */
    readonly keyCap?: number;
}
export declare class OracleStateMachine {
    private highWater;
    private ledger;
    private applied;
    constructor(options?: OracleStateOptions);
    /** Rebuilds the state from `snapshot()` bytes. Throws only `DecodeError`. */
    static fromSnapshot(bytes: Uint8Array): OracleStateMachine;
    /** The durable ceiling of timestamps, in physical ms. */
    get highWaterMs(): number;
    /** Index of the last log entry applied. */
    get appliedIndex(): number;
    /** The next value of a sequence key (0n when never advanced). */
    seq(key: string): bigint;
    /** The sequence ledger's state (counters and exactly-once sessions), for checkers and tests. */
    ledgerSnapshot(): ReturnType<SeqLedger['snapshot']>;
    /** Applies the next committed entry (index appliedIndex + 1) and returns its result. */
    apply(entry: Entry): OracleApplyResult;
    private advanceHighWater;
    /** The whole state as bytes (canonical: equal states give equal bytes). */
    snapshot(): Uint8Array;
    /** Replaces the whole state with a snapshot's (a follower installing one). Throws only `DecodeError`. */
    restore(bytes: Uint8Array): void;
    invariants(): void;
}
