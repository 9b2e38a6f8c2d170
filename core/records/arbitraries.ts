// TEST SUPPORT ONLY (imports fast-check, a dev dependency; not exported from any index):
// fast-check arbitraries for the record formats, shared by the record tests, the ledger's tests
// and the fuzz targets.
//
// Invariant: every snapshot drawn here is canonical (`seqLedgerSnapshotProblem` is undefined):
// keys unique and sorted by UTF-8 bytes, sessions by clientId, results by requestId, every size
// within its limit.
import fc from 'fast-check';
import { compareUtf8, utf8ByteLength } from '../codec/utf8.js';
import type { SeqGrant, SeqLedgerSnapshot, SeqSessionResult, SeqSessionSnapshot } from '../ledger.js';
import { PHYSICAL_MS_MAX, SEQ_BATCH_KEYS_MAX, SEQ_COUNT_MAX, SEQ_KEY_BYTES_MAX, SEQ_SESSION_RESULTS_PER_CLIENT_MAX, U64_MAX } from '../limits.js';
import { SEQ_LEDGER_KEY_CAP_MAX } from './seq-ledger.js';

const compareBigint = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** u64 values biased toward the edges (0, 2^32, 2^53, 2^64 − 1). */
export const u64Arbitrary: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: U64_MAX }),
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.constantFrom(0n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, U64_MAX - 1n, U64_MAX),
);

/** High-water physical ms in [0, PHYSICAL_MS_MAX], edges included. */
export const highWaterMsArbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: PHYSICAL_MS_MAX }),
  fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, PHYSICAL_MS_MAX - 1, PHYSICAL_MS_MAX),
);

/** A valid sequence key: well-formed, 1–128 UTF-8 bytes; ASCII, multi-byte and astral. */
export const seqKeyArbitrary: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: SEQ_KEY_BYTES_MAX }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: SEQ_KEY_BYTES_MAX / 4 }),
    fc.string({ unit: fc.constantFrom('a', 'b', '\u00e9', '\uffff', '\ud83d\ude00', '\ufeff'), minLength: 1, maxLength: 8 }),
  )
  .filter((key) => {
    const length = utf8ByteLength(key);
    return length >= 1 && length <= SEQ_KEY_BYTES_MAX;
  });

export interface SeqLedgerSnapshotArbitraryOptions {
  /** Most distinct keys drawn (default 8). */
  readonly keysMax?: number;
  /** Most sessions drawn (default 4); 0 gives version-1-shaped snapshots with applySeq 0. */
  readonly sessionsMax?: number;
  /** Most results per session drawn (default 4). */
  readonly resultsPerSessionMax?: number;
  /**
   * Most grants in a remembered getSeqBatch (default 0: no batches, so records are version 1–3).
   * Above 1, some results carry a batch of 2..batchGrantsMax grants (version 4 records).
   */
  readonly batchGrantsMax?: number;
}

const grantArbitrary: fc.Arbitrary<SeqGrant> = fc
  .record({ key: seqKeyArbitrary, count: fc.oneof(fc.integer({ min: 1, max: SEQ_COUNT_MAX }), fc.constantFrom(1, SEQ_COUNT_MAX)) })
  .chain(({ key, count }) => fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX - BigInt(count) }), fc.constant(U64_MAX - BigInt(count))).map((start) => ({ key, start, count })));

/**
 * A remembered result; with `batchGrantsMax` ≥ 2, half of them a getSeqBatch of 2..max grants
 * with distinct keys, the result's own key, start and count being the first grant's.
 */
function resultArbitrary(batchGrantsMax: number): fc.Arbitrary<SeqSessionResult> {
  const single = fc.record({ requestId: u64Arbitrary, grant: grantArbitrary }).map(({ requestId, grant }) => ({ requestId, ...grant }));
  if (batchGrantsMax < 2) return single;
  const batch = fc
    .record({ requestId: u64Arbitrary, grants: fc.uniqueArray(grantArbitrary, { minLength: 2, maxLength: Math.min(batchGrantsMax, SEQ_BATCH_KEYS_MAX), selector: (g) => g.key }) })
    .map(({ requestId, grants }) => ({ requestId, ...(grants[0] as SeqGrant), batch: grants }));
  return fc.oneof(single, batch);
}

/** Canonical sequence-ledger snapshots. */
export function seqLedgerSnapshotArbitrary(options: SeqLedgerSnapshotArbitraryOptions = {}): fc.Arbitrary<SeqLedgerSnapshot> {
  const keysMax = options.keysMax ?? 8;
  const sessionsMax = options.sessionsMax ?? 4;
  const resultsPerSessionMax = options.resultsPerSessionMax ?? 4;
  const batchGrantsMax = options.batchGrantsMax ?? 0;
  // Canonical: a session remembers at most SEQ_SESSION_RESULTS_PER_CLIENT_MAX grants.
  if (resultsPerSessionMax * Math.max(1, batchGrantsMax) > SEQ_SESSION_RESULTS_PER_CLIENT_MAX) {
    throw new Error(`${resultsPerSessionMax} results of up to ${batchGrantsMax} grants can pass ${SEQ_SESSION_RESULTS_PER_CLIENT_MAX} grants a session`);
  }
  const results = resultArbitrary(batchGrantsMax);

  const counters = fc
    .uniqueArray(fc.tuple(seqKeyArbitrary, u64Arbitrary), { maxLength: keysMax, selector: ([key]) => key })
    .map((pairs) => [...pairs].sort(([a], [b]) => compareUtf8(a, b)).map(([key, next]) => [key, next] as const));

  const session: fc.Arbitrary<SeqSessionSnapshot> = fc.record({
    clientId: u64Arbitrary,
    lastActiveSeq: u64Arbitrary,
    forgottenBelow: u64Arbitrary,
    results: fc
      .uniqueArray(results, { maxLength: resultsPerSessionMax, selector: (r) => r.requestId })
      .map((results) => [...results].sort((a, b) => compareBigint(a.requestId, b.requestId))),
  });
  const sessions =
    sessionsMax === 0
      ? fc.constant([] as SeqSessionSnapshot[])
      : fc.uniqueArray(session, { maxLength: sessionsMax, selector: (s) => s.clientId }).map((s) => [...s].sort((a, b) => compareBigint(a.clientId, b.clientId)));

  return fc
    .record({
      counters,
      extraCap: fc.oneof(fc.nat(20_000), fc.constant(0)),
      capAtMax: fc.boolean(),
      applySeq: sessionsMax === 0 ? fc.constant(0n) : u64Arbitrary,
      // Half the time 0 (written as version 2), else any u64 (version 3).
      requestsExpiredBelow: sessionsMax === 0 ? fc.constant(0n) : fc.oneof(fc.constant(0n), u64Arbitrary),
      sessions,
    })
    .map(({ counters: c, extraCap, capAtMax, applySeq, requestsExpiredBelow, sessions: s }) => ({
      keyCap: capAtMax ? SEQ_LEDGER_KEY_CAP_MAX : c.length + extraCap,
      counters: c,
      applySeq,
      requestsExpiredBelow,
      sessions: s,
    }));
}
