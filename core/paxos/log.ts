// The in-memory Paxos log of one node: the entries after its last snapshot, the decided index,
// and what has been handed to the host (to persist, to apply). Storage lives outside: the host
// makes durable what `PaxosReady` says and rebuilds this from `PersistedPaxosState`.
//
// Index space: [1, snapshotIndex] is compacted into the snapshot; (snapshotIndex, lastIndex] is
// `entries`. Invariants (checked by `invariants()`):
//   - entries are consecutive from snapshotIndex + 1;
//   - snapshotIndex ≤ applied ≤ applying ≤ decided ≤ lastIndex;
//   - stableUpTo ≤ lastIndex is the last index known durable; `truncatedAfter` (when set) is
//     where the stored log must be cut before the unstable entries are appended;
//   - decided entries are never truncated (asserted in `truncateAfter`).
import { assert } from '../assert.js';
import { PAXOS_DECIDED_ENTRIES_PER_READY_MAX } from './limits.js';
import type { PaxosEntry, PaxosSnapshot, PersistedPaxosState } from './types.js';

export class PaxosLog {
  private snapshotIndexValue: number;
  private entries: PaxosEntry[];
  /** Highest index known decided. */
  decided: number;
  /** Highest index handed to the host to apply (in a Ready not yet advanced, or applied). */
  applying: number;
  /** Highest index the host applied (acknowledged by `advance`). */
  applied: number;
  /** Highest index known durable on this node. */
  stableUpTo: number;
  /** The lowest index after which stored entries must be dropped, since the last Ready; null when none. */
  truncatedAfter: number | null = null;
  /** A snapshot received from a peer that the host must persist and install. */
  pendingSnapshot: PaxosSnapshot | null = null;
  /** The newest snapshot this node has (taken locally or installed); sent to lagging followers. */
  latestSnapshot: PaxosSnapshot | null;

  constructor(persisted: PersistedPaxosState) {
    const snapshot = persisted.snapshot;
    this.snapshotIndexValue = snapshot?.lastIncludedIndex ?? 0;
    this.latestSnapshot = snapshot ?? null;
    this.entries = [...persisted.entries];
    const last = this.lastIndex();
    // A decided index past the stored log can only come from a torn write; the log is the truth.
    this.decided = Math.max(this.snapshotIndexValue, Math.min(persisted.acceptor.decidedIndex, last));
    this.applying = this.snapshotIndexValue;
    this.applied = this.snapshotIndexValue;
    this.stableUpTo = last;
    this.invariants();
  }

  get snapshotIndex(): number {
    return this.snapshotIndexValue;
  }

  lastIndex(): number {
    return this.snapshotIndexValue + this.entries.length;
  }

  /** The entry at `index`, or undefined when compacted or beyond the end. */
  entry(index: number): PaxosEntry | undefined {
    if (index <= this.snapshotIndexValue) return undefined;
    return this.entries[index - this.snapshotIndexValue - 1];
  }

  /** Entries (from, to] that are still in memory, at most `max`. */
  slice(from: number, to: number, max: number): PaxosEntry[] {
    assert(from >= this.snapshotIndexValue, 'slice_not_compacted', () => `${from} < ${this.snapshotIndexValue}`);
    const end = Math.min(to, this.lastIndex(), from + max);
    return this.entries.slice(from - this.snapshotIndexValue, end - this.snapshotIndexValue);
  }

  /** Entries after `index` (none compacted), all of them. */
  suffixAfter(index: number): PaxosEntry[] {
    assert(index >= this.snapshotIndexValue, 'suffix_not_compacted');
    return this.entries.slice(index - this.snapshotIndexValue);
  }

  append(entry: PaxosEntry): void {
    assert(entry.index === this.lastIndex() + 1, 'append_consecutive', () => `${entry.index} after ${this.lastIndex()}`);
    this.entries.push(entry);
  }

  /** Drops the entries after `index` (never a decided one). */
  truncateAfter(index: number): void {
    if (index >= this.lastIndex()) return;
    assert(index >= this.decided, 'decided_entries_never_truncated', () => `${index} < ${this.decided}`);
    assert(index >= this.snapshotIndexValue, 'truncate_not_compacted');
    this.entries.length = index - this.snapshotIndexValue;
    if (this.stableUpTo > index) this.stableUpTo = index;
    this.truncatedAfter = this.truncatedAfter === null ? index : Math.min(this.truncatedAfter, index);
  }

  /**
   * Installs a peer's snapshot of decided state: the whole log is replaced (the stored log too),
   * and the entries after it arrive separately.
   */
  installSnapshot(snapshot: PaxosSnapshot): void {
    assert(snapshot.lastIncludedIndex > this.decided, 'snapshot_past_decided', () => `${snapshot.lastIncludedIndex} <= ${this.decided}`);
    this.snapshotIndexValue = snapshot.lastIncludedIndex;
    this.entries = [];
    this.latestSnapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.decided = snapshot.lastIncludedIndex;
    this.applying = snapshot.lastIncludedIndex;
    this.stableUpTo = snapshot.lastIncludedIndex;
    this.truncatedAfter = null;
  }

  /** The host compacted its state up to `index` (≤ applied) into `data`. */
  compact(index: number, data: Uint8Array): void {
    assert(index <= this.applied, 'compact_only_applied', () => `${index} > ${this.applied}`);
    if (index <= this.snapshotIndexValue) return;
    this.entries = this.entries.slice(index - this.snapshotIndexValue);
    this.snapshotIndexValue = index;
    this.latestSnapshot = { lastIncludedIndex: index, data };
  }

  /**
   * The host made a Ready's entries durable, up to `last`. Entries replaced or cut since that
   * Ready was taken are not: stability stops at the cut, and at an entry that is no longer `last`.
   */
  stableTo(last: PaxosEntry): void {
    let upTo = Math.min(last.index, this.lastIndex());
    if (this.truncatedAfter !== null) upTo = Math.min(upTo, this.truncatedAfter);
    if (upTo === last.index && this.entry(last.index) !== last) return;
    if (upTo > this.stableUpTo) this.stableUpTo = upTo;
  }

  unstableEntries(): PaxosEntry[] {
    return this.entries.slice(this.stableUpTo - this.snapshotIndexValue);
  }

  hasNextDecided(): boolean {
    return this.applying < Math.min(this.decided, this.stableUpTo);
  }

  /** The decided entries not yet handed to the host (only durable ones), bounded per Ready. */
  takeNextDecided(): PaxosEntry[] {
    const to = Math.min(this.decided, this.stableUpTo, this.applying + PAXOS_DECIDED_ENTRIES_PER_READY_MAX);
    if (to <= this.applying) return [];
    const out = this.entries.slice(this.applying - this.snapshotIndexValue, to - this.snapshotIndexValue);
    this.applying = to;
    return out;
  }

  invariants(): void {
    for (let i = 0; i < this.entries.length; i++) {
      assert((this.entries[i] as PaxosEntry).index === this.snapshotIndexValue + i + 1, 'log_consecutive');
    }
    assert(this.snapshotIndexValue <= this.applied && this.applied <= this.applying, 'applied_order', () => `${this.snapshotIndexValue} ${this.applied} ${this.applying}`);
    assert(this.applying <= this.decided && this.decided <= this.lastIndex(), 'decided_order', () => `${this.applying} ${this.decided} ${this.lastIndex()}`);
    assert(this.stableUpTo <= this.lastIndex() && this.stableUpTo >= this.snapshotIndexValue, 'stable_in_log');
  }
}
