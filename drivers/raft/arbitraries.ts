// fast-check arbitraries of the raft driver's own records (tests and fuzz targets only).
import fc from 'fast-check';
import type { RaftStartRecord } from './start-record.js';

const address = fc.string({ maxLength: 40 });

/** Valid start records (drivers/raft/start-record.ts): up to 9 voters, ids ascending, maybe joining. */
export function raftStartRecordArbitrary(): fc.Arbitrary<RaftStartRecord> {
  return fc.record({
    voters: fc
      .uniqueArray(fc.record({ id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), raft: address, service: address }), { selector: (v) => v.id, maxLength: 9 })
      .map((vs) => [...vs].sort((a, b) => a.id - b.id)),
    join: fc.option(fc.record({ raft: address, service: address }), { nil: null }),
  });
}
