import type { Entry, RaftRole } from '../../core/raft/index.js';
import { type DurableSource } from './durable.js';
import type { ViolationDetails, ViolationKind } from './violations.js';
/** What a checker can read of one node's log. */
export interface RaftLogView {
    readonly snapshotIndex: number;
    readonly lastIndex: number;
    entryAt(index: number): Entry | undefined;
}
type Report = (kind: ViolationKind, message: string, details?: ViolationDetails) => void;
export declare class RaftChecker {
    private readonly report;
    private readonly leaderOfTerm;
    /** committed[i - 1] is the entry committed at index i. */
    private readonly committed;
    /** committedBy[i - 1]: the lowest term of a node seen applying index i (≥ the term that committed it). */
    private readonly committedBy;
    /** highWaterAt[i] is the committed high-water after applying index i (highWaterAt[0] = 0). */
    private readonly highWaterAt;
    private readonly state;
    readonly committedView: DurableSource;
    /** Terms won, in order (for the stats). */
    elections: number;
    constructor(report: Report);
    /** Index of the last committed entry seen. */
    get committedIndex(): number;
    /** Election safety: called with every role change of every node. */
    onRole(node: string, role: RaftRole, term: number): void;
    /** State-machine safety: `node`, at `nodeTerm`, applied `entries` (consecutive, in index order). */
    onApplied(node: string, entries: readonly Entry[], nodeTerm: number): void;
    /** A node installed a snapshot at `index` and now holds `highWaterMs`. */
    onSnapshotInstalled(node: string, index: number, highWaterMs: number): void;
    /** Leader completeness: `node` just won `term`; its log must hold every entry committed before it. */
    onLeaderLog(node: string, term: number, log: RaftLogView): void;
    /** Log matching over every pair of logs (the entries both still hold). */
    checkLogMatching(logs: ReadonlyMap<string, RaftLogView>): void;
    private logsMatch;
}
export {};
