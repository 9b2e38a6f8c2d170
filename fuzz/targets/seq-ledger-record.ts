// Target: the TSOD sequence-ledger record (core/records/seq-ledger.ts), versions 1 (the
// original's counters-only layout), 2 (counters plus exactly-once sessions), 3 (version 2
// plus the evicted-clients watermark) and 4 (version 3 plus remembered getSeqBatch grants). The
// value keeps the version so each is held to the canonical property: the library writes versions
// 2, 3 and 4, so the version 1 encoder below (test support, the original's layout) re-encodes
// version 1 records. The length walker knows every count, key-length and batch-length field; the
// fixup repairs the CRC so mutations reach the body parser. Near-misses beyond the frame's: a
// ledger without a batch written as version 4 (not canonical), and a batch length of 1 or 129.
import * as fc from 'fast-check';
import type { LeWriter } from '../../core/codec/le.js';
import { utf8Encode } from '../../core/codec/utf8.js';
import { AssertionError } from '../../core/assert.js';
import type { SeqGrant, SeqLedgerSnapshot, SeqSessionResult, SeqSessionSnapshot } from '../../core/ledger.js';
import { SEQ_BATCH_KEYS_MAX, SEQ_COUNT_MAX, SEQ_KEY_BYTES_MAX, U64_MAX } from '../../core/limits.js';
import { ErrorCode } from '../../core/errors.js';
import { seqLedgerSnapshotArbitrary } from '../../core/records/arbitraries.js';
import { sealFramedRecord } from '../../core/records/framed.js';
import {
  decodeSeqLedgerRecord,
  encodeSeqLedgerRecord,
  SEQ_LEDGER_KEY_CAP_MAX,
  SEQ_LEDGER_RECORD_MAGIC,
  SEQ_LEDGER_RECORD_VERSION_BATCHES,
  SEQ_LEDGER_RECORD_VERSION_COUNTERS,
  SEQ_LEDGER_RECORD_VERSION_EXPIRED_REQUESTS,
  SEQ_LEDGER_RECORD_VERSION_SESSIONS,
  seqLedgerSnapshotProblem,
} from '../../core/records/seq-ledger.js';
import { fixRecordCrc, u16LeAt as u16At, u32LeAt as u32At } from '../structure.js';
import type { LengthField, NearMiss } from '../target.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
import { framedRecordRejections, withByte } from '../near-misses.js';

export interface VersionedSnapshot {
  readonly version: number;
  readonly snapshot: SeqLedgerSnapshot;
}

/** The original's version 1 layout: counters only (sessions must be empty, applySeq 0). */
export function encodeSeqLedgerRecordV1(snapshot: SeqLedgerSnapshot): Uint8Array {
  return sealFramedRecord(SEQ_LEDGER_RECORD_MAGIC, SEQ_LEDGER_RECORD_VERSION_COUNTERS, (w) => {
    w.u64n(snapshot.keyCap);
    w.u32(snapshot.counters.length);
    for (const [key, next] of snapshot.counters) {
      const bytes = utf8Encode(key);
      w.u16(bytes.length).raw(bytes).u64(next);
    }
  });
}

/**
 * `snapshot` laid out as version 4 whatever it holds (test support): the watermark, and each
 * result followed by its batch length and further grants. For a snapshot without a batch this is
 * the non-canonical form the decoder must refuse (it is written as version 2 or 3).
 */
function encodeSeqLedgerRecordAsV4(snapshot: SeqLedgerSnapshot): Uint8Array {
  const key = (w: LeWriter, k: string): void => {
    const bytes = utf8Encode(k);
    w.u16(bytes.length).raw(bytes);
  };
  return sealFramedRecord(SEQ_LEDGER_RECORD_MAGIC, SEQ_LEDGER_RECORD_VERSION_BATCHES, (w) => {
    w.u64n(snapshot.keyCap).u32(snapshot.counters.length);
    for (const [k, next] of snapshot.counters) {
      key(w, k);
      w.u64(next);
    }
    w.u64(snapshot.applySeq).u64(snapshot.requestsExpiredBelow).u32(snapshot.sessions.length);
    for (const session of snapshot.sessions) {
      w.u64(session.clientId).u64(session.lastActiveSeq).u64(session.forgottenBelow).u32(session.results.length);
      for (const result of session.results) {
        w.u64(result.requestId);
        key(w, result.key);
        w.u64(result.start).u32(result.count).u8(result.batch?.length ?? 0);
        for (const grant of result.batch?.slice(1) ?? []) {
          key(w, grant.key);
          w.u64(grant.start).u32(grant.count);
        }
      }
    }
  });
}

function encodeVersioned(value: VersionedSnapshot): Uint8Array {
  if (value.version === SEQ_LEDGER_RECORD_VERSION_COUNTERS) {
    if (value.snapshot.sessions.length > 0 || value.snapshot.applySeq !== 0n) throw new Error('a version 1 record has no sessions');
    return encodeSeqLedgerRecordV1(value.snapshot);
  }
  return encodeSeqLedgerRecord(value.snapshot);
}

type Break = readonly [name: string, snapshot: SeqLedgerSnapshot, problem: string | undefined];

/**
 * One-field breaks of a decoded (so canonical) snapshot, each with the problem the canonical
 * form checker must name first (undefined: still canonical, a bound itself). The decoder only
 * ever hands it canonical snapshots, so without these its refusals go unchecked.
 */
function snapshotBreaks(snapshot: SeqLedgerSnapshot): Break[] {
  const with_ = (change: Partial<SeqLedgerSnapshot>): SeqLedgerSnapshot => ({ ...snapshot, ...change });
  const { counters, sessions } = snapshot;
  const out: Break[] = [
    ['key-cap-negative', with_({ keyCap: -1 }), 'key_cap_not_u32'],
    ['key-cap-above-u32', with_({ keyCap: SEQ_LEDGER_KEY_CAP_MAX + 1 }), 'key_cap_not_u32'],
    ['key-cap-fraction', with_({ keyCap: counters.length + 0.5 }), 'key_cap_not_u32'],
    ['key-cap-u32-max', with_({ keyCap: SEQ_LEDGER_KEY_CAP_MAX }), undefined],
    ['key-cap-at-count', with_({ keyCap: counters.length }), undefined],
    ['apply-seq-negative', with_({ applySeq: -1n }), 'apply_seq_not_u64'],
    ['apply-seq-above-u64', with_({ applySeq: U64_MAX + 1n }), 'apply_seq_not_u64'],
    ['apply-seq-u64-max', with_({ applySeq: U64_MAX }), undefined],
    ['expired-below-negative', with_({ requestsExpiredBelow: -1n }), 'clients_expired_below_not_u64'],
    ['expired-below-above-u64', with_({ requestsExpiredBelow: U64_MAX + 1n }), 'clients_expired_below_not_u64'],
  ];
  const first = counters[0];
  if (first !== undefined) {
    const withFirst = (counter: readonly [string, bigint]): SeqLedgerSnapshot => with_({ counters: [counter, ...counters.slice(1)] });
    out.push(
      ['key-cap-below-count', with_({ keyCap: counters.length - 1 }), 'key_count_above_cap'],
      ['counter-key-empty', withFirst(['', first[1]]), 'counter_key_length_out_of_range'],
      ['counter-key-above-max', withFirst(['k'.repeat(SEQ_KEY_BYTES_MAX + 1), first[1]]), 'counter_key_length_out_of_range'],
      ['counter-key-lone-surrogate', withFirst(['\ud800', first[1]]), 'counter_key_not_well_formed'],
      ['counter-negative', withFirst([first[0], -1n]), 'counter_not_u64'],
      ['counter-above-u64', withFirst([first[0], U64_MAX + 1n]), 'counter_not_u64'],
    );
    const second = counters[1];
    if (second !== undefined) {
      out.push(
        ['counters-swapped', with_({ counters: [second, first, ...counters.slice(2)] }), 'keys_not_strictly_ascending'],
        ['counter-key-repeated', with_({ counters: [first, [first[0], second[1]], ...counters.slice(2)] }), 'keys_not_strictly_ascending'],
      );
    }
  }
  const session = sessions[0];
  if (session !== undefined) {
    const withSession = (change: Partial<SeqSessionSnapshot>): SeqLedgerSnapshot => with_({ sessions: [{ ...session, ...change }, ...sessions.slice(1)] });
    out.push(
      ['client-id-negative', withSession({ clientId: -1n }), 'session_field_not_u64'],
      ['last-active-above-u64', withSession({ lastActiveSeq: U64_MAX + 1n }), 'session_field_not_u64'],
      ['forgotten-below-negative', withSession({ forgottenBelow: -1n }), 'session_field_not_u64'],
    );
    const next = sessions[1];
    if (next !== undefined) {
      out.push(['client-id-repeated', with_({ sessions: [session, { ...next, clientId: session.clientId }, ...sessions.slice(2)] }), 'sessions_not_strictly_ascending']);
    }
    const result = session.results[0];
    if (result !== undefined) {
      const withResult = (change: Partial<SeqSessionResult>): SeqLedgerSnapshot => withSession({ results: [{ ...result, ...change }, ...session.results.slice(1)] });
      out.push(
        ['request-id-negative', withResult({ requestId: -1n }), 'request_id_not_u64'],
        ['result-key-empty', withResult({ key: '' }), 'result_key_length_out_of_range'],
        ['result-start-above-u64', withResult({ start: U64_MAX + 1n }), 'result_start_not_u64'],
        ['result-count-0', withResult({ count: 0 }), 'result_count_out_of_range'],
        ['result-count-above-max', withResult({ count: SEQ_COUNT_MAX + 1 }), 'result_count_out_of_range'],
        ['result-count-fraction', withResult({ count: 1.5 }), 'result_count_out_of_range'],
        ['result-ends-past-u64', withResult({ start: U64_MAX, count: 1 }), 'result_end_above_u64'],
      );
      const later = session.results[1];
      if (later !== undefined) {
        out.push(['request-id-repeated', withSession({ results: [result, { ...later, requestId: result.requestId }, ...session.results.slice(2)] }), 'results_not_strictly_ascending']);
      }
    }
    out.push(...batchBreaks(session, withSession));
  }
  return out;
}

/** Breaks of the first remembered batch of `session`, and of its grant budget. */
function batchBreaks(session: SeqSessionSnapshot, withSession: (change: Partial<SeqSessionSnapshot>) => SeqLedgerSnapshot): Break[] {
  const at = session.results.findIndex((r) => r.batch !== undefined);
  const result = session.results[at];
  if (result === undefined || result.batch === undefined) return [];
  const batch = result.batch;
  const withBatch = (change: SeqGrant[]): SeqLedgerSnapshot => withSession({ results: session.results.map((r, i) => (i === at ? { ...r, batch: change } : r)) });
  const first = batch[0] as SeqGrant;
  const second = batch[1] as SeqGrant;
  const withSecond = (change: Partial<SeqGrant>): SeqLedgerSnapshot => withBatch([first, { ...second, ...change }, ...batch.slice(2)]);
  const distinctKeys = (n: number): SeqGrant[] => [first, ...Array.from({ length: n - 1 }, (_, i) => ({ key: `\u{10ffff}${i}`, start: 0n, count: 1 }))];
  const out: Break[] = [
    ['batch-of-one', withBatch([first]), 'batch_length_out_of_range'],
    ['batch-first-key-other', withBatch([{ ...first, key: first.key === 'a' ? 'b' : 'a' }, ...batch.slice(1)]), 'batch_first_grant_mismatch'],
    ['batch-first-start-other', withBatch([{ ...first, start: first.start === 0n ? 1n : 0n }, ...batch.slice(1)]), 'batch_first_grant_mismatch'],
    ['batch-first-count-other', withBatch([{ ...first, count: first.count === 1 ? 2 : 1 }, ...batch.slice(1)]), 'batch_first_grant_mismatch'],
    ['batch-key-empty', withSecond({ key: '' }), 'batch_key_length_out_of_range'],
    ['batch-key-repeated', withSecond({ key: first.key }), 'batch_key_repeated'],
    ['batch-start-negative', withSecond({ start: -1n }), 'batch_start_not_u64'],
    ['batch-count-0', withSecond({ count: 0 }), 'batch_count_out_of_range'],
    ['batch-count-above-max', withSecond({ count: SEQ_COUNT_MAX + 1 }), 'batch_count_out_of_range'],
    ['batch-ends-past-u64', withSecond({ start: U64_MAX, count: 1 }), 'batch_end_above_u64'],
    ['batch-ends-at-u64', withSecond({ start: U64_MAX - BigInt(second.count), count: second.count }), undefined],
    ['batch-of-129', withBatch(distinctKeys(SEQ_BATCH_KEYS_MAX + 1)), 'batch_length_out_of_range'],
  ];
  return out;
}

/** The canonical form checker names each break, and the encoder refuses what it names. */
function checkCanonicalChecker(snapshot: SeqLedgerSnapshot): void {
  for (const [name, broken, problem] of snapshotBreaks(snapshot)) {
    const got = seqLedgerSnapshotProblem(broken);
    if (got !== problem) throw new AssertionError('seq_ledger_canonical_checker', `${name}: expected ${String(problem)}, got ${String(got)}`);
    if (problem === undefined) continue;
    let refused: unknown = null;
    try {
      encodeSeqLedgerRecord(broken);
    } catch (error) {
      refused = error;
    }
    if (!(refused instanceof AssertionError) || refused.invariant !== 'seq_ledger_snapshot_canonical' || !refused.message.endsWith(problem)) {
      throw new AssertionError('seq_ledger_canonical_checker', `${name}: the encoder did not refuse it as ${problem}`);
    }
  }
}

function decodeVersioned(bytes: Uint8Array): VersionedSnapshot {
  const snapshot = decodeSeqLedgerRecord(bytes);
  checkCanonicalChecker(snapshot);
  return { version: bytes[4] ?? 0, snapshot };
}

/** A record's length fields, and where each remembered result's batch length byte is (version 4). */
interface Walk {
  readonly fields: LengthField[];
  readonly batchLengthOffsets: number[];
}

function walkSeqLedger(bytes: Uint8Array): Walk {
  const fields: LengthField[] = [];
  const batchLengthOffsets: number[] = [];
  const walk = { fields, batchLengthOffsets };
  const end = bytes.length - 4;
  const version = bytes[4];
  let at = 13;
  if (at + 4 > end) return walk;
  const keyCount = Math.min(u32At(bytes, at), 256);
  fields.push({ offset: at, encoding: 'u32le' });
  at += 4;
  for (let i = 0; i < keyCount && at + 2 <= end; i += 1) {
    fields.push({ offset: at, encoding: 'u16le' });
    at += 2 + u16At(bytes, at) + 8;
  }
  if (version !== SEQ_LEDGER_RECORD_VERSION_SESSIONS && version !== SEQ_LEDGER_RECORD_VERSION_EXPIRED_REQUESTS && version !== SEQ_LEDGER_RECORD_VERSION_BATCHES) return walk;
  at += version === SEQ_LEDGER_RECORD_VERSION_SESSIONS ? 8 : 16;
  if (at + 4 > end) return walk;
  const sessionCount = Math.min(u32At(bytes, at), 256);
  fields.push({ offset: at, encoding: 'u32le' });
  at += 4;
  for (let s = 0; s < sessionCount && at + 28 <= end; s += 1) {
    at += 24;
    const resultCount = Math.min(u32At(bytes, at), 256);
    fields.push({ offset: at, encoding: 'u32le' });
    at += 4;
    for (let r = 0; r < resultCount && at + 10 <= end; r += 1) {
      at += 8;
      fields.push({ offset: at, encoding: 'u16le' });
      at += 2 + u16At(bytes, at) + 8 + 4;
      if (version !== SEQ_LEDGER_RECORD_VERSION_BATCHES || at >= end) continue;
      const batchLength = bytes[at] as number;
      batchLengthOffsets.push(at);
      fields.push({ offset: at, encoding: 'u8' });
      at += 1;
      for (let g = 1; g < batchLength && at + 2 <= end; g += 1) {
        fields.push({ offset: at, encoding: 'u16le' });
        at += 2 + u16At(bytes, at) + 8 + 4;
      }
    }
  }
  return { fields: fields.filter((field) => field.offset < end), batchLengthOffsets };
}

/** Every count, key-length and batch-length field, walking the record as the decoder would (best effort). */
export function seqLedgerLengthFields(bytes: Uint8Array): LengthField[] {
  return walkSeqLedger(bytes).fields;
}

/**
 * Beyond the frame's near-misses: a ledger without a batch laid out as version 4 is refused where
 * the body starts (not canonical); a version 4 record's first batch claiming 1 or 129 grants is
 * refused at its length byte.
 */
function seqLedgerRejections(accepted: Uint8Array): NearMiss[] {
  const out = framedRecordRejections(accepted);
  const version = accepted[4];
  let snapshot: SeqLedgerSnapshot;
  try {
    snapshot = decodeSeqLedgerRecord(accepted);
  } catch {
    return out;
  }
  if (version === SEQ_LEDGER_RECORD_VERSION_SESSIONS || version === SEQ_LEDGER_RECORD_VERSION_EXPIRED_REQUESTS) {
    out.push({ name: 'no-batch-as-v4', bytes: encodeSeqLedgerRecordAsV4(snapshot), code: ErrorCode.RECORD_MALFORMED, offset: 5 });
  }
  if (version === SEQ_LEDGER_RECORD_VERSION_BATCHES) {
    const walk = walkSeqLedger(accepted);
    const first = walk.batchLengthOffsets.find((at) => (accepted[at] as number) >= 2);
    if (first !== undefined) {
      for (const claimed of [1, SEQ_BATCH_KEYS_MAX + 1]) {
        out.push({ name: `batch-length-${claimed}`, bytes: fixRecordCrc(withByte(accepted, first, claimed)), code: ErrorCode.RECORD_MALFORMED, offset: first });
      }
    }
  }
  return out;
}

const holdsBatch = (snapshot: SeqLedgerSnapshot): boolean => snapshot.sessions.some((s) => s.results.some((r) => r.batch !== undefined));

const versionedArbitrary: fc.Arbitrary<VersionedSnapshot> = fc.oneof(
  seqLedgerSnapshotArbitrary({ batchGrantsMax: 4 }).map((snapshot) => ({
    version: holdsBatch(snapshot)
      ? SEQ_LEDGER_RECORD_VERSION_BATCHES
      : snapshot.requestsExpiredBelow === 0n
        ? SEQ_LEDGER_RECORD_VERSION_SESSIONS
        : SEQ_LEDGER_RECORD_VERSION_EXPIRED_REQUESTS,
    snapshot,
  })),
  seqLedgerSnapshotArbitrary({ sessionsMax: 0 }).map((snapshot) => ({ version: SEQ_LEDGER_RECORD_VERSION_COUNTERS, snapshot })),
);

const seedSnapshots: VersionedSnapshot[] = [
  { version: 2, snapshot: { keyCap: 10_000, counters: [], applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] } },
  {
    version: 2,
    snapshot: {
      keyCap: 10_000,
      counters: [
        ['invoices', 7n],
        ['orders', 42n],
      ],
      applySeq: 3n,
      requestsExpiredBelow: 0n,
      sessions: [
        {
          clientId: 9n,
          lastActiveSeq: 3n,
          forgottenBelow: 0n,
          results: [
            { requestId: 1n, key: 'orders', start: 0n, count: 40 },
            { requestId: 2n, key: 'orders', start: 40n, count: 2 },
          ],
        },
      ],
    },
  },
  { version: 1, snapshot: { keyCap: 3, counters: [['a', 0n], ['é', (1n << 64n) - 1n]], applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] } },
  // Version 3: a session was evicted, so the watermark is written after applySeq.
  {
    version: 3,
    snapshot: {
      keyCap: 10_000,
      counters: [['orders', 5n]],
      applySeq: 5n,
      requestsExpiredBelow: 7_500_000_000_000_000_001n,
      sessions: [{ clientId: 9n, lastActiveSeq: 5n, forgottenBelow: 0n, results: [{ requestId: 3n, key: 'orders', start: 4n, count: 1 }] }],
    },
  },
  // Version 4: a session remembers a getSeqBatch (its result is the first grant), after a getSeq.
  {
    version: 4,
    snapshot: {
      keyCap: 10_000,
      counters: [
        ['invoices', 3n],
        ['orders', 7n],
      ],
      applySeq: 2n,
      requestsExpiredBelow: 0n,
      sessions: [
        {
          clientId: 9n,
          lastActiveSeq: 2n,
          forgottenBelow: 0n,
          results: [
            { requestId: 1n, key: 'orders', start: 0n, count: 5 },
            {
              requestId: 2n,
              key: 'orders',
              start: 5n,
              count: 2,
              batch: [
                { key: 'orders', start: 5n, count: 2 },
                { key: 'invoices', start: 0n, count: 3 },
              ],
            },
          ],
        },
      ],
    },
  },
];

export default defineTarget<VersionedSnapshot>({
  name: 'seq-ledger-record',
  description: 'TSOD record decodeSeqLedgerRecord (v1 to v4, any field at its edges) with encodeSeqLedgerRecord and a v1 encoder',
  decode: decodeVersioned,
  rejections: seqLedgerRejections,
  encode: encodeVersioned,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: versionedArbitrary,
  seeds: () => seedSnapshots.map(encodeVersioned),
  lengthFields: seqLedgerLengthFields,
  fixup: fixRecordCrc,
  dictionary: [token('TSOD'), Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(4), Uint8Array.of(128), Uint8Array.of(129), Uint8Array.of(0x80), Uint8Array.of(0, 0, 1, 0)],
  inputBytesMax: 16 * 1024,
});
