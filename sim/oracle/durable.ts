// The durable state of the server's data directory, as a power loss right now would leave it:
// the `state` (TSOR high-water) record, and the sequence ledger that `dense` (TSOD snapshot) and
// `dense.journal` (TSOJ records) hold, read from `SimDisk.inspect().durable` — fsync'd contents
// under fsyncDir'd names — and decoded with the core/records decoders through the file driver's
// own recovery (`recoverSeqLedger`, pure: the driver runs it at open on what it read, we run it
// on the durable image, so both agree on what a directory holds). This is the checkers' ground
// truth for "persist before serve": a value is durable only if it is here.
//
// The view is read again only when the durable image may have changed (the caller marks it:
// an fsyncDir of the data directory, an fsync of a record, a crash) and only when a checker
// asks; the ledger, which can be tens of kilobytes, is decoded again only if its bytes changed.

import { DecodeError, TsoError } from '../../core/errors.js';
import { seqLedgerStateProblem, type SeqLedgerSnapshot, type SeqSessionResult } from '../../core/ledger.js';
import { SEQ_KEY_CARDINALITY_CAP_DEFAULT } from '../../core/limits.js';
import { decodeHighWaterRecord } from '../../core/records/high-water.js';
import { DENSE_FILE, recoverSeqLedger, SEQ_JOURNAL_FILE } from '../../drivers/file/seq-recovery.js';
import type { SimDisk } from '../disk.js';
import { outsideReach } from './reach.js';

export interface DurableSession {
  readonly forgottenBelow: bigint;
  readonly results: ReadonlyMap<bigint, SeqSessionResult>;
  /** `key \0 start \0 count` → request id: where a block is recorded. */
  readonly byBlock: ReadonlyMap<string, bigint>;
}

export interface DurableLedger {
  readonly snapshot: SeqLedgerSnapshot;
  readonly counters: ReadonlyMap<string, bigint>;
  readonly sessions: ReadonlyMap<bigint, DurableSession>;
  /** False when a value below a counter may belong to a block nobody can see (claims.ts): no hole check. */
  readonly holesKnowable?: boolean;
}

/** A record that is absent decodes as the empty state; one that does not decode is a problem. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export function blockKey(key: string, start: bigint, count: number): string {
  return `${key}\u0000${start.toString()}\u0000${count}`;
}

/** Indexes a ledger snapshot for the checkers (counters by key, results by request and by block). */
export function indexLedger(snapshot: SeqLedgerSnapshot): DurableLedger {
  const counters = new Map<string, bigint>(snapshot.counters.map(([k, v]) => [k, v]));
  const sessions = new Map<bigint, DurableSession>();
  for (const s of snapshot.sessions) {
    const results = new Map<bigint, SeqSessionResult>();
    const byBlock = new Map<string, bigint>();
    for (const r of s.results) {
      results.set(r.requestId, r);
      byBlock.set(blockKey(r.key, r.start, r.count), r.requestId);
    }
    sessions.set(s.clientId, { forgottenBelow: s.forgottenBelow, results, byBlock });
  }
  return { snapshot, counters, sessions };
}

/**
 * What the checkers take as ground truth: the state a value must be in before a client may see
 * it. For one node it is the durable image of the data directory (DurableView); for a Raft
 * cluster it is the committed state (sim/oracle/raft-checkers.ts CommittedView).
 */
export interface DurableSource {
  highWaterMs(): Decoded<number>;
  /** The high-water, re-read only if the last value read is below `atLeastMs`. */
  highWaterCovering(atLeastMs: number): Decoded<number>;
  sequenceLedger(): Decoded<DurableLedger>;
}

export class DurableView implements DurableSource {
  private readonly statePath: string;
  private readonly densePath: string;
  private readonly journalPath: string;
  private stale = true;
  private highWater: Decoded<number> = { ok: true, value: 0 };
  private ledger: Decoded<DurableLedger> | null = null;
  private denseBytes: Uint8Array | null = null;
  private journalBytes: Uint8Array | null = null;
  /** SimDisk.durableStamp of each file when it was last read (undefined: never read). */
  private stateStamp: string | null | undefined = undefined;
  private denseStamp: string | null | undefined = undefined;
  private journalStamp: string | null | undefined = undefined;
  /** Times the durable image was read (for the bench). */
  reads = 0;

  constructor(
    private readonly disk: SimDisk,
    readonly dir: string,
  ) {
    this.statePath = `${dir}/state`;
    this.densePath = `${dir}/${DENSE_FILE}`;
    this.journalPath = `${dir}/${SEQ_JOURNAL_FILE}`;
  }

  /** The durable image may have changed (a sync in the data directory, a crash). */
  markChanged(): void {
    this.stale = true;
  }

  private refresh(): void {
    if (!this.stale) return;
    this.stale = false;
    this.reads++;
    const stateStamp = this.disk.durableStamp(this.statePath);
    if (stateStamp !== this.stateStamp) {
      this.stateStamp = stateStamp;
      const state = this.disk.durableFile(this.statePath);
      this.highWater = state === null ? { ok: true, value: 0 } : decodeOr(state, decodeHighWaterRecord);
    }
    // Keep the recovered ledger while its files are the same (many changes touch the state only).
    const denseStamp = this.disk.durableStamp(this.densePath);
    const journalStamp = this.disk.durableStamp(this.journalPath);
    if (denseStamp !== this.denseStamp || journalStamp !== this.journalStamp) {
      this.denseStamp = denseStamp;
      this.journalStamp = journalStamp;
      // Views, not copies (the ledger files grow with every sync): read only while the stamps
      // hold, and the stamps change at every sync that could change the bytes.
      this.denseBytes = this.disk.durableFileView(this.densePath);
      this.journalBytes = this.disk.durableFileView(this.journalPath);
      this.ledger = null;
    }
  }

  /** The durable high-water (physical ms; 0 when no state file is durable). */
  highWaterMs(): Decoded<number> {
    this.refresh();
    return this.highWater;
  }

  /**
   * The durable high-water, re-read only if the last value read is below `atLeastMs`. Between
   * two crashes the durable high-water only grows unless something is badly wrong, and the
   * checkpoint after every crash and at the end re-reads it in full and reports any decrease;
   * so a check that a value is covered need not copy the disk image each time.
   */
  highWaterCovering(atLeastMs: number): Decoded<number> {
    if (this.highWater.ok && this.highWater.value >= atLeastMs) return this.highWater;
    return this.highWaterMs();
  }

  /** The durable sequence ledger (empty when nothing is durable). */
  sequenceLedger(): Decoded<DurableLedger> {
    this.refresh();
    if (this.ledger === null) {
      try {
        // A torn last journal record is not a problem: it was never synced, and recovery cuts it.
        const recovered = outsideReach(() => recoverSeqLedger(this.denseBytes, this.journalBytes, SEQ_KEY_CARDINALITY_CAP_DEFAULT, this.dir));
        const snapshot = recovered.ledger.snapshot();
        const problem = seqLedgerStateProblem(snapshot);
        this.ledger = problem === undefined ? { ok: true, value: indexLedger(snapshot) } : { ok: false, problem: `inconsistent ledger: ${problem}` };
      } catch (e) {
        if (!(e instanceof TsoError)) throw e;
        this.ledger = { ok: false, problem: e.message };
      }
    }
    return this.ledger;
  }
}

function decodeOr<T>(bytes: Uint8Array, decode: (bytes: Uint8Array) => T): Decoded<T> {
  try {
    return { ok: true, value: decode(bytes) };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, problem: `${e.code}: ${e.message}` };
    throw e;
  }
}
