import { type WalRecord } from '../../core/raft/codec.js';
import type { PersistedRaftState } from '../../core/raft/types.js';
export interface WalRead {
    readonly records: readonly WalRecord[];
    /** Bytes after the last valid record (empty when the whole file was valid). */
    readonly tail: Uint8Array;
    readonly tailCode: string | null;
    /** What replayWal rebuilt, or the DecodeError code it refused with. */
    readonly replay: PersistedRaftState | string;
}
export declare function readWal(bytes: Uint8Array): WalRead;
export declare function writeWal(read: WalRead): Uint8Array;
declare const _default: import("../target.js").AnyFuzzTarget;
export default _default;
