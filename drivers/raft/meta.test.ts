import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { canonicalCluster, clusterIdOf, decodeRaftMeta, encodeRaftMeta, metaMismatch } from './meta.js';

const addresses = new Map([
  [3, { host: 'c', port: 3 }],
  [1, { host: 'a', port: 1 }],
  [2, { host: '::1', port: 2 }],
]);

describe('raft meta record', () => {
  it('names the cluster by its peers in id order, the same whatever order they were given in', () => {
    expect(canonicalCluster(addresses)).toBe('1=a:1,2=[::1]:2,3=c:3');
    expect(clusterIdOf(canonicalCluster(addresses))).toBe(clusterIdOf('1=a:1,2=[::1]:2,3=c:3'));
    expect(clusterIdOf('1=a:1')).not.toBe(clusterIdOf('1=a:2'));
  });

  it('round-trips and refuses any changed byte', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.string({ maxLength: 200 }), fc.nat(), (nodeId, cluster, at) => {
        const bytes = encodeRaftMeta({ nodeId, cluster });
        expect(decodeRaftMeta(bytes)).toEqual({ nodeId, cluster });
        const bad = bytes.slice();
        bad[at % bad.length] = ((bad[at % bad.length] as number) ^ 0x40) & 0xff;
        expect(() => decodeRaftMeta(bad)).toThrow(DecodeError);
      }),
      { numRuns: 200 },
    );
  });

  it('throws only DecodeError, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodeRaftMeta(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });

  it('says whose directory it is when the node or the cluster differs', () => {
    const stored = { nodeId: 1, cluster: '1=a:1,2=b:2,3=c:3' };
    expect(metaMismatch(stored, stored, '/d')).toBeNull();
    expect(metaMismatch(stored, { ...stored, nodeId: 2 }, '/d')).toMatch(/data directory \/d belongs to node 1, not to node 2/);
    expect(metaMismatch(stored, { nodeId: 1, cluster: '1=a:1,2=b:2,3=x:3' }, '/d')).toMatch(/belongs to another cluster/);
  });
});
