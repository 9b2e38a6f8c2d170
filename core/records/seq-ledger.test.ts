// The TSOD sequence-ledger record: layouts pinned against bytes computed outside this code base
// (Python struct + bitwise CRC-32C) and against an independent byte builder written here from
// the layout; canonical decoding, every rejection, limits, bit flips and totality.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../codec/crc32c.js';
import { DecodeError } from '../errors.js';
import type { SeqGrant, SeqLedgerSnapshot, SeqSessionResult, SeqSessionSnapshot } from '../ledger.js';
import { SEQ_BATCH_KEYS_MAX, SEQ_COUNT_MAX, SEQ_SESSION_CLIENTS_MAX, SEQ_SESSION_RESULTS_PER_CLIENT_MAX, U64_MAX } from '../limits.js';
import { seqLedgerSnapshotArbitrary } from './arbitraries.js';
import { decodeSeqLedgerRecord, encodeSeqLedgerRecord, seqLedgerSnapshotProblem } from './seq-ledger.js';
import { codeOf, decodeErrorOf, decodeMessageOf, invariantOf } from '../test-support.js';

const fromHex = (text: string): Uint8Array => Uint8Array.from(text.split(' '), (p) => parseInt(p, 16));

/** A byte builder written from the layout, independent of the code under test. */
class Bytes {
  readonly out: number[] = [];
  u8(v: number): this {
    this.out.push(v);
    return this;
  }
  u16(v: number): this {
    this.out.push(v & 0xff, v >>> 8);
    return this;
  }
  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.out.push(Math.floor(v / 2 ** (8 * i)) % 256);
    return this;
  }
  u64(v: bigint): this {
    for (let i = 0n; i < 8n; i++) this.out.push(Number((v >> (8n * i)) & 0xffn));
    return this;
  }
  key(k: string | Uint8Array): this {
    const bytes = typeof k === 'string' ? new TextEncoder().encode(k) : k;
    this.u16(bytes.length);
    this.out.push(...bytes);
    return this;
  }
}

/** `magic | version | body | crc32c`; `crcDelta` corrupts the CRC on purpose. */
function record(version: number, body: (b: Bytes) => void, options: { magic?: string; crcDelta?: number } = {}): Uint8Array {
  const b = new Bytes();
  for (const c of options.magic ?? 'TSOD') b.u8(c.charCodeAt(0));
  b.u8(version);
  body(b);
  const head = Uint8Array.from(b.out);
  b.u32((crc32c(head) ^ (options.crcDelta ?? 0)) >>> 0);
  return Uint8Array.from(b.out);
}

function writeCounters(b: Bytes, s: SeqLedgerSnapshot): void {
  b.u64(BigInt(s.keyCap)).u32(s.counters.length);
  for (const [key, next] of s.counters) b.key(key).u64(next);
}

function writeSessions(b: Bytes, applySeq: bigint, requestsExpiredBelow: bigint | null, sessions: readonly SeqSessionSnapshot[], batches = false): void {
  b.u64(applySeq);
  if (requestsExpiredBelow !== null) b.u64(requestsExpiredBelow);
  b.u32(sessions.length);
  for (const s of sessions) {
    b.u64(s.clientId).u64(s.lastActiveSeq).u64(s.forgottenBelow).u32(s.results.length);
    for (const r of s.results) {
      b.u64(r.requestId).key(r.key).u64(r.start).u32(r.count);
      if (!batches) continue;
      b.u8(r.batch?.length ?? 0);
      for (const g of r.batch?.slice(1) ?? []) b.key(g.key).u64(g.start).u32(g.count);
    }
  }
}

/**
 * The reference encoding of `s` in any version (version 1 drops the sessions, 2 the watermark;
 * version 4 follows each result with its batch length and further grants).
 */
function referenceEncode(s: SeqLedgerSnapshot, version: 1 | 2 | 3 | 4): Uint8Array {
  return record(version, (b) => {
    writeCounters(b, s);
    if (version === 2) writeSessions(b, s.applySeq, null, s.sessions);
    if (version === 3) writeSessions(b, s.applySeq, s.requestsExpiredBelow, s.sessions);
    if (version === 4) writeSessions(b, s.applySeq, s.requestsExpiredBelow, s.sessions, true);
  });
}

/** The version the encoder must choose: 4 with a batch, else 3 with a watermark, else 2. */
function versionOf(s: SeqLedgerSnapshot): 2 | 3 | 4 {
  if (s.sessions.some((session) => session.results.some((r) => r.batch !== undefined))) return 4;
  return s.requestsExpiredBelow === 0n ? 2 : 3;
}

const empty: SeqLedgerSnapshot = { keyCap: 10, counters: [], applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] };

function result(requestId: bigint, key = 'k', start = 0n, count = 1): SeqSessionResult {
  return { requestId, key, start, count };
}

function session(clientId: bigint, results: SeqSessionResult[] = []): SeqSessionSnapshot {
  return { clientId, lastActiveSeq: 1n, forgottenBelow: 0n, results };
}

function grant(key: string, start = 0n, count = 1): SeqGrant {
  return { key, start, count };
}

/** A remembered getSeqBatch: the result's key, start and count are its first grant's. */
function batched(requestId: bigint, grants: SeqGrant[]): SeqSessionResult {
  return { requestId, ...(grants[0] as SeqGrant), batch: grants };
}

describe('TSOD layouts', () => {
  it('reads a version 1 record of the original layout', () => {
    const bytes = fromHex(
      '54 53 4F 44 01 10 27 00 00 00 00 00 00 02 00 00 00 01 00 61 05 00 00 00 00 00 00 00 01 00 62 07 00 00 00 00 00 00 00 04 DA 92 29',
    );
    expect(decodeSeqLedgerRecord(bytes)).toEqual({
      keyCap: 10_000,
      counters: [
        ['a', 5n],
        ['b', 7n],
      ],
      applySeq: 0n,
      requestsExpiredBelow: 0n,
      sessions: [],
    });
    expect(decodeSeqLedgerRecord(fromHex('54 53 4F 44 01 10 27 00 00 00 00 00 00 00 00 00 00 6E 70 44 59'))).toEqual({
      ...empty,
      keyCap: 10_000,
    });
  });

  it('writes version 2 exactly as laid out, and reads it back', () => {
    const snapshot: SeqLedgerSnapshot = {
      keyCap: 10,
      counters: [['k', 3n]],
      applySeq: 4n,
      requestsExpiredBelow: 0n,
      sessions: [{ clientId: 9n, lastActiveSeq: 4n, forgottenBelow: 0n, results: [result(1n, 'k', 0n, 3)] }],
    };
    const golden = fromHex(
      '54 53 4F 44 02 0A 00 00 00 00 00 00 00 01 00 00 00 01 00 6B 03 00 00 00 00 00 00 00 04 00 00 00 00 00 00 00 01 00 00 00 09 00 00 00 00 00 00 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00 00 00 00 00 01 00 6B 00 00 00 00 00 00 00 00 03 00 00 00 18 88 D6 60',
    );
    expect(encodeSeqLedgerRecord(snapshot)).toEqual(golden);
    expect(decodeSeqLedgerRecord(golden)).toEqual(snapshot);
  });

  it('writes the same bytes as the reference builder for any canonical snapshot', () => {
    fc.assert(
      fc.property(seqLedgerSnapshotArbitrary({ batchGrantsMax: 4 }), (s) => {
        expect(encodeSeqLedgerRecord(s)).toEqual(referenceEncode(s, versionOf(s)));
      }),
      { numRuns: 200 },
    );
  });

  it('writes version 3 (the evicted-clients watermark after applySeq) once the watermark is above 0, and reads it back', () => {
    const snapshot: SeqLedgerSnapshot = {
      keyCap: 10,
      counters: [['k', 3n]],
      applySeq: 4n,
      requestsExpiredBelow: 0x0102n,
      sessions: [{ clientId: 9n, lastActiveSeq: 4n, forgottenBelow: 0n, results: [result(1n, 'k', 0n, 3)] }],
    };
    const bytes = encodeSeqLedgerRecord(snapshot);
    expect(bytes[4]).toBe(3);
    expect(bytes).toEqual(referenceEncode(snapshot, 3));
    expect(decodeSeqLedgerRecord(bytes)).toEqual(snapshot);
  });

  it('writes a watermark of 0 as version 2, byte for byte what the previous release wrote, and reads version 2 with a watermark of 0', () => {
    const snapshot: SeqLedgerSnapshot = { ...empty, counters: [['k', 1n]], applySeq: 1n, sessions: [{ clientId: 9n, lastActiveSeq: 1n, forgottenBelow: 0n, results: [result(1n)] }] };
    const bytes = encodeSeqLedgerRecord(snapshot);
    expect(bytes[4]).toBe(2);
    expect(decodeSeqLedgerRecord(referenceEncode(snapshot, 2)).requestsExpiredBelow).toBe(0n);
  });

  it('refuses a version 3 record whose watermark is 0 (not canonical: that is written as version 2)', () => {
    const bytes = referenceEncode({ ...empty, requestsExpiredBelow: 0n }, 3);
    expect(decodeErrorOf(() => decodeSeqLedgerRecord(bytes))).toEqual({ code: 'RECORD_MALFORMED', offset: 25 });
    expect(decodeMessageOf(() => decodeSeqLedgerRecord(bytes))).toMatch('TSOD version 3 with a requestsExpiredBelow of 0 (written as version 2)');
  });
});

describe('TSOD version 4 (remembered getSeqBatch grants)', () => {
  it('writes version 4 exactly as laid out once a session remembers a batch, and reads it back', () => {
    const snapshot: SeqLedgerSnapshot = {
      keyCap: 10,
      counters: [],
      applySeq: 5n,
      requestsExpiredBelow: 0n,
      sessions: [
        session(1n, [
          result(6n, 'a', 2n, 1),
          batched(7n, [
            { key: 'k', start: 0n, count: 3 },
            { key: 'b', start: 9n, count: 2 },
          ]),
        ]),
      ],
    };
    // Laid out by hand: the watermark is always present (0 here), each result is followed by its
    // batch length (0 for a getSeq), and a batch by its grants after the first. The last grant
    // ends the record, so a batch that claims one grant more than its bytes hold is refused.
    const golden = record(4, (b) => {
      b.u64(10n).u32(0).u64(5n).u64(0n).u32(1);
      b.u64(1n).u64(1n).u64(0n).u32(2);
      b.u64(6n).key('a').u64(2n).u32(1).u8(0);
      b.u64(7n).key('k').u64(0n).u32(3).u8(2).key('b').u64(9n).u32(2);
    });
    expect(encodeSeqLedgerRecord(snapshot)).toEqual(golden);
    expect(decodeSeqLedgerRecord(golden)).toEqual(snapshot);
    expect(golden[4]).toBe(4);
  });

  it('keeps the watermark of a version 4 record, 0 or not', () => {
    const snapshot: SeqLedgerSnapshot = {
      ...empty,
      applySeq: 3n,
      requestsExpiredBelow: 0x0102n,
      sessions: [session(1n, [batched(2n, [{ key: 'a', start: 0n, count: 1 }, { key: 'b', start: 0n, count: 1 }])])],
    };
    const bytes = encodeSeqLedgerRecord(snapshot);
    expect(bytes).toEqual(referenceEncode(snapshot, 4));
    expect(decodeSeqLedgerRecord(bytes)).toEqual(snapshot);
  });

  // Offsets: keyCap 5, key count 13, applySeq 17, watermark 25, session count 33, session 37 (its
  // result count at 61), the first result at 65: requestId 65, key 73, start 76, count 84, batch
  // length 88, its second grant at 89 (key 89, start 92, count 100).
  const v4 = (results: (b: Bytes) => void, resultCount = 1): Uint8Array =>
    record(4, (b) => {
      b.u64(10n).u32(0).u64(5n).u64(0n).u32(1).u64(1n).u64(0n).u64(0n).u32(resultCount);
      results(b);
    });
  const head = (b: Bytes, batchLength: number): Bytes => b.u64(7n).key('k').u64(0n).u32(1).u8(batchLength);
  it.each<[string, () => Uint8Array, string, number, RegExp]>([
    ['a batch of one grant', () => v4((b) => head(b, 1).key('b').u64(0n).u32(1)), 'RECORD_MALFORMED', 88, /TSOD batch of 1 grant\(s\), 0 or 2\.\.128 allowed/],
    ['a batch of 129 grants', () => v4((b) => head(b, 129).key('b').u64(0n).u32(1)), 'RECORD_MALFORMED', 88, /TSOD batch of 129 grant\(s\), 0 or 2\.\.128 allowed/],
    // 29 bytes after the length: one grant (15) and most of another, not the two that 3 needs.
    ['a batch of 3 in the bytes of fewer', () => v4((b) => head(b, 3).key('b').u64(0n).u32(1).key('c').u64(0n).u16(0).u8(0)), 'RECORD_MALFORMED', 88, /TSOD batch of 3 grant\(s\) cannot fit 29 byte/],
    ['a batch naming its own key again', () => v4((b) => head(b, 2).key('k').u64(5n).u32(1)), 'RECORD_MALFORMED', 89, /TSOD a batch names a key twice/],
    ['a batch naming another key twice', () => v4((b) => head(b, 3).key('b').u64(0n).u32(1).key('b').u64(1n).u32(1)), 'RECORD_MALFORMED', 104, /TSOD a batch names a key twice/],
    ['a grant of count 0', () => v4((b) => head(b, 2).key('b').u64(0n).u32(0)), 'RECORD_OUT_OF_RANGE', 100, /TSOD batch grant count 0 outside 1\.\.65536/],
    ['a grant above the largest count', () => v4((b) => head(b, 2).key('b').u64(0n).u32(SEQ_COUNT_MAX + 1)), 'RECORD_OUT_OF_RANGE', 100, /TSOD batch grant count 65537 outside/],
    ['a grant ending past 2^64 - 1', () => v4((b) => head(b, 2).key('b').u64(U64_MAX).u32(1)), 'RECORD_OUT_OF_RANGE', 100, /TSOD batch grant ends past 2\^64 - 1/],
    ['a grant key that is not UTF-8', () => v4((b) => head(b, 2).key(Uint8Array.of(0xff)).u64(0n).u32(1)), 'DECODE_BAD_UTF8', 91, /invalid UTF-8/],
    ['an empty grant key', () => v4((b) => head(b, 2).key('').u64(0n).u32(1).u8(0)), 'RECORD_MALFORMED', 89, /TSOD key of 0 byte/],
    ['a batch length missing', () => v4((b) => b.u64(7n).key('k').u64(0n).u32(1)), 'RECORD_MALFORMED', 88, /1 byte\(s\) needed, 0 left/],
    ['a version 4 record without a batch (written as version 2 or 3)', () => v4((b) => head(b, 0)), 'RECORD_MALFORMED', 5, /TSOD version 4 without a batch/],
    ['a version 4 record without any session', () => record(4, (b) => b.u64(10n).u32(0).u64(5n).u64(0n).u32(0)), 'RECORD_MALFORMED', 5, /TSOD version 4 without a batch/],
  ])('rejects %s', (_name, bytes, code, offset, message) => {
    expect(decodeErrorOf(() => decodeSeqLedgerRecord(bytes()))).toEqual({ code, offset });
    expect(decodeMessageOf(() => decodeSeqLedgerRecord(bytes()))).toMatch(message);
  });

  /** `n` grants on distinct keys k0, k1, ...; the first can be given. */
  const grants = (n: number, first: SeqGrant = { key: 'k0', start: 0n, count: 1 }): SeqGrant[] => [
    first,
    ...Array.from({ length: n - 1 }, (_, i) => ({ key: `k${i + 1}`, start: BigInt(i), count: 1 })),
  ];
  /** A session of `batches` batches of 128 grants (then `singles` getSeq results). */
  const fullSession = (batches: number, singles: number): SeqSessionSnapshot =>
    session(1n, [
      ...Array.from({ length: batches }, (_, i) => batched(BigInt(i), grants(128))),
      ...Array.from({ length: singles }, (_, i) => result(BigInt(batches + i))),
    ]);

  it('accepts a session of exactly 1,024 grants, each at its edges, and refuses one grant more', () => {
    const edges = grants(128, { key: 'k0', start: U64_MAX - BigInt(SEQ_COUNT_MAX), count: SEQ_COUNT_MAX });
    const atMax: SeqLedgerSnapshot = { ...empty, applySeq: 1n, sessions: [session(1n, [...fullSession(7, 0).results, batched(7n, edges)])] };
    expect(seqLedgerSnapshotProblem(atMax)).toBeUndefined();
    expect(decodeSeqLedgerRecord(encodeSeqLedgerRecord(atMax))).toEqual(atMax);
    const twoGrants: SeqLedgerSnapshot = { ...empty, applySeq: 1n, sessions: [session(1n, [batched(1n, grants(2))])] };
    expect(decodeSeqLedgerRecord(encodeSeqLedgerRecord(twoGrants))).toEqual(twoGrants);

    // One getSeq result after 1,024 grants of batches: refused where the session starts.
    const overBySingle: SeqLedgerSnapshot = { ...empty, applySeq: 1n, sessions: [fullSession(8, 1)] };
    expect(seqLedgerSnapshotProblem(overBySingle)).toBe('grants_above_max');
    const bySingle = referenceEncode(overBySingle, 4);
    expect(decodeErrorOf(() => decodeSeqLedgerRecord(bySingle))).toEqual({ code: 'RECORD_MALFORMED', offset: 37 });
    expect(decodeMessageOf(() => decodeSeqLedgerRecord(bySingle))).toMatch('TSOD session remembers more than 1024 grants');

    // A batch that takes a session past 1,024 grants: refused at that batch's length byte.
    const overByBatch: SeqLedgerSnapshot = { ...empty, applySeq: 1n, sessions: [session(1n, [...fullSession(8, 0).results, batched(8n, grants(2))])] };
    expect(seqLedgerSnapshotProblem(overByBatch)).toBe('grants_above_max');
    const byBatch = referenceEncode(overByBatch, 4);
    // The ninth batch's length byte is followed by one grant ('k1': 2 + 2 + 8 + 4 bytes) and the CRC.
    const ninthBatchLength = byBatch.length - 4 - 16 - 1;
    expect(decodeErrorOf(() => decodeSeqLedgerRecord(byBatch))).toEqual({ code: 'RECORD_MALFORMED', offset: ninthBatchLength });
    expect(decodeMessageOf(() => decodeSeqLedgerRecord(byBatch))).toMatch('TSOD session remembers more than 1024 grants');
  });
});

describe('TSOD properties', () => {
  it('round-trips canonical snapshots, and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(seqLedgerSnapshotArbitrary({ batchGrantsMax: 4 }), (s) => {
        const bytes = encodeSeqLedgerRecord(s);
        const decoded = decodeSeqLedgerRecord(bytes);
        expect(decoded).toEqual(s);
        expect(encodeSeqLedgerRecord(decoded)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('reads every version 1 record as the same counters with no sessions', () => {
    fc.assert(
      fc.property(seqLedgerSnapshotArbitrary({ sessionsMax: 0 }), (s) => {
        expect(decodeSeqLedgerRecord(referenceEncode(s, 1))).toEqual(s);
      }),
      { numRuns: 200 },
    );
  });

  it('detects every single-bit flip of a valid record', () => {
    fc.assert(
      fc.property(seqLedgerSnapshotArbitrary({ keysMax: 3, sessionsMax: 2, resultsPerSessionMax: 2, batchGrantsMax: 3 }), fc.constantFrom<1 | 2>(1, 2), (s, version) => {
        const good = version === 2 ? encodeSeqLedgerRecord(s) : referenceEncode({ ...s, applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] }, 1);
        for (let bit = 0; bit < good.length * 8; bit++) {
          const flipped = good.slice();
          flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
          expect(() => decodeSeqLedgerRecord(flipped)).toThrow(DecodeError);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('decodes canonically: any body it accepts (with a good CRC) re-encodes to the same bytes', () => {
    // Mutate the body of a valid record, then fix the CRC so the parser itself is exercised.
    fc.assert(
      fc.property(
        seqLedgerSnapshotArbitrary({ keysMax: 3, sessionsMax: 2, resultsPerSessionMax: 2, batchGrantsMax: 3 }),
        fc.constantFrom<1 | 2>(1, 2),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -3, max: 3 }),
        (s, encoded, edits, lengthChange) => {
          // `encoded`: 2 is what the encoder writes (version 2, 3 or 4), 1 the original's layout.
          const version = encoded === 2 ? versionOf(s) : 1;
          const good = encoded === 2 ? encodeSeqLedgerRecord(s) : referenceEncode({ ...s, applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] }, 1);
          const body = Array.from(good.subarray(5, good.length - 4));
          for (const [at, value] of edits) if (body.length > 0) body[at % body.length] = value;
          if (lengthChange > 0) body.push(...new Array<number>(lengthChange).fill(0));
          else body.length = Math.max(0, body.length + lengthChange);
          const mutated = record(version, (b) => b.out.push(...body));
          try {
            const decoded = decodeSeqLedgerRecord(mutated);
            expect(seqLedgerSnapshotProblem(decoded)).toBeUndefined();
            expect(referenceEncode(decoded, version)).toEqual(mutated);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is total on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }),
          fc.tuple(fc.constantFrom(1, 2, 3, 4), fc.uint8Array({ maxLength: 80 })).map(([version, body]) => record(version, (b) => b.out.push(...body))),
        ),
        (bytes) => {
          try {
            decodeSeqLedgerRecord(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('TSOD rejections', () => {
  const v1 = (body: (b: Bytes) => void, options?: { magic?: string; crcDelta?: number }): Uint8Array => record(1, body, options);
  const v2 = (body: (b: Bytes) => void): Uint8Array => record(2, body);

  // Offsets: the v1 body starts at 5 (keyCap 5..12, key count 13..16, first key 17); a v2 body
  // continues with applySeq, then the session count at 25 and the first session at 29 (its result
  // count at 53, its first result at 57: requestId 57, key 65, start 68, count 76).
  const sessionHead = (b: Bytes, resultCount: number): Bytes => b.u64(10n).u32(0).u64(5n).u32(1).u64(1n).u64(0n).u64(0n).u32(resultCount);
  it.each<[string, () => Uint8Array, string, number, RegExp]>([
    ['an empty file', () => new Uint8Array(0), 'RECORD_TOO_SHORT', 0, /TSOD record of 0 byte/],
    ['a header and CRC only', () => v1(() => undefined), 'RECORD_TOO_SHORT', 0, /TSOD v1 record of 9 byte\(s\), at least 21/],
    ['a version 2 record without the session header', () => v2((b) => b.u64(10n).u32(0)), 'RECORD_TOO_SHORT', 0, /TSOD v2 record of 21 byte\(s\), at least 33/],
    ['a foreign magic', () => v1((b) => b.u64(10n).u32(0), { magic: 'TSOR' }), 'RECORD_BAD_MAGIC', 0, /not a TSOD record/],
    ['version 0', () => record(0, (b) => b.u64(10n).u32(0)), 'RECORD_UNSUPPORTED_VERSION', 4, /TSOD version 0/],
    ['version 5', () => record(5, (b) => b.u64(10n).u32(0).u64(0n).u64(1n).u32(0)), 'RECORD_UNSUPPORTED_VERSION', 4, /TSOD version 5/],
    ['a wrong CRC', () => v1((b) => b.u64(10n).u32(0), { crcDelta: 1 }), 'RECORD_CRC_MISMATCH', 17, /TSOD checksum mismatch/],
    ['a key cap of 2^32', () => v1((b) => b.u64(2n ** 32n).u32(0)), 'RECORD_OUT_OF_RANGE', 5, /key cap 4294967296 above 2\^32 - 1/],
    ['a key cap of u64 max', () => v1((b) => b.u64(U64_MAX).u32(0)), 'RECORD_OUT_OF_RANGE', 5, /key cap 18446744073709551615 above/],
    ['more keys than the cap', () => v1((b) => b.u64(1n).u32(2).key('a').u64(1n).key('b').u64(1n)), 'RECORD_MALFORMED', 13, /TSOD 2 key\(s\), at most 1/],
    ['a key count the bytes cannot hold', () => v1((b) => b.u64(10n).u32(5).key('a').u64(1n)), 'RECORD_MALFORMED', 13, /TSOD 5 key\(s\) cannot fit 11 byte/],
    // 22 bytes hold two smallest entries (11 each), not three: a smaller entry size lets it past.
    ['three keys in the bytes of two', () => v1((b) => b.u64(10n).u32(3).key('a').u64(1n).key('b').u64(1n)), 'RECORD_MALFORMED', 13, /TSOD 3 key\(s\) cannot fit 22 byte/],
    // 32 bytes hold two entries and most of a third (27 would pass a 9-byte entry size).
    ['three keys in 32 bytes', () => v1((b) => b.u64(10n).u32(3).key('a').u64(1n).key('b').u64(1n).u64(0n).u16(0)), 'RECORD_MALFORMED', 13, /TSOD 3 key\(s\) cannot fit 32 byte/],
    ['an empty key', () => v1((b) => b.u64(10n).u32(1).key('').u64(1n).u64(0n)), 'RECORD_MALFORMED', 17, /TSOD key of 0 byte/],
    ['a key of 129 bytes', () => v1((b) => b.u64(10n).u32(1).key('x'.repeat(129)).u64(1n)), 'RECORD_MALFORMED', 17, /TSOD key of 129 byte/],
    ['a key length past the end', () => v1((b) => b.u64(10n).u32(1).u16(100).u64(0n).u8(0)), 'RECORD_MALFORMED', 19, /100 byte\(s\) needed, 9 left/],
    ['duplicate keys', () => v1((b) => b.u64(10n).u32(2).key('a').u64(1n).key('a').u64(2n)), 'RECORD_MALFORMED', 28, /TSOD keys not strictly ascending/],
    ['keys out of order', () => v1((b) => b.u64(10n).u32(2).key('b').u64(1n).key('a').u64(2n)), 'RECORD_MALFORMED', 28, /TSOD keys not strictly ascending/],
    [
      'keys in UTF-16 order but not UTF-8 order',
      () => v1((b) => b.u64(10n).u32(2).key('\u{10000}').u64(1n).key('\uffff').u64(2n)),
      'RECORD_MALFORMED',
      31,
      /TSOD keys not strictly ascending/,
    ],
    ['a key that is not UTF-8', () => v1((b) => b.u64(10n).u32(1).key(Uint8Array.of(0xc0, 0x80)).u64(1n)), 'DECODE_BAD_UTF8', 19, /invalid UTF-8/],
    ['a second key that is not UTF-8', () => v1((b) => b.u64(10n).u32(2).key('a').u64(1n).key(Uint8Array.of(0xff)).u64(1n)), 'DECODE_BAD_UTF8', 30, /invalid UTF-8/],
    ['a truncated counter', () => v1((b) => b.u64(10n).u32(1).key('abcdef').u32(1)), 'RECORD_MALFORMED', 25, /8 byte\(s\) needed, 4 left/],
    ['a version 1 body with trailing bytes', () => v1((b) => b.u64(10n).u32(0).u8(0)), 'RECORD_MALFORMED', 17, /TSOD 1 unread byte\(s\) in the body/],
    ['a version 2 body with trailing bytes', () => v2((b) => b.u64(10n).u32(0).u64(0n).u32(0).u8(0)), 'RECORD_MALFORMED', 29, /TSOD 1 unread byte\(s\) in the body/],
    [
      'sessions out of order',
      () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(2).u64(2n).u64(0n).u64(0n).u32(0).u64(1n).u64(0n).u64(0n).u32(0)),
      'RECORD_MALFORMED',
      57,
      /TSOD sessions not strictly ascending by clientId/,
    ],
    [
      'duplicate sessions',
      () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(2).u64(2n).u64(0n).u64(0n).u32(0).u64(2n).u64(0n).u64(0n).u32(0)),
      'RECORD_MALFORMED',
      57,
      /TSOD sessions not strictly ascending by clientId/,
    ],
    ['a session count the bytes cannot hold', () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(3).u64(2n).u64(0n).u64(0n).u32(0)), 'RECORD_MALFORMED', 25, /TSOD 3 session\(s\) cannot fit 28 byte/],
    ['a result count the bytes cannot hold', () => v2((b) => sessionHead(b, 2).u64(7n).key('k').u64(0n).u32(1)), 'RECORD_MALFORMED', 53, /TSOD 2 result\(s\) cannot fit 23 byte/],
    ['results out of order', () => v2((b) => sessionHead(b, 2).u64(7n).key('k').u64(0n).u32(1).u64(6n).key('k').u64(1n).u32(1)), 'RECORD_MALFORMED', 80, /TSOD results not strictly ascending by requestId/],
    ['duplicate results', () => v2((b) => sessionHead(b, 2).u64(7n).key('k').u64(0n).u32(1).u64(7n).key('k').u64(1n).u32(1)), 'RECORD_MALFORMED', 80, /TSOD results not strictly ascending by requestId/],
    ['a result of count 0', () => v2((b) => sessionHead(b, 1).u64(7n).key('k').u64(0n).u32(0)), 'RECORD_OUT_OF_RANGE', 76, /TSOD result count 0 outside 1\.\.65536/],
    ['a result above the largest getSeq count', () => v2((b) => sessionHead(b, 1).u64(7n).key('k').u64(0n).u32(SEQ_COUNT_MAX + 1)), 'RECORD_OUT_OF_RANGE', 76, /TSOD result count 65537 outside/],
    ['a result block ending past 2^64 - 1', () => v2((b) => sessionHead(b, 1).u64(7n).key('k').u64(U64_MAX).u32(1)), 'RECORD_OUT_OF_RANGE', 76, /TSOD result block ends past 2\^64 - 1/],
    ['a result key that is not UTF-8', () => v2((b) => sessionHead(b, 1).u64(7n).key(Uint8Array.of(0xff)).u64(0n).u32(1)), 'DECODE_BAD_UTF8', 67, /invalid UTF-8/],
    ['an empty result key', () => v2((b) => sessionHead(b, 1).u64(7n).key('').u64(0n).u32(1).u64(0n)), 'RECORD_MALFORMED', 65, /TSOD key of 0 byte/],
    ['a result with one byte too many', () => v2((b) => sessionHead(b, 1).u64(7n).key('k').u64(0n).u16(1).u8(0).u8(0).u8(0)), 'RECORD_MALFORMED', 80, /TSOD 1 unread byte/],
  ])('rejects %s', (_name, bytes, code, offset, message) => {
    expect(decodeErrorOf(() => decodeSeqLedgerRecord(bytes()))).toEqual({ code, offset });
    expect(decodeMessageOf(() => decodeSeqLedgerRecord(bytes()))).toMatch(message);
  });

  it('reads a record of each version at its smallest size, and refuses one byte less as too short', () => {
    const smallest = new Map<number, (b: Bytes) => void>([
      [1, (b) => b.u64(0n).u32(0)],
      [2, (b) => b.u64(0n).u32(0).u64(0n).u32(0)],
      [3, (b) => b.u64(0n).u32(0).u64(0n).u64(1n).u32(0)],
    ]);
    for (const [version, body] of smallest) {
      const bytes = record(version, body);
      expect(decodeSeqLedgerRecord(bytes).keyCap).toBe(0);
      const short = record(version, (b) => {
        body(b);
        b.out.pop();
      });
      expect(decodeErrorOf(() => decodeSeqLedgerRecord(short))).toEqual({ code: 'RECORD_TOO_SHORT', offset: 0 });
      expect(decodeMessageOf(() => decodeSeqLedgerRecord(short))).toMatch(`TSOD v${version} record of ${bytes.length - 1} byte(s), at least ${bytes.length}`);
    }
    // Version 4's smallest size is version 3's (41 bytes): a body one byte shorter is refused by
    // its size before anything in it is read.
    const v4Short = record(4, (b) => b.u64(0n).u32(0).u64(0n).u64(0n).u8(0).u8(0).u8(0));
    expect(decodeErrorOf(() => decodeSeqLedgerRecord(v4Short))).toEqual({ code: 'RECORD_TOO_SHORT', offset: 0 });
    expect(decodeMessageOf(() => decodeSeqLedgerRecord(v4Short))).toMatch('TSOD v4 record of 40 byte(s), at least 41 needed');
  });

  it('accepts the limits and rejects one past each', () => {
    expect(decodeSeqLedgerRecord(v1((b) => b.u64(2n ** 32n - 1n).u32(0))).keyCap).toBe(2 ** 32 - 1);
    const longKey = 'x'.repeat(128);
    expect(decodeSeqLedgerRecord(v1((b) => b.u64(1n).u32(1).key(longKey).u64(1n))).counters).toEqual([[longKey, 1n]]);

    const sessions = (n: number): SeqSessionSnapshot[] => Array.from({ length: n }, (_, i) => session(BigInt(i), [result(1n)]));
    const atMax: SeqLedgerSnapshot = { ...empty, applySeq: 1n, requestsExpiredBelow: 0n, sessions: sessions(SEQ_SESSION_CLIENTS_MAX) };
    expect(decodeSeqLedgerRecord(encodeSeqLedgerRecord(atMax))).toEqual(atMax);
    expect(codeOf(() => decodeSeqLedgerRecord(v2((b) => writeSessions(b.u64(10n).u32(0), 1n, null, sessions(SEQ_SESSION_CLIENTS_MAX + 1)))))).toBe(
      'RECORD_MALFORMED',
    );

    const results = (n: number): SeqSessionResult[] => Array.from({ length: n }, (_, i) => result(BigInt(i), 'k', BigInt(i), 1));
    const fullSession: SeqLedgerSnapshot = { ...empty, applySeq: 1n, requestsExpiredBelow: 0n, sessions: [session(1n, results(SEQ_SESSION_RESULTS_PER_CLIENT_MAX))] };
    expect(decodeSeqLedgerRecord(encodeSeqLedgerRecord(fullSession))).toEqual(fullSession);
    expect(
      codeOf(() => decodeSeqLedgerRecord(v2((b) => writeSessions(b.u64(10n).u32(0), 1n, null, [session(1n, results(SEQ_SESSION_RESULTS_PER_CLIENT_MAX + 1))])))),
    ).toBe('RECORD_MALFORMED');
  });
});

describe('TSOD encoder preconditions', () => {
  it('orders keys by UTF-8 bytes, not by JavaScript string order', () => {
    const utf8Order: SeqLedgerSnapshot = { ...empty, counters: [['\uffff', 1n], ['\u{10000}', 2n]] };
    expect(seqLedgerSnapshotProblem(utf8Order)).toBeUndefined();
    expect(decodeSeqLedgerRecord(encodeSeqLedgerRecord(utf8Order))).toEqual(utf8Order);
    expect(seqLedgerSnapshotProblem({ ...empty, counters: [['\u{10000}', 2n], ['\uffff', 1n]] })).toBe('keys_not_strictly_ascending');
  });

  it.each<[string, SeqLedgerSnapshot, string]>([
    ['a key cap above u32', { ...empty, keyCap: 2 ** 32 }, 'key_cap_not_u32'],
    ['a fractional key cap', { ...empty, keyCap: 1.5 }, 'key_cap_not_u32'],
    ['more keys than the cap', { ...empty, keyCap: 1, counters: [['a', 1n], ['b', 1n]] }, 'key_count_above_cap'],
    ['duplicate keys', { ...empty, counters: [['a', 1n], ['a', 2n]] }, 'keys_not_strictly_ascending'],
    ['an empty key', { ...empty, counters: [['', 1n]] }, 'counter_key_length_out_of_range'],
    ['a key of 129 bytes', { ...empty, counters: [['\u00e9'.repeat(64) + 'x', 1n]] }, 'counter_key_length_out_of_range'],
    ['a key with a lone surrogate', { ...empty, counters: [['a\ud800', 1n]] }, 'counter_key_not_well_formed'],
    ['a negative counter', { ...empty, counters: [['a', -1n]] }, 'counter_not_u64'],
    ['a counter above u64', { ...empty, counters: [['a', U64_MAX + 1n]] }, 'counter_not_u64'],
    ['an applySeq above u64', { ...empty, applySeq: U64_MAX + 1n }, 'apply_seq_not_u64'],
    ['sessions out of order', { ...empty, sessions: [session(2n), session(1n)] }, 'sessions_not_strictly_ascending'],
    ['results out of order', { ...empty, sessions: [session(1n, [result(2n), result(1n)])] }, 'results_not_strictly_ascending'],
    ['a result of count 0', { ...empty, sessions: [session(1n, [result(1n, 'k', 0n, 0)])] }, 'result_count_out_of_range'],
    ['a result block past u64', { ...empty, sessions: [session(1n, [result(1n, 'k', U64_MAX, 1)])] }, 'result_end_above_u64'],
    [
      'too many sessions',
      { ...empty, sessions: Array.from({ length: SEQ_SESSION_CLIENTS_MAX + 1 }, (_, i) => session(BigInt(i))) },
      'sessions_above_max',
    ],
    ['a negative key cap', { ...empty, keyCap: -1 }, 'key_cap_not_u32'],
    ['a negative watermark', { ...empty, requestsExpiredBelow: -1n }, 'clients_expired_below_not_u64'],
    ['a watermark above u64', { ...empty, requestsExpiredBelow: U64_MAX + 1n }, 'clients_expired_below_not_u64'],
    ['a watermark that is not a bigint', { ...empty, requestsExpiredBelow: 0 as unknown as bigint }, 'clients_expired_below_not_u64'],
    ['a negative clientId', { ...empty, sessions: [{ ...session(1n), clientId: -1n }] }, 'session_field_not_u64'],
    ['a lastActiveSeq above u64', { ...empty, sessions: [{ ...session(1n), lastActiveSeq: U64_MAX + 1n }] }, 'session_field_not_u64'],
    ['a negative forgottenBelow', { ...empty, sessions: [{ ...session(1n), forgottenBelow: -1n }] }, 'session_field_not_u64'],
    ['two sessions of one client', { ...empty, sessions: [session(1n), session(1n)] }, 'sessions_not_strictly_ascending'],
    [
      'a session of 1,025 results',
      { ...empty, sessions: [session(1n, Array.from({ length: SEQ_SESSION_RESULTS_PER_CLIENT_MAX + 1 }, (_, i) => result(BigInt(i))))] },
      'results_above_max',
    ],
    ['a negative requestId', { ...empty, sessions: [session(1n, [result(-1n)])] }, 'request_id_not_u64'],
    ['two results of one request', { ...empty, sessions: [session(1n, [result(2n), result(2n)])] }, 'results_not_strictly_ascending'],
    ['an empty result key', { ...empty, sessions: [session(1n, [result(1n, '')])] }, 'result_key_length_out_of_range'],
    ['a result key with a lone surrogate', { ...empty, sessions: [session(1n, [result(1n, 'k\udc00')])] }, 'result_key_not_well_formed'],
    ['a bad result key after a good one', { ...empty, sessions: [session(1n, [result(1n, 'k'), result(2n, 'x'.repeat(129))])] }, 'result_key_length_out_of_range'],
    ['a negative result start', { ...empty, sessions: [session(1n, [result(1n, 'k', -1n)])] }, 'result_start_not_u64'],
    ['a result above the largest count', { ...empty, sessions: [session(1n, [result(1n, 'k', 0n, SEQ_COUNT_MAX + 1)])] }, 'result_count_out_of_range'],
    ['a fractional result count', { ...empty, sessions: [session(1n, [result(1n, 'k', 0n, 1.5)])] }, 'result_count_out_of_range'],
    ['a batch of one grant', { ...empty, sessions: [session(1n, [batched(1n, [grant('k')])])] }, 'batch_length_out_of_range'],
    [
      'a batch of 129 grants',
      { ...empty, sessions: [session(1n, [batched(1n, Array.from({ length: SEQ_BATCH_KEYS_MAX + 1 }, (_, i) => grant(`k${i}`)))])] },
      'batch_length_out_of_range',
    ],
    ['a batch whose first grant has another key', { ...empty, sessions: [session(1n, [{ ...result(1n, 'k'), batch: [grant('a'), grant('b')] }])] }, 'batch_first_grant_mismatch'],
    ['a batch whose first grant has another start', { ...empty, sessions: [session(1n, [{ ...result(1n, 'a'), batch: [grant('a', 1n), grant('b')] }])] }, 'batch_first_grant_mismatch'],
    ['a batch whose first grant has another count', { ...empty, sessions: [session(1n, [{ ...result(1n, 'a'), batch: [grant('a', 0n, 2), grant('b')] }])] }, 'batch_first_grant_mismatch'],
    ['a batch with an empty key', { ...empty, sessions: [session(1n, [batched(1n, [grant('a'), grant('')])])] }, 'batch_key_length_out_of_range'],
    ['a batch naming a key twice', { ...empty, sessions: [session(1n, [batched(1n, [grant('a'), grant('b'), grant('a', 5n)])])] }, 'batch_key_repeated'],
    ['a batch grant with a negative start', { ...empty, sessions: [session(1n, [batched(1n, [grant('a'), grant('b', -1n)])])] }, 'batch_start_not_u64'],
    ['a batch grant of count 0', { ...empty, sessions: [session(1n, [batched(1n, [grant('a'), grant('b', 0n, 0)])])] }, 'batch_count_out_of_range'],
    ['a batch grant above the largest count', { ...empty, sessions: [session(1n, [batched(1n, [grant('a'), grant('b', 0n, SEQ_COUNT_MAX + 1)])])] }, 'batch_count_out_of_range'],
    ['a fractional batch grant count', { ...empty, sessions: [session(1n, [batched(1n, [grant('a'), grant('b', 0n, 1.5)])])] }, 'batch_count_out_of_range'],
    ['a batch grant ending past u64', { ...empty, sessions: [session(1n, [batched(1n, [grant('a'), grant('b', U64_MAX, 1)])])] }, 'batch_end_above_u64'],
  ])('refuses to encode %s (a bug in the ledger)', (_name, snapshot, problem) => {
    expect(seqLedgerSnapshotProblem(snapshot)).toBe(problem);
    expect(invariantOf(() => encodeSeqLedgerRecord(snapshot))).toBe('seq_ledger_snapshot_canonical');
  });

  it.each<[string, SeqLedgerSnapshot]>([
    ['a key cap of 0 with no keys', { ...empty, keyCap: 0 }],
    ['a key cap of 2^32 - 1', { ...empty, keyCap: 2 ** 32 - 1 }],
    ['a watermark of u64 max', { ...empty, requestsExpiredBelow: U64_MAX }],
    ['session fields at u64 max', { ...empty, sessions: [{ clientId: U64_MAX, lastActiveSeq: U64_MAX, forgottenBelow: U64_MAX, results: [] }] }],
    ['a result at the largest count, ending at u64 max', { ...empty, sessions: [session(1n, [result(U64_MAX, 'k', U64_MAX - BigInt(SEQ_COUNT_MAX), SEQ_COUNT_MAX)])] }],
    ['a batch of two grants, the second at its edges', { ...empty, sessions: [session(1n, [batched(1n, [grant('a'), grant('b', U64_MAX - 1n, 1)])])] }],
    [
      'a batch of 128 grants at the largest count',
      { ...empty, sessions: [session(1n, [batched(1n, Array.from({ length: SEQ_BATCH_KEYS_MAX }, (_, i) => grant(`k${i}`, 0n, SEQ_COUNT_MAX)))])] },
    ],
  ])('encodes %s (at a limit) and reads it back', (_name, snapshot) => {
    expect(seqLedgerSnapshotProblem(snapshot)).toBeUndefined();
    expect(decodeSeqLedgerRecord(encodeSeqLedgerRecord(snapshot))).toEqual(snapshot);
  });
});
