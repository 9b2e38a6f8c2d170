// The durable state of the server's data directory, as a power loss right now would leave it:
// the `state` (TSOR high-water) and `dense` (TSOD sequence ledger) records read from
// `SimDisk.inspect().durable` — fsync'd contents under fsyncDir'd names — and decoded with the
// same core/records decoders the file driver uses. This is the checkers' ground truth for
// "persist before serve": a value is durable only if it is here.
//
// The view is read again only when the durable image may have changed (the caller marks it:
// an fsyncDir of the data directory, an fsync of a record, a crash) and only when a checker
// asks; the ledger, which can be tens of kilobytes, is decoded again only if its bytes changed.

import { DecodeError } from '../../core/errors.js';
import { seqLedgerStateProblem, type SeqLedgerSnapshot, type SeqSessionResult } from '../../core/ledger.js';
import { decodeHighWaterRecord } from '../../core/records/high-water.js';
import { decodeSeqLedgerRecord } from '../../core/records/seq-ledger.js';
import type { SimDisk } from '../disk.js';

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
}

/** A record that is absent decodes as the empty state; one that does not decode is a problem. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export function blockKey(key: string, start: bigint, count: number): string {
  return `${key}\u0000${start.toString()}\u0000${count}`;
}

function indexLedger(snapshot: SeqLedgerSnapshot): DurableLedger {
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

export class DurableView {
  private readonly statePath: string;
  private readonly densePath: string;
  private stale = true;
  private highWater: Decoded<number> = { ok: true, value: 0 };
  private ledger: Decoded<DurableLedger> | null = null;
  private denseBytes: Uint8Array | null = null;
  /** Times the durable image was read (for the bench). */
  reads = 0;

  constructor(
    private readonly disk: SimDisk,
    readonly dir: string,
  ) {
    this.statePath = `${dir}/state`;
    this.densePath = `${dir}/dense`;
  }

  /** The durable image may have changed (an fsyncDir of the directory, an fsync of a record, a crash). */
  markChanged(): void {
    this.stale = true;
  }

  private refresh(): void {
    if (!this.stale) return;
    this.stale = false;
    this.reads++;
    const files = this.disk.inspect().durable.files;
    const state = files.get(this.statePath);
    this.highWater = state === undefined ? { ok: true, value: 0 } : decodeOr(state, decodeHighWaterRecord);
    const dense = files.get(this.densePath) ?? null;
    // Keep the decoded ledger while its bytes are the same (many changes touch the state only).
    if (!sameBytes(dense, this.denseBytes)) {
      this.denseBytes = dense;
      this.ledger = null;
    }
  }

  /** The durable high-water (physical ms; 0 when no state file is durable). */
  highWaterMs(): Decoded<number> {
    this.refresh();
    return this.highWater;
  }

  /** The durable sequence ledger (empty when no dense file is durable). */
  sequenceLedger(): Decoded<DurableLedger> {
    this.refresh();
    if (this.ledger === null) {
      const bytes = this.denseBytes;
      if (bytes === null) {
        this.ledger = { ok: true, value: indexLedger({ keyCap: 0, counters: [], applySeq: 0n, sessions: [] }) };
      } else {
        const decoded = decodeOr(bytes, decodeSeqLedgerRecord);
        if (!decoded.ok) this.ledger = decoded;
        else {
          const problem = seqLedgerStateProblem(decoded.value);
          this.ledger = problem === undefined ? { ok: true, value: indexLedger(decoded.value) } : { ok: false, problem: `inconsistent ledger: ${problem}` };
        }
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

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
