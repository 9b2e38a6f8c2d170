// The TSOD sequence-ledger record: layouts pinned against bytes computed outside this code base
// (Python struct + bitwise CRC-32C) and against an independent byte builder written here from
// the layout; canonical decoding, every rejection, limits, bit flips and totality.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.js';
import { crc32c } from '../codec/crc32c.js';
import { DecodeError } from '../errors.js';
import type { SeqLedgerSnapshot, SeqSessionResult, SeqSessionSnapshot } from '../ledger.js';
import { SEQ_COUNT_MAX, SEQ_SESSION_CLIENTS_MAX, SEQ_SESSION_RESULTS_PER_CLIENT_MAX, U64_MAX } from '../limits.js';
import { seqLedgerSnapshotArbitrary } from './arbitraries.js';
import { decodeSeqLedgerRecord, encodeSeqLedgerRecord, seqLedgerSnapshotProblem } from './seq-ledger.js';
import { codeOf } from '../test-support.js';

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

function writeSessions(b: Bytes, applySeq: bigint, requestsExpiredBelow: bigint | null, sessions: readonly SeqSessionSnapshot[]): void {
  b.u64(applySeq);
  if (requestsExpiredBelow !== null) b.u64(requestsExpiredBelow);
  b.u32(sessions.length);
  for (const s of sessions) {
    b.u64(s.clientId).u64(s.lastActiveSeq).u64(s.forgottenBelow).u32(s.results.length);
    for (const r of s.results) b.u64(r.requestId).key(r.key).u64(r.start).u32(r.count);
  }
}

/** The reference encoding of `s` in any version (version 1 drops the sessions, 2 the watermark). */
function referenceEncode(s: SeqLedgerSnapshot, version: 1 | 2 | 3): Uint8Array {
  return record(version, (b) => {
    writeCounters(b, s);
    if (version === 2) writeSessions(b, s.applySeq, null, s.sessions);
    if (version === 3) writeSessions(b, s.applySeq, s.requestsExpiredBelow, s.sessions);
  });
}

const empty: SeqLedgerSnapshot = { keyCap: 10, counters: [], applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] };

function result(requestId: bigint, key = 'k', start = 0n, count = 1): SeqSessionResult {
  return { requestId, key, start, count };
}

function session(clientId: bigint, results: SeqSessionResult[] = []): SeqSessionSnapshot {
  return { clientId, lastActiveSeq: 1n, forgottenBelow: 0n, results };
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
      fc.property(seqLedgerSnapshotArbitrary(), (s) => {
        expect(encodeSeqLedgerRecord(s)).toEqual(referenceEncode(s, s.requestsExpiredBelow === 0n ? 2 : 3));
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
    expect(codeOf(() => decodeSeqLedgerRecord(bytes))).toBe("RECORD_MALFORMED");
  });
});

describe('TSOD properties', () => {
  it('round-trips canonical snapshots, and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(seqLedgerSnapshotArbitrary(), (s) => {
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
      fc.property(seqLedgerSnapshotArbitrary({ keysMax: 3, sessionsMax: 2, resultsPerSessionMax: 2 }), fc.constantFrom<1 | 2>(1, 2), (s, version) => {
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
        seqLedgerSnapshotArbitrary({ keysMax: 3, sessionsMax: 2, resultsPerSessionMax: 2 }),
        fc.constantFrom<1 | 2>(1, 2),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -3, max: 3 }),
        (s, version, edits, lengthChange) => {
          const good = version === 2 ? encodeSeqLedgerRecord(s) : referenceEncode({ ...s, applySeq: 0n, requestsExpiredBelow: 0n, sessions: [] }, 1);
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
          fc.tuple(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 80 })).map(([version, body]) => record(version, (b) => b.out.push(...body))),
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

  it.each<[string, () => Uint8Array, string]>([
    ['an empty file', () => new Uint8Array(0), 'RECORD_TOO_SHORT'],
    ['a header and CRC only', () => v1(() => undefined), 'RECORD_TOO_SHORT'],
    ['a version 2 record without the session header', () => v2((b) => b.u64(10n).u32(0)), 'RECORD_TOO_SHORT'],
    ['a foreign magic', () => v1((b) => b.u64(10n).u32(0), { magic: 'TSOR' }), 'RECORD_BAD_MAGIC'],
    ['version 0', () => record(0, (b) => b.u64(10n).u32(0)), 'RECORD_UNSUPPORTED_VERSION'],
    ['version 5', () => record(5, (b) => b.u64(10n).u32(0).u64(0n).u64(1n).u32(0)), 'RECORD_UNSUPPORTED_VERSION'],
    ['a wrong CRC', () => v1((b) => b.u64(10n).u32(0), { crcDelta: 1 }), 'RECORD_CRC_MISMATCH'],
    ['a key cap of 2^32', () => v1((b) => b.u64(2n ** 32n).u32(0)), 'RECORD_OUT_OF_RANGE'],
    ['a key cap of u64 max', () => v1((b) => b.u64(U64_MAX).u32(0)), 'RECORD_OUT_OF_RANGE'],
    ['more keys than the cap', () => v1((b) => b.u64(1n).u32(2).key('a').u64(1n).key('b').u64(1n)), 'RECORD_MALFORMED'],
    ['a key count the bytes cannot hold', () => v1((b) => b.u64(10n).u32(5).key('a').u64(1n)), 'RECORD_MALFORMED'],
    ['an empty key', () => v1((b) => b.u64(10n).u32(1).key('').u64(1n).u64(0n)), 'RECORD_MALFORMED'],
    ['a key of 129 bytes', () => v1((b) => b.u64(10n).u32(1).key('x'.repeat(129)).u64(1n)), 'RECORD_MALFORMED'],
    ['a key length past the end', () => v1((b) => b.u64(10n).u32(1).u16(100).u64(0n).u8(0)), 'RECORD_MALFORMED'],
    ['duplicate keys', () => v1((b) => b.u64(10n).u32(2).key('a').u64(1n).key('a').u64(2n)), 'RECORD_MALFORMED'],
    ['keys out of order', () => v1((b) => b.u64(10n).u32(2).key('b').u64(1n).key('a').u64(2n)), 'RECORD_MALFORMED'],
    [
      'keys in UTF-16 order but not UTF-8 order',
      () => v1((b) => b.u64(10n).u32(2).key('\u{10000}').u64(1n).key('\uffff').u64(2n)),
      'RECORD_MALFORMED',
    ],
    ['a key that is not UTF-8', () => v1((b) => b.u64(10n).u32(1).key(Uint8Array.of(0xc0, 0x80)).u64(1n)), 'DECODE_BAD_UTF8'],
    ['a truncated counter', () => v1((b) => b.u64(10n).u32(1).key('abcdef').u32(1)), 'RECORD_MALFORMED'],
    ['a version 1 body with trailing bytes', () => v1((b) => b.u64(10n).u32(0).u8(0)), 'RECORD_MALFORMED'],
    ['a version 2 body with trailing bytes', () => v2((b) => b.u64(10n).u32(0).u64(0n).u32(0).u8(0)), 'RECORD_MALFORMED'],
    [
      'sessions out of order',
      () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(2).u64(2n).u64(0n).u64(0n).u32(0).u64(1n).u64(0n).u64(0n).u32(0)),
      'RECORD_MALFORMED',
    ],
    [
      'duplicate sessions',
      () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(2).u64(2n).u64(0n).u64(0n).u32(0).u64(2n).u64(0n).u64(0n).u32(0)),
      'RECORD_MALFORMED',
    ],
    ['a session count the bytes cannot hold', () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(3).u64(2n).u64(0n).u64(0n).u32(0)), 'RECORD_MALFORMED'],
    [
      'results out of order',
      () =>
        v2((b) =>
          b.u64(10n).u32(0).u64(5n).u32(1).u64(1n).u64(0n).u64(0n).u32(2).u64(7n).key('k').u64(0n).u32(1).u64(6n).key('k').u64(1n).u32(1),
        ),
      'RECORD_MALFORMED',
    ],
    ['a result of count 0', () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(1).u64(1n).u64(0n).u64(0n).u32(1).u64(7n).key('k').u64(0n).u32(0)), 'RECORD_OUT_OF_RANGE'],
    [
      'a result above the largest getSeq count',
      () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(1).u64(1n).u64(0n).u64(0n).u32(1).u64(7n).key('k').u64(0n).u32(SEQ_COUNT_MAX + 1)),
      'RECORD_OUT_OF_RANGE',
    ],
    [
      'a result block ending past 2^64 - 1',
      () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(1).u64(1n).u64(0n).u64(0n).u32(1).u64(7n).key('k').u64(U64_MAX).u32(1)),
      'RECORD_OUT_OF_RANGE',
    ],
    ['a result key that is not UTF-8', () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(1).u64(1n).u64(0n).u64(0n).u32(1).u64(7n).key(Uint8Array.of(0xff)).u64(0n).u32(1)), 'DECODE_BAD_UTF8'],
    ['an empty result key', () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(1).u64(1n).u64(0n).u64(0n).u32(1).u64(7n).key('').u64(0n).u32(1).u64(0n)), 'RECORD_MALFORMED'],
    ['a truncated result', () => v2((b) => b.u64(10n).u32(0).u64(5n).u32(1).u64(1n).u64(0n).u64(0n).u32(1).u64(7n).key('k').u64(0n).u16(1).u8(0).u8(0).u8(0)), 'RECORD_MALFORMED'],
  ])('rejects %s', (_name, bytes, code) => {
    expect(codeOf(() => decodeSeqLedgerRecord(bytes()))).toBe(code);
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
  ])('refuses to encode %s (a bug in the ledger)', (_name, snapshot, problem) => {
    expect(seqLedgerSnapshotProblem(snapshot)).toBe(problem);
    expect(() => encodeSeqLedgerRecord(snapshot)).toThrow(AssertionError);
  });
});
