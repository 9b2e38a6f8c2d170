import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { decodeRaftStart, encodeRaftStart, RAFT_START_ADDRESS_BYTES_MAX, type RaftStartRecord } from './start-record.js';

const address = fc.string({ maxLength: 40 });
const record: fc.Arbitrary<RaftStartRecord> = fc.record({
  voters: fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), raft: address, service: address }), { selector: (v) => v.id, maxLength: 9 }).map((vs) => [...vs].sort((a, b) => a.id - b.id)),
  join: fc.option(fc.record({ raft: address, service: address }), { nil: null }),
});

describe('raft start record', () => {
  it('round-trips a bootstrap voter, a joining node and a removed voter with no service address', () => {
    const joined: RaftStartRecord = {
      voters: [
        { id: 1, raft: '127.0.0.1:1', service: '127.0.0.1:2' },
        { id: 2, raft: '127.0.0.1:3', service: '' },
      ],
      join: { raft: '127.0.0.1:7', service: '127.0.0.1:8' },
    };
    expect(decodeRaftStart(encodeRaftStart(joined))).toEqual(joined);
    const voter: RaftStartRecord = { voters: joined.voters, join: null };
    expect(decodeRaftStart(encodeRaftStart(voter))).toEqual(voter);
  });

  it('round-trips and refuses any changed byte (property)', () => {
    fc.assert(
      fc.property(record, fc.nat(), (r, at) => {
        const bytes = encodeRaftStart(r);
        expect(decodeRaftStart(bytes)).toEqual(r);
        const bad = bytes.slice();
        bad[at % bad.length] = ((bad[at % bad.length] as number) ^ 0x10) & 0xff;
        expect(() => decodeRaftStart(bad)).toThrow(DecodeError);
      }),
      { numRuns: 200 },
    );
  });

  it('throws only DecodeError, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        try {
          decodeRaftStart(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });

  it('refuses to encode what it would refuse to decode: a repeated id, an overlong address', () => {
    expect(() => encodeRaftStart({ voters: [{ id: 1, raft: 'a:1', service: '' }, { id: 1, raft: 'b:1', service: '' }], join: null })).toThrow(RangeError);
    expect(() => encodeRaftStart({ voters: [{ id: 1, raft: 'a'.repeat(RAFT_START_ADDRESS_BYTES_MAX + 1), service: '' }], join: null })).toThrow(RangeError);
  });
});
