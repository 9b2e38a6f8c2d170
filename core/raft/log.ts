// The in-memory Raft log of one node: the entries after its last snapshot, the commit index, and
// what has been handed to the host (to persist, to apply). Storage lives outside: the host makes
// durable what `Ready` says and rebuilds this from `PersistedRaftState` after a restart.
//
// Index space: [1, snapshotIndex] is compacted into the snapshot; (snapshotIndex, lastIndex] is
// `entries`. Invariants (checked by `invariants()`):
//   - entries are consecutive from snapshotIndex + 1, terms non-decreasing and ≥ snapshotTerm;
//   - snapshotIndex ≤ applied ≤ applying ≤ committed ≤ lastIndex;
//   - stableUpTo + 1 = the first index not yet durable; stableUpTo ≤ lastIndex; everything up to
//     `applied` is durable (a committed entry is applied only after its Ready was persisted);
//   - committed entries are never truncated (asserted in `maybeAppend`: Leader Completeness).
import { assert } from '../assert.js';
import { RAFT_COMMITTED_ENTRIES_PER_READY_MAX } from '../limits.js';
import type { Membership } from './membership.js';
import type { Entry, PersistedRaftState, Snapshot } from './types.js';

export interface ConflictHint {
  readonly conflictTerm: number;
  readonly conflictIndex: number;
}

export class RaftLog {
  private snapshotIndexValue: number;
  private snapshotTermValue: number;
  private entries: Entry[];
  /** Highest index known committed. */
  committed: number;
  /** Highest index handed to the host to apply (in a Ready not yet advanced, or applied). */
  applying: number;
  /** Highest index the host applied (acknowledged by `advance`). */
  applied: number;
  /** Highest index known durable on this node. */
  stableUpTo: number;
  /** A snapshot received from a leader that the host must persist and install. */
  pendingSnapshot: Snapshot | null = null;
  /** The newest snapshot this node has (taken locally or installed); sent to lagging followers. */
  latestSnapshot: Snapshot | null;

  constructor(persisted: PersistedRaftState) {
    const snapshot = persisted.snapshot;
    this.snapshotIndexValue = snapshot?.lastIncludedIndex ?? 0;
    this.snapshotTermValue = snapshot?.lastIncludedTerm ?? 0;
    this.latestSnapshot = snapshot ?? null;
    this.entries = [...persisted.entries];
    const last = this.lastIndex();
    // A commit index past the stored log can only come from a torn write; the log is the truth.
    this.committed = Math.max(this.snapshotIndexValue, Math.min(persisted.hardState.commit, last));
    // The host rebuilds its state machine from the snapshot and re-applies the rest.
    this.applying = this.snapshotIndexValue;
    this.applied = this.snapshotIndexValue;
    this.stableUpTo = last;
    this.invariants();
  }

  get snapshotIndex(): number {
    return this.snapshotIndexValue;
  }

  get snapshotTerm(): number {
    return this.snapshotTermValue;
  }

  firstIndex(): number {
    return this.snapshotIndexValue + 1;
  }

  lastIndex(): number {
    return this.snapshotIndexValue + this.entries.length;
  }

  lastTerm(): number {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? this.snapshotTermValue : last.term;
  }

  /** Entries held in memory (after the snapshot). */
  get length(): number {
    return this.entries.length;
  }

  /** The term of `index`, or undefined when it is compacted away or past the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndexValue) return this.snapshotTermValue;
    if (index < this.snapshotIndexValue || index > this.lastIndex()) return undefined;
    return (this.entries[index - this.snapshotIndexValue - 1] as Entry).term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.snapshotIndexValue) return undefined;
    return this.entries[index - this.snapshotIndexValue - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up to date as ours. */
  isUpToDate(lastLogIndex: number, lastLogTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastLogTerm > ourTerm || (lastLogTerm === ourTerm && lastLogIndex >= this.lastIndex());
  }

  /** Entries [from, …] up to `countMax` of them and about `bytesMax` data bytes (at least one). */
  slice(from: number, countMax: number, bytesMax: number): Entry[] {
    assert(from > this.snapshotIndexValue, 'log_slice_not_compacted', () => String(from));
    const out: Entry[] = [];
    let bytes = 0;
    for (let index = from; index <= this.lastIndex() && out.length < countMax; index += 1) {
      const entry = this.entry(index) as Entry;
      if (out.length > 0 && bytes + entry.data.length > bytesMax) break;
      bytes += entry.data.length;
      out.push(entry);
    }
    return out;
  }

  /** Leader: appends its own new entry. */
  appendOwn(entry: Entry): void {
    assert(entry.index === this.lastIndex() + 1, 'log_append_consecutive', () => `${entry.index} after ${this.lastIndex()}`);
    assert(entry.term >= this.lastTerm(), 'log_terms_non_decreasing');
    this.entries.push(entry);
  }

  /**
   * Follower (§5.3): when our log holds (prevIndex, prevTerm), adds `entries`, replacing the first
   * conflicting entry and everything after it, and commits up to min(commit, last new index).
   * Returns the last new index, or null when the logs do not match at prevIndex.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNewIndex = prevIndex + entries.length;
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[i] as Entry;
      assert(entry.index === prevIndex + 1 + i, 'append_entries_consecutive');
      if (this.matchTerm(entry.index, entry.term)) continue;
      // First conflict (or first new entry): everything from here on comes from the leader.
      assert(entry.index > this.committed, 'committed_entry_never_overwritten', () => `index ${entry.index}, committed ${this.committed}`);
      this.entries.length = entry.index - this.snapshotIndexValue - 1;
      if (this.stableUpTo >= entry.index) this.stableUpTo = entry.index - 1;
      for (let j = i; j < entries.length; j += 1) this.entries.push(entries[j] as Entry);
      break;
    }
    this.commitTo(Math.min(commit, lastNewIndex));
    return lastNewIndex;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), 'commit_within_log', () => `${index} > ${this.lastIndex()}`);
    this.committed = index;
  }

  /** The follower's fast-backtracking hint for a rejected prevIndex (dissertation §3.5). */
  conflictHint(prevIndex: number): ConflictHint {
    if (prevIndex > this.lastIndex()) return { conflictTerm: 0, conflictIndex: this.lastIndex() + 1 };
    const conflictTerm = this.term(prevIndex);
    assert(conflictTerm !== undefined, 'conflict_hint_term_known', () => String(prevIndex));
    let first = prevIndex;
    while (first - 1 > this.snapshotIndexValue && this.term(first - 1) === conflictTerm) first -= 1;
    return { conflictTerm, conflictIndex: first };
  }

  /**
   * The leader's next index for a follower that rejected `rejectedIndex` with a hint: one past our
   * last entry of conflictTerm when we have that term, else the follower's conflictIndex. Whole
   * terms are skipped in one round trip.
   */
  nextAfterReject(rejectedIndex: number, hint: ConflictHint): number {
    if (hint.conflictTerm > 0) {
      for (let index = Math.min(rejectedIndex, this.lastIndex()); index > this.snapshotIndexValue; index -= 1) {
        const term = this.term(index) as number;
        if (term === hint.conflictTerm) return index + 1;
        if (term < hint.conflictTerm) break; // terms only decrease going back: no entry of it
      }
    }
    return hint.conflictIndex;
  }

  /** Committed entries not yet handed to the host, at most RAFT_COMMITTED_ENTRIES_PER_READY_MAX. */
  hasNextCommitted(): boolean {
    return this.committed > this.applying;
  }

  takeNextCommitted(): Entry[] {
    const out: Entry[] = [];
    while (this.applying < this.committed && out.length < RAFT_COMMITTED_ENTRIES_PER_READY_MAX) {
      this.applying += 1;
      const entry = this.entry(this.applying);
      assert(entry !== undefined, 'committed_entry_in_memory', () => String(this.applying));
      out.push(entry);
    }
    return out;
  }

  unstableEntries(): Entry[] {
    return this.entries.slice(this.stableUpTo - this.snapshotIndexValue);
  }

  /** The host made entries up to (index, term) durable; ignored when they were replaced since. */
  stableTo(index: number, term: number): void {
    if (index > this.stableUpTo && this.matchTerm(index, term)) this.stableUpTo = index;
  }

  /**
   * Installs a snapshot from the leader (§7): the whole log is replaced by it, because the
   * snapshot is committed state and the entries we hold past a point we could not match are
   * not known to agree with it.
   */
  restore(snapshot: Snapshot): void {
    assert(snapshot.lastIncludedIndex > this.committed, 'snapshot_restore_past_commit');
    this.snapshotIndexValue = snapshot.lastIncludedIndex;
    this.snapshotTermValue = snapshot.lastIncludedTerm;
    this.entries = [];
    this.committed = snapshot.lastIncludedIndex;
    this.applying = snapshot.lastIncludedIndex;
    this.stableUpTo = snapshot.lastIncludedIndex;
    this.pendingSnapshot = snapshot;
    this.latestSnapshot = snapshot;
  }

  /**
   * The application snapshotted its state at `index` (applied, durable): drop the prefix. The
   * snapshot records `membership`, the membership in effect at `index` (absent: the bootstrap one).
   */
  compact(index: number, data: Uint8Array, membership?: Membership): void {
    assert(index > this.snapshotIndexValue && index <= this.applied, 'compact_within_applied', () => `${index}`);
    const term = this.term(index) as number;
    this.entries = this.entries.slice(index - this.snapshotIndexValue);
    this.snapshotIndexValue = index;
    this.snapshotTermValue = term;
    this.latestSnapshot = membership === undefined ? { lastIncludedIndex: index, lastIncludedTerm: term, data } : { lastIncludedIndex: index, lastIncludedTerm: term, data, membership };
  }

  invariants(): void {
    let previousTerm = this.snapshotTermValue;
    for (let i = 0; i < this.entries.length; i += 1) {
      const entry = this.entries[i] as Entry;
      assert(entry.index === this.snapshotIndexValue + 1 + i, 'log_entries_consecutive', () => `${entry.index}`);
      assert(entry.term >= previousTerm, 'log_terms_non_decreasing', () => `${entry.index}`);
      previousTerm = entry.term;
    }
    const last = this.lastIndex();
    assert(
      this.snapshotIndexValue <= this.applied && this.applied <= this.applying && this.applying <= this.committed && this.committed <= last,
      'log_indexes_ordered',
      () => `snapshot ${this.snapshotIndexValue} applied ${this.applied} applying ${this.applying} committed ${this.committed} last ${last}`,
    );
    assert(this.stableUpTo >= this.snapshotIndexValue && this.stableUpTo <= last, 'log_stable_within_log');
    assert(this.applied <= this.stableUpTo, 'log_applied_only_durable');
    if (this.latestSnapshot !== null) assert(this.latestSnapshot.lastIncludedIndex === this.snapshotIndexValue, 'log_latest_snapshot_is_compaction_point');
  }
}
