import type { SeqLedgerSnapshot } from '../../core/ledger.js';
import type { LengthField } from '../target.js';
export interface VersionedSnapshot {
    readonly version: number;
    readonly snapshot: SeqLedgerSnapshot;
}
/** The original's version 1 layout: counters only (sessions must be empty, applySeq 0). */
export declare function encodeSeqLedgerRecordV1(snapshot: SeqLedgerSnapshot): Uint8Array;
/** Every count and key-length field, walking the record as the decoder would (best effort). */
export declare function seqLedgerLengthFields(bytes: Uint8Array): LengthField[];
declare const _default: import("../target.js").AnyFuzzTarget;
export default _default;
