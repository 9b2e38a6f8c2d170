import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeWalRecord, scanWal, type WalRecord } from '../../core/raft/index.js';
import { RAFT_WAL_SECTOR_BYTES } from './limits.js';
import { judgeWalTail } from './wal-tail.js';

/** Entry records with data free of zero bytes (zeros are what a torn sector looks like). */
const recordArbitrary: fc.Arbitrary<WalRecord> = fc.oneof(
  fc.record({ term: fc.integer({ min: 1, max: 1000 }), data: fc.uint8Array({ minLength: 1, maxLength: 300 }) }).map(({ term, data }) => ({
    kind: 'entry' as const,
    entry: { term, index: 1, kind: 'normal' as const, data: data.map((b) => b | 1) },
  })),
  fc.record({ term: fc.integer({ min: 1, max: 1000 }), vote: fc.integer({ min: 1, max: 9 }), commit: fc.integer({ min: 1, max: 1000 }) }).map((hardState) => ({ kind: 'hard-state' as const, hardState })),
);

function wal(records: readonly WalRecord[]): { bytes: Uint8Array; starts: number[] } {
  const encoded = records.map(encodeWalRecord);
  const starts: number[] = [];
  const bytes = new Uint8Array(encoded.reduce((s, r) => s + r.length, 0));
  let offset = 0;
  for (const r of encoded) {
    starts.push(offset);
    bytes.set(r, offset);
    offset += r.length;
  }
  return { bytes, starts };
}

function judge(bytes: Uint8Array, windowBytes?: number): ReturnType<typeof judgeWalTail> {
  return judgeWalTail(bytes, scanWal(bytes), windowBytes);
}

const many = (n: number): WalRecord[] =>
  Array.from({ length: n }, (_, i) => ({ kind: 'entry', entry: { term: 1, index: i + 1, kind: 'normal', data: new Uint8Array(40).fill(0x5a + (i % 7)) } }));

describe('WAL tail: torn write or corruption', () => {
  it('a WAL of whole records is clean', () => {
    expect(judge(wal(many(10)).bytes)).toEqual({ kind: 'clean' });
  });

  it('a WAL cut anywhere is a torn tail, truncated after the last whole record', () => {
    fc.assert(
      fc.property(fc.array(recordArbitrary, { minLength: 1, maxLength: 12 }), fc.nat(), (records, cut) => {
        const { bytes, starts } = wal(records);
        const at = cut % (bytes.length + 1);
        const verdict = judge(bytes.subarray(0, at));
        const lastWhole = [...starts, bytes.length].filter((s) => s <= at).pop() as number;
        if (at === lastWhole) expect(verdict).toEqual({ kind: 'clean' });
        else expect(verdict).toMatchObject({ kind: 'torn', truncateAt: lastWhole, droppedBytes: at - lastWhole });
      }),
      { numRuns: 300 },
    );
  });

  it('a last record whose final partial sector never landed (fewer zeros than a chance run) is a torn tail (simulator 3-node seed 284)', () => {
    const { bytes, starts } = wal(many(200));
    const ends = [...starts.slice(1), bytes.length];
    // A record that crosses a sector boundary with 1 to 15 of its bytes past it.
    const i = starts.findIndex((start, k) => {
      const boundary = Math.ceil((start + 1) / RAFT_WAL_SECTOR_BYTES) * RAFT_WAL_SECTOR_BYTES;
      const end = ends[k] as number;
      return boundary < end && end - boundary >= 1 && end - boundary <= 15;
    });
    expect(i).toBeGreaterThanOrEqual(0);
    const start = starts[i] as number;
    const end = ends[i] as number;
    const boundary = Math.ceil((start + 1) / RAFT_WAL_SECTOR_BYTES) * RAFT_WAL_SECTOR_BYTES;
    // The file ends with this record; its size and first sector landed, its last sector did not.
    const torn = bytes.slice(0, end);
    torn.fill(0, boundary);
    expect(judge(torn)).toMatchObject({ kind: 'torn', truncateAt: start });
  });

  it('a last record whose first sector never landed (fewer zeros than a chance run) is a torn tail (simulator 3-node seed 541)', () => {
    const { bytes, starts } = wal(many(200));
    const ends = [...starts.slice(1), bytes.length];
    // A record that starts 1 to 15 bytes before a sector boundary.
    const i = starts.findIndex((start, k) => {
      const boundary = Math.ceil((start + 1) / RAFT_WAL_SECTOR_BYTES) * RAFT_WAL_SECTOR_BYTES;
      return boundary - start >= 1 && boundary - start <= 15 && (ends[k] as number) > boundary;
    });
    expect(i).toBeGreaterThanOrEqual(0);
    const start = starts[i] as number;
    const boundary = Math.ceil((start + 1) / RAFT_WAL_SECTOR_BYTES) * RAFT_WAL_SECTOR_BYTES;
    // The file ends with this record; its second sector landed, its first part did not.
    const torn = bytes.slice(0, ends[i] as number);
    torn.fill(0, start, boundary);
    expect(judge(torn)).toMatchObject({ kind: 'torn', truncateAt: start });
  });

  it('ten zero bytes inside the last sector that do not start at its boundary stay corruption', () => {
    const { bytes } = wal(many(5));
    const damaged = bytes.slice();
    damaged.fill(0, damaged.length - 10);
    // The zeros start mid-sector (not a sector that never landed) and are too few for a torn run.
    if ((damaged.length - 10) % RAFT_WAL_SECTOR_BYTES !== 0) expect(judge(damaged)).toMatchObject({ kind: 'corrupt' });
  });

  it('zeros at the end of the file (a grown file whose last sectors never landed) are a torn tail', () => {
    const { bytes } = wal(many(5));
    const grown = new Uint8Array(bytes.length + 9);
    grown.set(bytes);
    expect(judge(grown)).toMatchObject({ kind: 'torn', truncateAt: bytes.length, droppedBytes: 9 });
  });

  it('a zeroed sector in the last write is torn even when records after it landed', () => {
    const { bytes, starts } = wal(many(40));
    // Zero the sector holding the start of record 30 (sectors of the last append land independently).
    const sector = Math.floor(((starts[30] as number) + 20) / RAFT_WAL_SECTOR_BYTES) * RAFT_WAL_SECTOR_BYTES;
    const damaged = bytes.slice();
    damaged.fill(0, sector, sector + RAFT_WAL_SECTOR_BYTES);
    const verdict = judge(damaged);
    expect(verdict.kind).toBe('torn');
    if (verdict.kind === 'torn') expect(verdict.truncateAt).toBeLessThanOrEqual(sector);
  });

  it('a flipped bit in a record followed by valid records refuses to start', () => {
    fc.assert(
      fc.property(fc.array(recordArbitrary, { minLength: 2, maxLength: 10 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (records, which, at, xor) => {
        const { bytes, starts } = wal(records);
        const index = which % (records.length - 1);
        const start = starts[index] as number;
        const end = starts[index + 1] as number;
        const damaged = bytes.slice();
        const pos = start + 4 + (at % (end - start - 4)); // CRC or payload: the length stays intact
        damaged[pos] = ((damaged[pos] as number) ^ xor) & 0xff;
        if (damaged[pos] === 0) damaged[pos] = 0x80; // a flip, not a zeroing
        expect(judge(damaged)).toMatchObject({ kind: 'corrupt', offset: start });
      }),
      { numRuns: 300 },
    );
  });

  it('a complete last record with a bad checksum and no zeroed sector refuses to start (it may have been durable)', () => {
    const { bytes, starts } = wal(many(5));
    const damaged = bytes.slice();
    const last = starts[4] as number;
    damaged[last + 12] = ((damaged[last + 12] as number) ^ 0x10) & 0xff;
    expect(judge(damaged)).toMatchObject({ kind: 'corrupt', offset: last });
  });

  it('a length that runs past the end while valid records follow is corruption, not a torn write', () => {
    const { bytes, starts } = wal(many(5));
    const damaged = bytes.slice();
    const at = starts[2] as number;
    damaged[at + 2] = 0x01; // length + 65536: past the end of this small file
    expect(judge(damaged)).toMatchObject({ kind: 'corrupt', offset: at });
  });

  it('damage further from the end than one write can tear refuses to start', () => {
    const { bytes, starts } = wal(many(40));
    const damaged = bytes.slice(0, (starts[39] as number) + 10); // a torn last record...
    expect(judge(damaged)).toMatchObject({ kind: 'torn' });
    expect(judge(damaged, 5)).toMatchObject({ kind: 'corrupt' }); // ...but not within a 5-byte window
  });
});
