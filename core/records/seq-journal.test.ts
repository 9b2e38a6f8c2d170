// The TSOJ sequence-journal record and its scanner: a layout pinned against bytes computed
// outside this code base (Python struct + bitwise CRC-32C), round trips, the torn-tail rule
// (every truncation and every sector-torn last record scans to a prefix), corruption in the
// middle refused, every single-bit flip detected, and totality on arbitrary bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../assert.js';
import { crc32c } from '../codec/crc32c.js';
import { DecodeError } from '../errors.js';
import type { SeqAdvanceRequest } from '../ledger.js';
import { SEQ_COUNT_MAX, U64_MAX } from '../limits.js';
import { seqKeyArbitrary, u64Arbitrary } from './arbitraries.js';
import { sealFramedRecord } from './framed.js';
import {
  decodeSeqJournalRecord,
  encodeSeqJournalRecord,
  scanSeqJournal,
  SEQ_JOURNAL_HEADER_BYTES,
  SEQ_JOURNAL_RECORD_BYTES_MAX,
  SEQ_JOURNAL_RECORD_BYTES_MIN,
  type SeqJournalRecord,
} from './seq-journal.js';
import { SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX } from '../limits.js';
import { codeOf, decodeErrorOf, decodeMessageOf, invariantOf } from '../test-support.js';

const fromHex = (text: string): Uint8Array => Uint8Array.from(text.split(' '), (p) => parseInt(p, 16));

/** The sector size of the simulated disk's torn writes (tears happen per aligned sector). */
const SECTOR_BYTES = 512;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const requestArbitrary: fc.Arbitrary<SeqAdvanceRequest> = fc.record({
  key: seqKeyArbitrary,
  count: fc.oneof(fc.integer({ min: 1, max: SEQ_COUNT_MAX }), fc.constantFrom(1, SEQ_COUNT_MAX)),
  clientId: u64Arbitrary,
  requestId: u64Arbitrary,
});

const recordArbitrary: fc.Arbitrary<SeqJournalRecord> = fc
  .array(requestArbitrary, { minLength: 1, maxLength: 6 })
  .chain((requests) =>
    fc
      .oneof(fc.bigInt({ min: 0n, max: U64_MAX - BigInt(requests.length) }), fc.constant(U64_MAX - BigInt(requests.length)), fc.bigInt({ min: 0n, max: 100n }))
      .map((applySeqBefore) => ({ applySeqBefore, requests })),
  );

/** Journals of whole records, with the offset where each record starts. */
const journalArbitrary = fc.array(recordArbitrary, { minLength: 1, maxLength: 5 }).map((records) => {
  const encoded = records.map(encodeSeqJournalRecord);
  const starts: number[] = [];
  let at = 0;
  for (const e of encoded) {
    starts.push(at);
    at += e.length;
  }
  return { records, bytes: concat(encoded), starts, ends: starts.map((s, i) => s + (encoded[i] as Uint8Array).length) };
});

/** A record body sealed with correct checksums around whatever `fill` writes after the header. */
function sealedRaw(fill: (w: import('../codec/le.js').LeWriter) => void, version = 1): Uint8Array {
  const draft = sealFramedRecord('TSOJ', version, (w) => {
    w.u32(0).u32(0);
    fill(w);
  });
  // Patch the length and both checksums now that the size is known.
  const bytes = draft.slice();
  const view = new DataView(bytes.buffer);
  view.setUint32(5, bytes.length, true);
  view.setUint32(9, crc32c(bytes, 0, 9), true);
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
  return bytes;
}

const plain = (r: SeqJournalRecord): SeqJournalRecord => ({ applySeqBefore: r.applySeqBefore, requests: r.requests });

/** A version 2 record of `n` batches, each of 128 entries (keys AA..HP, count 1). */
function batchesOf128Entries(n: number): Uint8Array {
  return sealedRaw((w) => {
    w.u64(0n).u32(n);
    for (let r = 0; r < n; r++) {
      w.u8(128);
      for (let e = 0; e < 128; e++) w.u16(2).u8(0x41 + (e >> 4)).u8(0x41 + (e & 15)).u32(1);
      w.u64(1n).u64(BigInt(r + 1));
    }
  }, 2);
}

describe('TSOJ sequence-journal record', () => {
  it('encodes one request exactly as the documented layout', () => {
    const hex =
      '54 53 4F 4A 01 34 00 00 00 53 17 52 65 04 00 00 00 00 00 00 00 01 00 00 00 01 00 6B 03 00 00 00 09 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 EB 9F 10 53';
    const record = { applySeqBefore: 4n, requests: [{ key: 'k', count: 3, clientId: 9n, requestId: 1n }] };
    expect(encodeSeqJournalRecord(record)).toEqual(fromHex(hex));
    expect(decodeSeqJournalRecord(fromHex(hex))).toEqual(record);
  });

  it('round-trips any batch, keys of every shape, counts and ids at their edges', () => {
    fc.assert(
      fc.property(recordArbitrary, (record) => {
        const bytes = encodeSeqJournalRecord(record);
        expect(decodeSeqJournalRecord(bytes)).toEqual(record);
      }),
    );
  });

  it('refuses to encode a batch no ledger could have applied (a bug upstream)', () => {
    const request = { key: 'k', count: 1, clientId: 1n, requestId: 1n };
    expect(() => encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [] })).toThrow(AssertionError);
    expect(() => encodeSeqJournalRecord({ applySeqBefore: U64_MAX, requests: [request] })).toThrow(AssertionError);
    expect(() => encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ ...request, key: '' }] })).toThrow(AssertionError);
    expect(() => encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ ...request, count: 0 }] })).toThrow(AssertionError);
  });

  it('names the precondition each unencodable batch breaks, each at its bound', () => {
    const refusal = (record: SeqJournalRecord): string | null => invariantOf(() => encodeSeqJournalRecord(record), null);
    const request = { key: 'k', count: 1, clientId: 1n, requestId: 1n };
    expect(refusal({ applySeqBefore: 0n, requests: [] })).toBe('seq_journal_request_count_in_range');
    // SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX entries in all, counting each entry of a batch.
    const many = (n: number): SeqJournalRecord['requests'] => Array.from({ length: n }, (_, i) => ({ ...request, requestId: BigInt(i + 1) }));
    expect(refusal({ applySeqBefore: 0n, requests: many(SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX) })).toBeNull();
    expect(refusal({ applySeqBefore: 0n, requests: many(SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX + 1) })).toBe('seq_journal_request_count_in_range');
    const batch = { entries: [{ key: 'a', count: 1 }, { key: 'b', count: 1 }], clientId: 1n, requestId: 1n };
    expect(refusal({ applySeqBefore: 0n, requests: [...many(SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX - 2), batch] })).toBeNull();
    expect(refusal({ applySeqBefore: 0n, requests: [...many(SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX - 1), batch] })).toBe('seq_journal_request_count_in_range');
    // applySeq after the batch must stay a u64.
    expect(refusal({ applySeqBefore: U64_MAX - 1n, requests: [request] })).toBeNull();
    expect(refusal({ applySeqBefore: U64_MAX, requests: [request] })).toBe('seq_journal_apply_seq_u64');
    expect(refusal({ applySeqBefore: -1n, requests: [request] })).toBe('seq_journal_apply_seq_u64');
    expect(refusal({ applySeqBefore: 0n, requests: [{ ...request, key: '' }] })).toBe('seq_journal_key_valid');
    expect(refusal({ applySeqBefore: 0n, requests: [{ ...request, count: 0 }] })).toBe('seq_journal_count_valid');
    expect(refusal({ applySeqBefore: 0n, requests: [{ ...batch, entries: [{ key: 'a', count: 1 }, { key: 'a', count: 2 }] }] })).toBe('seq_journal_batch_valid');
  });

  it('rejects records whose checksums match but whose content breaks a rule', () => {
    const request = (w: import('../codec/le.js').LeWriter, keyLength = 1, count = 1): void => {
      w.u16(keyLength).raw(new Uint8Array(keyLength).fill(0x61)).u32(count).u64(1n).u64(1n);
    };
    expect(codeOf(() => decodeSeqJournalRecord(sealedRaw((w) => w.u64(0n).u32(0).raw(new Uint8Array(23)))))).toBe('RECORD_MALFORMED');
    expect(codeOf(() => decodeSeqJournalRecord(sealedRaw((w) => (w.u64(0n).u32(2), request(w)))))).toBe('RECORD_MALFORMED');
    expect(codeOf(() => decodeSeqJournalRecord(sealedRaw((w) => (w.u64(0n).u32(1), request(w), w.u8(0)))))).toBe('RECORD_MALFORMED');
    expect(codeOf(() => decodeSeqJournalRecord(sealedRaw((w) => (w.u64(0n).u32(1), request(w, 129)))))).toBe('RECORD_MALFORMED');
    expect(codeOf(() => decodeSeqJournalRecord(sealedRaw((w) => (w.u64(0n).u32(1), request(w, 1, 0)))))).toBe('RECORD_OUT_OF_RANGE');
    expect(codeOf(() => decodeSeqJournalRecord(sealedRaw((w) => (w.u64(0n).u32(1), request(w, 1, SEQ_COUNT_MAX + 1)))))).toBe('RECORD_OUT_OF_RANGE');
    expect(codeOf(() => decodeSeqJournalRecord(sealedRaw((w) => (w.u64(U64_MAX).u32(1), request(w)))))).toBe('RECORD_OUT_OF_RANGE');
    const badUtf8 = sealedRaw((w) => w.u64(0n).u32(1).u16(1).u8(0xff).u32(1).u64(1n).u64(1n));
    expect(codeOf(() => decodeSeqJournalRecord(badUtf8))).toBe('DECODE_BAD_UTF8');
    // Even as the last record of a journal: intact checksums mean it was written so, not torn.
    expect(codeOf(() => scanSeqJournal(badUtf8))).toBe('DECODE_BAD_UTF8');
    expect(codeOf(() => decodeSeqJournalRecord(sealedRaw((w) => (w.u64(0n).u32(1), request(w)), 3)))).toBe('RECORD_UNSUPPORTED_VERSION');
    // Version 2: a batch names each key once, and a record of version 2 holds a batch.
    const entry = (w: import('../codec/le.js').LeWriter, key: number): void => void w.u16(1).u8(key).u32(1);
    const v2 = (entries: number[]): Uint8Array => sealedRaw((w) => (w.u64(0n).u32(1).u8(entries.length), entries.forEach((k) => entry(w, k)), w.u64(1n).u64(1n)), 2);
    expect(decodeSeqJournalRecord(v2([0x61, 0x62])).requests).toEqual([{ entries: [{ key: 'a', count: 1 }, { key: 'b', count: 1 }], clientId: 1n, requestId: 1n }]);
    expect(decodeErrorOf(() => decodeSeqJournalRecord(v2([0x61, 0x61])))).toEqual({ code: 'RECORD_MALFORMED', offset: SEQ_JOURNAL_HEADER_BYTES + 8 + 4 + 1 + 7 });
    expect(decodeErrorOf(() => decodeSeqJournalRecord(v2([0x61])))).toEqual({ code: 'RECORD_MALFORMED', offset: 4 });
  });

  it('says in each refusal which rule the record breaks, with the numbers', () => {
    const request = (w: import('../codec/le.js').LeWriter, keyLength = 1, count = 1): void => {
      w.u16(keyLength).raw(new Uint8Array(keyLength).fill(0x61)).u32(count).u64(1n).u64(1n);
    };
    const message = (record: Uint8Array): string => decodeMessageOf(() => decodeSeqJournalRecord(record));
    const v2 = (fill: (w: import('../codec/le.js').LeWriter) => void): Uint8Array => sealedRaw(fill, 2);
    expect(message(sealedRaw((w) => w.u64(0n).u32(0).raw(new Uint8Array(23))))).toContain(`TSOJ 0 request(s), 1 to ${SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX} allowed`);
    expect(message(sealedRaw((w) => (w.u64(0n).u32(2), request(w))))).toContain('TSOJ 2 request(s) cannot fit 23 byte(s)');
    expect(message(sealedRaw((w) => (w.u64(0n).u32(1), request(w), w.u8(0))))).toContain('TSOJ 1 unread byte(s) in the body');
    expect(message(sealedRaw((w) => (w.u64(0n).u32(1), request(w, 129))))).toContain('TSOJ key of 129 byte(s)');
    expect(message(sealedRaw((w) => (w.u64(0n).u32(1), request(w, 1, 0))))).toContain(`TSOJ request count 0 outside 1..${SEQ_COUNT_MAX}`);
    expect(message(sealedRaw((w) => (w.u64(U64_MAX).u32(1), request(w))))).toContain('TSOJ applySeq would pass 2^64 - 1');
    expect(message(v2((w) => w.u64(0n).u32(1).u8(0).raw(new Uint8Array(30))))).toContain('TSOJ request of 0 entries, 1..128 allowed');
    expect(message(v2((w) => w.u64(0n).u32(1).u8(2).u16(1).u8(0x61).u32(1).u16(1).u8(0x61).u32(1).u64(1n).u64(1n)))).toContain('TSOJ a batch names a key twice');
    expect(message(v2((w) => (w.u64(0n).u32(1).u8(1), w.u16(1).u8(0x61).u32(1).u64(1n).u64(1n))))).toContain('TSOJ version 2 without a batch (written as version 1)');
    // More entries in all than a record may hold: 513 batches of 128 entries (65,664).
    expect(message(batchesOf128Entries(513))).toContain(`TSOJ more than ${SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX} entries`);
    // The length field and the header checksum, each wrong with every checksum after it right.
    const good = sealedRaw((w) => (w.u64(0n).u32(1), request(w)));
    const resealed = (patch: (view: DataView) => void, headerCrc: boolean): Uint8Array => {
      const bytes = good.slice();
      const view = new DataView(bytes.buffer);
      patch(view);
      if (headerCrc) view.setUint32(9, crc32c(bytes, 0, 9), true);
      view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
      return bytes;
    };
    expect(message(resealed((view) => view.setUint32(5, good.length + 1, true), true))).toContain(`TSOJ length field ${good.length + 1} for a record of ${good.length} byte(s)`);
    expect(message(resealed((view) => view.setUint32(9, 0, true), false))).toContain('TSOJ header checksum does not match the header');
    expect(message(concat([good, new Uint8Array(SEQ_JOURNAL_RECORD_BYTES_MAX)]))).toContain(`TSOJ record of ${good.length + SEQ_JOURNAL_RECORD_BYTES_MAX} byte(s), at most ${SEQ_JOURNAL_RECORD_BYTES_MAX}`);
  });

  it('accepts a record at each count limit and its longest size, and refuses one past each', () => {
    const max = SEQ_JOURNAL_REQUESTS_PER_RECORD_MAX;
    const countOffset = SEQ_JOURNAL_HEADER_BYTES + 8;
    const requests = (n: number, keyBytes = 1, version = 1): Uint8Array =>
      sealedRaw((w) => {
        w.u64(0n).u32(n);
        for (let i = 0; i < n; i++) {
          if (version === 2) w.u8(1);
          w.u16(keyBytes).raw(new Uint8Array(keyBytes).fill(0x61)).u32(1).u64(1n).u64(BigInt(i + 1));
        }
      }, version);
    expect(decodeSeqJournalRecord(requests(max)).requests).toHaveLength(max);
    expect(decodeErrorOf(() => decodeSeqJournalRecord(sealedRaw((w) => w.u64(0n).u32(max + 1).raw(new Uint8Array(23)))))).toEqual({ code: 'RECORD_MALFORMED', offset: countOffset });
    // 512 batches of 128 entries: exactly the most entries a record holds.
    expect(decodeSeqJournalRecord(batchesOf128Entries(512)).requests).toHaveLength(512);
    // The longest record of any version is version 2's, all one-entry requests of 128-byte keys:
    // its length passes the length check, and it is refused only because version 2 must hold a
    // batch (one byte more is too long before anything else is read).
    const longest = requests(max, 128, 2);
    expect(longest).toHaveLength(SEQ_JOURNAL_RECORD_BYTES_MAX);
    expect(decodeErrorOf(() => decodeSeqJournalRecord(longest))).toEqual({ code: 'RECORD_MALFORMED', offset: 4 });
    expect(decodeErrorOf(() => decodeSeqJournalRecord(concat([longest, Uint8Array.of(0)])))).toEqual({ code: 'RECORD_TOO_LONG', offset: 0 });
  });

  it('holds each version to its own smallest record and its own request size', () => {
    const v2 = (fill: (w: import('../codec/le.js').LeWriter) => void): Uint8Array => sealedRaw(fill, 2);
    const oneEntry = (w: import('../codec/le.js').LeWriter, requestId: bigint): void => void w.u8(1).u16(1).u8(0x61).u32(1).u64(1n).u64(requestId);
    // Version 2's smallest record: 29 fixed bytes and one request of one entry of a one-byte key
    // (entryCount 1, keyLength 2, key 1, count 4, ids 16: 24 bytes), so 53; 52 is too short for it
    // although it is version 1's smallest.
    const smallest = v2((w) => (w.u64(0n).u32(1), oneEntry(w, 1n)));
    expect(smallest).toHaveLength(53);
    expect(decodeErrorOf(() => decodeSeqJournalRecord(smallest))).toEqual({ code: 'RECORD_MALFORMED', offset: 4 });
    expect(codeOf(() => decodeSeqJournalRecord(v2((w) => w.u64(0n).u32(1).raw(new Uint8Array(23).fill(1)))))).toBe('RECORD_TOO_SHORT');
    // Two requests need 48 bytes in version 2: with 47 the count is refused at once.
    const two = v2((w) => (w.u64(0n).u32(2), oneEntry(w, 1n), oneEntry(w, 2n)));
    expect(decodeMessageOf(() => decodeSeqJournalRecord(two))).toContain('version 2 without a batch');
    const twoShort = v2((w) => (w.u64(0n).u32(2), oneEntry(w, 1n), w.raw(new Uint8Array(23).fill(1))));
    expect(decodeErrorOf(() => decodeSeqJournalRecord(twoShort))).toEqual({ code: 'RECORD_MALFORMED', offset: SEQ_JOURNAL_HEADER_BYTES + 8 });
  });

  it('checks the frame first: magic, version, length, then the checksum', () => {
    const good = encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ key: 'k', count: 1, clientId: 1n, requestId: 1n }] });
    expect(codeOf(() => decodeSeqJournalRecord(good.subarray(0, 8)))).toBe('RECORD_TOO_SHORT');
    expect(codeOf(() => decodeSeqJournalRecord(good.subarray(0, SEQ_JOURNAL_RECORD_BYTES_MIN - 1)))).toBe('RECORD_TOO_SHORT');
    const badMagic = good.slice();
    badMagic[0] = 0x58;
    expect(codeOf(() => decodeSeqJournalRecord(badMagic))).toBe('RECORD_BAD_MAGIC');
    const flipped = good.slice();
    flipped[20] = (flipped[20] as number) ^ 1;
    expect(codeOf(() => decodeSeqJournalRecord(flipped))).toBe('RECORD_CRC_MISMATCH');
  });
});

describe('scanSeqJournal', () => {
  it('reads back every record of a journal of whole records, with their offsets', () => {
    fc.assert(
      fc.property(journalArbitrary, ({ records, bytes, starts }) => {
        const scan = scanSeqJournal(bytes);
        expect(scan.tailProblem).toBeUndefined();
        expect(scan.validBytes).toBe(bytes.length);
        expect(scan.records.map(plain)).toEqual(records);
        expect(scan.records.map((r) => r.offset)).toEqual(starts);
      }),
    );
    expect(scanSeqJournal(new Uint8Array(0))).toEqual({ records: [], validBytes: 0, zeroTailBytes: 0 });
  });

  it('scans any truncation of a journal to the prefix of whole records, the rest a torn tail', () => {
    fc.assert(
      fc.property(
        journalArbitrary.chain((j) => fc.record({ j: fc.constant(j), cut: fc.integer({ min: 0, max: j.bytes.length }) })),
        ({ j, cut }) => {
          const scan = scanSeqJournal(j.bytes.subarray(0, cut));
          const whole = j.ends.filter((end) => end <= cut).length;
          expect(scan.records.map(plain)).toEqual(j.records.slice(0, whole));
          const validBytes = whole === 0 ? 0 : (j.ends[whole - 1] as number);
          expect(scan.validBytes).toBe(validBytes);
          expect(scan.tailProblem === undefined).toBe(validBytes === cut);
          if (scan.tailProblem !== undefined) expect(scan.tailProblem.offset).toBe(validBytes);
        },
      ),
    );
  });

  it('takes a last record torn by sectors (each landed or zeros, as after a power loss) for a torn tail', () => {
    fc.assert(
      fc.property(
        journalArbitrary,
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        fc.integer({ min: 0, max: SECTOR_BYTES - 1 }),
        ({ records, bytes, starts }, landed, padBytes) => {
          // Shift the journal inside the file with a leading whole record so that the last
          // record's sector boundaries fall at varied places.
          const lead = encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ key: 'x'.repeat(1 + (padBytes % 128)), count: 1, clientId: 1n, requestId: 1n }] });
          const file = concat([lead, bytes]);
          const lastStart = lead.length + (starts[starts.length - 1] as number);
          const torn = file.slice();
          let sector = Math.floor(lastStart / SECTOR_BYTES);
          for (let s = sector * SECTOR_BYTES; s < file.length; s += SECTOR_BYTES, sector++) {
            if (landed[sector % landed.length] === true) continue;
            torn.fill(0, Math.max(s, lastStart), Math.min(file.length, s + SECTOR_BYTES));
          }
          const scan = scanSeqJournal(torn);
          const intact = torn.every((b, i) => b === file[i]);
          const expected = [{ applySeqBefore: 0n, requests: [{ key: 'x'.repeat(1 + (padBytes % 128)), count: 1, clientId: 1n, requestId: 1n }] }, ...records];
          expect(scan.records.map(plain)).toEqual(intact ? expected : expected.slice(0, -1));
          expect(scan.validBytes).toBe(intact ? file.length : lastStart);
        },
      ),
    );
  });

  it('ends a journal where a zero-filled tail starts: the records before it, nothing torn', () => {
    fc.assert(
      fc.property(journalArbitrary, fc.integer({ min: 1, max: 8192 }), ({ records, bytes }, zeroBytes) => {
        const scan = scanSeqJournal(concat([bytes, new Uint8Array(zeroBytes)]));
        expect(scan.tailProblem).toBeUndefined();
        expect(scan.validBytes).toBe(bytes.length);
        expect(scan.zeroTailBytes).toBe(zeroBytes);
        expect(scan.records.map(plain)).toEqual(records);
      }),
    );
    expect(scanSeqJournal(new Uint8Array(4096))).toEqual({ records: [], validBytes: 0, zeroTailBytes: 4096 });
    // Longer than any record: the zeros are still the tail, not a damaged record.
    const one = encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ key: 'k', count: 1, clientId: 1n, requestId: 1n }] });
    const long = scanSeqJournal(concat([one, new Uint8Array(2 * SEQ_JOURNAL_RECORD_BYTES_MAX)]));
    expect([long.validBytes, long.zeroTailBytes, long.tailProblem]).toEqual([one.length, 2 * SEQ_JOURNAL_RECORD_BYTES_MAX, undefined]);
  });

  it('takes a last record torn inside the zero fill for a torn tail, however long the zeros after it', () => {
    fc.assert(
      fc.property(journalArbitrary, fc.nat(), fc.integer({ min: 0, max: 8192 }), ({ records, bytes, starts }, cutSeed, zeroBytes) => {
        const lastStart = starts[starts.length - 1] as number;
        // The last record's write landed only in part: from some byte on, the zero fill is left.
        const cut = lastStart + 1 + (cutSeed % (bytes.length - lastStart - 1));
        const file = concat([bytes, new Uint8Array(zeroBytes)]);
        file.fill(0, cut, bytes.length);
        const scan = scanSeqJournal(file);
        expect(scan.records.map(plain)).toEqual(records.slice(0, -1));
        expect(scan.validBytes).toBe(lastStart);
        expect(scan.tailProblem?.offset).toBe(lastStart);
      }),
    );
    // A torn header with more than a record's worth of zeros after it.
    const one = encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ key: 'k', count: 1, clientId: 1n, requestId: 1n }] });
    const tornHeader = concat([one, one.subarray(0, 6), new Uint8Array(2 * SEQ_JOURNAL_RECORD_BYTES_MAX)]);
    expect(scanSeqJournal(tornHeader).tailProblem?.offset).toBe(one.length);
  });

  it('refuses zeros that are followed by a record or by stray bytes: a hole, not the zero tail', () => {
    const records = [0n, 1n].map((applySeqBefore) => encodeSeqJournalRecord({ applySeqBefore, requests: [{ key: 'k', count: 1, clientId: 1n, requestId: applySeqBefore + 1n }] }));
    const hole = concat([records[0] as Uint8Array, new Uint8Array(100), records[1] as Uint8Array]);
    expect(codeOf(() => scanSeqJournal(hole))).toBe('RECORD_BAD_MAGIC');
    const stray = concat([records[0] as Uint8Array, new Uint8Array(SEQ_JOURNAL_RECORD_BYTES_MAX + 10)]);
    stray[stray.length - 1] = 1;
    expect(codeOf(() => scanSeqJournal(stray))).toBe('RECORD_BAD_MAGIC');
  });

  it('refuses a damaged record that is followed by another record: corruption, not a torn tail', () => {
    const records = [0n, 1n, 2n].map((applySeqBefore) =>
      encodeSeqJournalRecord({ applySeqBefore, requests: [{ key: 'orders', count: 1, clientId: 7n, requestId: applySeqBefore + 1n }] }),
    );
    const file = concat(records);
    const second = (records[0] as Uint8Array).length;
    // A bit flip in the middle record's body: its header (hence its length) is intact.
    const bodyFlip = file.slice();
    bodyFlip[second + 30] = (bodyFlip[second + 30] as number) ^ 0x04;
    expect(codeOf(() => scanSeqJournal(bodyFlip))).toBe('RECORD_CRC_MISMATCH');
    // The middle record's header zeroed (a lost sector): its length is unknown, but an intact
    // header follows.
    const headerLost = file.slice();
    headerLost.fill(0, second, second + SEQ_JOURNAL_HEADER_BYTES);
    expect(codeOf(() => scanSeqJournal(headerLost))).toBe('RECORD_BAD_MAGIC');
    // Damage at the end, with bytes after it that are no record: still not a torn write.
    const trailing = concat([file, new Uint8Array(5)]);
    trailing[second + 30] = (trailing[second + 30] as number) ^ 0x04;
    expect(codeOf(() => scanSeqJournal(trailing))).toBe('RECORD_CRC_MISMATCH');
  });

  it('detects every single-bit flip: a flip before the last record throws, in it at worst leaves a torn tail', () => {
    const records = [5n, 6n, 8n].map((applySeqBefore, i) =>
      encodeSeqJournalRecord({
        applySeqBefore,
        requests: Array.from({ length: i + 1 }, (_, j) => ({ key: `k${j}`, count: j + 1, clientId: 3n, requestId: applySeqBefore + BigInt(j) })),
      }),
    );
    const file = concat(records);
    const lastStart = file.length - (records[2] as Uint8Array).length;
    for (let bit = 0; bit < file.length * 8; bit++) {
      const flipped = file.slice();
      const at = bit >> 3;
      flipped[at] = (flipped[at] as number) ^ (1 << (bit & 7));
      let scan: ReturnType<typeof scanSeqJournal> | null = null;
      try {
        scan = scanSeqJournal(flipped);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
      }
      if (at < lastStart) expect(scan, `bit ${bit}`).toBeNull();
      else if (scan !== null) {
        expect(scan.tailProblem?.offset, `bit ${bit}`).toBe(lastStart);
        expect(scan.records.length).toBe(2);
      }
    }
  });

  it('says where a journal is damaged and why it is corruption or a torn tail', () => {
    const records = [0n, 1n].map((applySeqBefore) => encodeSeqJournalRecord({ applySeqBefore, requests: [{ key: 'k', count: 1, clientId: 1n, requestId: applySeqBefore + 1n }] }));
    const [first, second] = records as [Uint8Array, Uint8Array];
    const scanMessage = (bytes: Uint8Array): string => decodeMessageOf(() => scanSeqJournal(bytes));
    const tail = (bytes: Uint8Array): string | undefined => scanSeqJournal(bytes).tailProblem?.message;
    const hole = concat([first, new Uint8Array(100), second]);
    expect(scanMessage(hole)).toContain(`TSOJ journal corrupt at offset ${first.length}: not a TSOJ record header, and an intact record header follows at offset ${first.length + 100}`);
    const stray = concat([first, new Uint8Array(SEQ_JOURNAL_RECORD_BYTES_MAX + 10)]);
    stray[stray.length - 1] = 1;
    expect(scanMessage(stray)).toContain(`TSOJ journal corrupt at offset ${first.length}: not a TSOJ record header, and ${SEQ_JOURNAL_RECORD_BYTES_MAX + 10} byte(s) follow: more than one record`);
    const flipped = concat([first, second, new Uint8Array(3).fill(7)]);
    flipped[first.length + 30] = (flipped[first.length + 30] as number) ^ 0x04;
    expect(scanMessage(flipped)).toMatch(new RegExp(`TSOJ journal corrupt at offset ${first.length}: .*checksum.*, and 3 byte\\(s\\) follow it`));
    const headerCrcFlipped = second.slice(0, 20);
    headerCrcFlipped[9] = (headerCrcFlipped[9] as number) ^ 1;
    expect(tail(concat([first, headerCrcFlipped]))).toContain('TSOJ header checksum mismatch');
    expect(tail(concat([first, Uint8Array.of(0x58, 0x53, 0x4f, 0x4a), second.subarray(4, 20)]))).toContain('not a TSOJ record header');
    expect(tail(concat([first, second.subarray(0, 3)]))).toContain('3 byte(s) at the end, too few for a record header');
    expect(tail(concat([first, second.subarray(0, second.length - 1)]))).toContain(`record of ${second.length} byte(s), ${second.length - 1} present`);
    const newer = sealedRaw((w) => w.u64(0n).u32(1).u16(1).u8(0x61).u32(1).u64(1n).u64(1n), 3);
    expect(scanMessage(concat([first, newer]))).toContain(`TSOJ version 3 at offset ${first.length}`);
    const claimsTooFew = second.slice();
    new DataView(claimsTooFew.buffer).setUint32(5, 1, true);
    new DataView(claimsTooFew.buffer).setUint32(9, crc32c(claimsTooFew, 0, 9), true);
    expect(scanMessage(concat([first, claimsTooFew]))).toContain(`TSOJ record at offset ${first.length} claims 1 byte(s)`);
  });

  it("trusts a header's length from its version's smallest record to its version's largest, no further", () => {
    // Fixed bytes 29 (header 13, applySeqBefore 8, requestCount 4, CRC 4), then at most 65,536
    // requests of a 128-byte key: 150 bytes each in version 1 (keyLength 2, count 4, ids 16),
    // 151 in version 2 (one entry each: entryCount 1, keyLength 2, count 4, ids 16).
    const largest = { 1: 29 + 65_536 * 150, 2: 29 + 65_536 * 151 };
    expect(SEQ_JOURNAL_RECORD_BYTES_MAX).toBe(largest[2]);
    expect(SEQ_JOURNAL_RECORD_BYTES_MIN).toBe(29 + 23);
    const headerClaiming = (version: number, recordBytes: number): Uint8Array => {
      const header = new Uint8Array(SEQ_JOURNAL_HEADER_BYTES + 20).fill(1);
      header.set([0x54, 0x53, 0x4f, 0x4a, version]);
      const view = new DataView(header.buffer);
      view.setUint32(5, recordBytes, true);
      view.setUint32(9, crc32c(header, 0, 9), true);
      return header;
    };
    // Trusted: the record is cut short, a torn tail. Not trusted: the intact header is corruption.
    for (const version of [1, 2] as const) {
      for (const claim of [SEQ_JOURNAL_RECORD_BYTES_MIN, largest[version]]) {
        expect(scanSeqJournal(headerClaiming(version, claim)).tailProblem, `version ${version} claiming ${claim}`).toEqual({
          offset: 0,
          code: 'RECORD_TOO_SHORT',
          message: `record of ${claim} byte(s), ${SEQ_JOURNAL_HEADER_BYTES + 20} present`,
        });
      }
      for (const claim of [SEQ_JOURNAL_RECORD_BYTES_MIN - 1, largest[version] + 1]) {
        expect(decodeErrorOf(() => scanSeqJournal(headerClaiming(version, claim))), `version ${version} claiming ${claim}`).toEqual({ code: 'RECORD_MALFORMED', offset: 5 });
      }
    }
  });

  it('looks for an intact header only after the damaged one, up to a header that ends the file', () => {
    const record = (requestId: bigint): Uint8Array => encodeSeqJournalRecord({ applySeqBefore: 0n, requests: [{ key: 'k', count: 1, clientId: 1n, requestId }] });
    const headerAt = (bytes: Uint8Array, at: number, version: number, recordBytes: number): void => {
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      bytes.set([0x54, 0x53, 0x4f, 0x4a, version], at);
      view.setUint32(at + 5, recordBytes, true);
      view.setUint32(at + 9, crc32c(bytes, at, at + 9), true);
    };
    // A damaged header, then an intact one (no record behind it) that ends exactly at the file's
    // end: a record starts there, so the damage is in the middle.
    const first = record(1n);
    const endsWithHeader = concat([first, new Uint8Array(20).fill(0x58), new Uint8Array(SEQ_JOURNAL_HEADER_BYTES)]);
    headerAt(endsWithHeader, endsWithHeader.length - SEQ_JOURNAL_HEADER_BYTES, 1, 60);
    expect(decodeErrorOf(() => scanSeqJournal(endsWithHeader))).toEqual({ code: 'RECORD_BAD_MAGIC', offset: first.length });
    // The record before a damaged header ends in 'T', and the damaged bytes read as an intact
    // header from that 'T' on: one byte before the damage is the record before it, not a record
    // after it, so the damage is a torn tail.
    let requestId = 1n;
    while (record(requestId).at(-1) !== 0x54) requestId++;
    const before = record(requestId);
    const torn = concat([before, new Uint8Array(SEQ_JOURNAL_HEADER_BYTES + 10).fill(0x59)]);
    headerAt(torn, before.length - 1, 1, 60);
    const scan = scanSeqJournal(torn);
    expect([scan.records.length, scan.validBytes, scan.tailProblem?.code]).toEqual([1, before.length, 'RECORD_BAD_MAGIC']);
  });

  it('reports a record written by a newer version as such, not as a torn tail', () => {
    const newer = sealedRaw((w) => w.u64(0n).u32(1).u16(1).u8(0x61).u32(1).u64(1n).u64(1n), 3);
    expect(codeOf(() => scanSeqJournal(newer))).toBe('RECORD_UNSUPPORTED_VERSION');
  });

  it('throws nothing but DecodeError on arbitrary bytes or on mutated journals', () => {
    const check = (bytes: Uint8Array): void => {
      try {
        const scan = scanSeqJournal(bytes);
        expect(scan.validBytes).toBeLessThanOrEqual(bytes.length);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
      try {
        decodeSeqJournalRecord(bytes);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check));
    fc.assert(
      fc.property(journalArbitrary, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), ({ bytes }, edits) => {
        const mutated = bytes.slice();
        for (const [at, value] of edits) mutated[at % mutated.length] = value;
        check(mutated);
      }),
    );
  });
});
