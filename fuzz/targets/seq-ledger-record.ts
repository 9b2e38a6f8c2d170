// Target: the TSOD sequence-ledger record (core/records/seq-ledger.ts), versions 1 (the
// original's counters-only layout), 2 (counters plus exactly-once sessions) and 3 (version 2
// plus the evicted-clients watermark). The value keeps the version so each is held to the
// canonical property: the library writes versions 2 and 3,
// so the version 1 encoder below (test support, the original's layout) re-encodes version 1
// records. The length walker knows every count and key-length field; the fixup repairs the CRC
// so mutations reach the body parser.
import * as fc from 'fast-check';
import { utf8Encode } from '../../core/codec/utf8.js';
import { AssertionError } from '../../core/assert.js';
import type { SeqLedgerSnapshot, SeqSessionResult, SeqSessionSnapshot } from '../../core/ledger.js';
import { SEQ_COUNT_MAX, SEQ_KEY_BYTES_MAX, U64_MAX } from '../../core/limits.js';
import { seqLedgerSnapshotArbitrary } from '../../core/records/arbitraries.js';
import { sealFramedRecord } from '../../core/records/framed.js';
import {
  decodeSeqLedgerRecord,
  encodeSeqLedgerRecord,
  SEQ_LEDGER_KEY_CAP_MAX,
  SEQ_LEDGER_RECORD_MAGIC,
  SEQ_LEDGER_RECORD_VERSION_COUNTERS,
  SEQ_LEDGER_RECORD_VERSION_EXPIRED_REQUESTS,
  SEQ_LEDGER_RECORD_VERSION_SESSIONS,
  seqLedgerSnapshotProblem,
} from '../../core/records/seq-ledger.js';
import { fixRecordCrc, u16LeAt as u16At, u32LeAt as u32At } from '../structure.js';
import type { LengthField } from '../target.js';
import { defineTarget, onlyDecodeError, token } from '../target.js';
import { framedRecordRejections } from '../near-misses.js';

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
  }
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

/** Every count and key-length field, walking the record as the decoder would (best effort). */
export function seqLedgerLengthFields(bytes: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  const end = bytes.length - 4;
  let at = 13;
  if (at + 4 > end) return fields;
  const keyCount = Math.min(u32At(bytes, at), 256);
  fields.push({ offset: at, encoding: 'u32le' });
  at += 4;
  for (let i = 0; i < keyCount && at + 2 <= end; i += 1) {
    fields.push({ offset: at, encoding: 'u16le' });
    at += 2 + u16At(bytes, at) + 8;
  }
  if (bytes[4] !== SEQ_LEDGER_RECORD_VERSION_SESSIONS && bytes[4] !== SEQ_LEDGER_RECORD_VERSION_EXPIRED_REQUESTS) return fields;
  at += bytes[4] === SEQ_LEDGER_RECORD_VERSION_EXPIRED_REQUESTS ? 16 : 8;
  if (at + 4 > end) return fields;
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
    }
  }
  return fields.filter((field) => field.offset < end);
}

const versionedArbitrary: fc.Arbitrary<VersionedSnapshot> = fc.oneof(
  seqLedgerSnapshotArbitrary().map((snapshot) => ({
    version: snapshot.requestsExpiredBelow === 0n ? SEQ_LEDGER_RECORD_VERSION_SESSIONS : SEQ_LEDGER_RECORD_VERSION_EXPIRED_REQUESTS,
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
];

export default defineTarget<VersionedSnapshot>({
  name: 'seq-ledger-record',
  description: 'TSOD record decodeSeqLedgerRecord (v1 and v2) with encodeSeqLedgerRecord and a v1 encoder',
  decode: decodeVersioned,
  rejections: (accepted) => framedRecordRejections(accepted),
  encode: encodeVersioned,
  canonical: true,
  isExpectedError: onlyDecodeError,
  arbitrary: versionedArbitrary,
  seeds: () => seedSnapshots.map(encodeVersioned),
  lengthFields: seqLedgerLengthFields,
  fixup: fixRecordCrc,
  dictionary: [token('TSOD'), Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(0x80), Uint8Array.of(0, 0, 1, 0)],
  inputBytesMax: 16 * 1024,
});
