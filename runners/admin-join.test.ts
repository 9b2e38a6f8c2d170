// `--join ADMIN_H:P`'s parts that need no cluster: the bootstrap list a member reports, and the
// typed errors of a fetch that cannot succeed. The whole join (a node added through a member's
// admin endpoint, promoted, serving) runs with real processes in runners/admin.test.ts.
import { describe, expect, it } from 'vitest';
import { TsoError } from '../core/errors.js';
import { fetchJoinPeers, isAdminJoin, parseBootstrapCluster } from './admin-join.js';

describe('--join ADMIN_H:P', () => {
  it('tells a member admin endpoint from the RAFT/SERVICE form', () => {
    expect(isAdminJoin('127.0.0.1:20555')).toBe(true);
    expect(isAdminJoin('127.0.0.1:20582/127.0.0.1:20581')).toBe(false);
  });

  it("parses a member's bootstrap cluster and refuses a malformed one as INVALID_CONFIG", () => {
    expect([...parseBootstrapCluster('1=127.0.0.1:20552,2=127.0.0.1:20562')]).toEqual([
      [1, { host: '127.0.0.1', port: 20552 }],
      [2, { host: '127.0.0.1', port: 20562 }],
    ]);
    for (const bad of ['', '1=nowhere', '0=127.0.0.1:1', '1=127.0.0.1:1,1=127.0.0.1:2']) {
      expect(() => parseBootstrapCluster(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }) as unknown as Error);
    }
  });

  it('answers UNAVAILABLE when the admin endpoint does not answer, INVALID_CONFIG when it is not an address', async () => {
    const unreachable = await fetchJoinPeers('127.0.0.1:1', 4, 2_000).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(TsoError);
    expect((unreachable as TsoError).code).toBe('UNAVAILABLE');
    const malformed = await fetchJoinPeers('nowhere', 4).catch((e: unknown) => e);
    expect((malformed as TsoError).code).toBe('INVALID_CONFIG');
  });
});
