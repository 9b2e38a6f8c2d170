import { type WalScan } from '../../core/raft/index.js';
export type WalTailVerdict = {
    readonly kind: 'clean';
}
/** The last write was torn: truncate the file at `truncateAt` (dropping `droppedBytes`). */
 | {
    readonly kind: 'torn';
    readonly truncateAt: number;
    readonly droppedBytes: number;
    readonly reason: string;
}
/** Durable records are damaged at `offset`: refuse to start. */
 | {
    readonly kind: 'corrupt';
    readonly offset: number;
    readonly reason: string;
};
/** What the damage `scan` stopped at is (see the file comment). `bytes` is the whole WAL file. */
export declare function judgeWalTail(bytes: Uint8Array, scan: WalScan, tornWindowBytes?: number): WalTailVerdict;
