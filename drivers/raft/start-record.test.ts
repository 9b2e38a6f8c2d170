// The start record's codec: round trips, canonical form, and nothing but DecodeError on any bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { raftStartRecordArbitrary } from './arbitraries.js';
import { decodeRaftStart, encodeRaftStart, RAFT_START_ADDRESS_BYTES_MAX, type RaftStartRecord } from './start-record.js';

const record = raftStartRecordArbitrary();

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
