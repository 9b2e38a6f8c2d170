// The status heartbeat's counting wrapper forwards every call and counts what the line reports;
// the line carries the per-interval request delta and the totals.
import { describe, expect, it } from 'vitest';
import { noopMetrics, type ServerMetrics } from '../drivers/server/metrics.js';
import { countingMetrics, heartbeatLine, type HeartbeatCounts } from './heartbeat.js';

describe('status heartbeat', () => {
  it('forwards every metrics call and counts requests, grants, not-leader answers, transitions and fence retries', () => {
    const calls: string[] = [];
    const inner = Object.fromEntries(Object.keys(noopMetrics).map((name) => [name, () => void calls.push(name)])) as unknown as ServerMetrics;
    const counts: HeartbeatCounts = { requests: 0, timestampsIssued: 0, seqValuesIssued: 0, notLeader: 0, transitions: 0, fenceRetries: 0 };
    const counting = countingMetrics(inner, counts);
    for (const name of Object.keys(noopMetrics)) (counting as unknown as Record<string, (...args: unknown[]) => void>)[name]?.(3, 'OK', 1);
    expect(calls.sort()).toEqual(Object.keys(noopMetrics).sort());
    expect(counts).toEqual({ requests: 1, timestampsIssued: 3, seqValuesIssued: 3, notLeader: 1, transitions: 1, fenceRetries: 1 });
  });

  it('reports the requests since the last line and the totals', () => {
    const counts: HeartbeatCounts = { requests: 10, timestampsIssued: 7, seqValuesIssued: 2, notLeader: 1, transitions: 2, fenceRetries: 0 };
    expect(heartbeatLine(12_345, { isServing: true, currentEpoch: 4n }, counts, 6)).toBe(
      'heartbeat: uptime_secs=12 serving=true epoch=4 requests=4 requests_total=10 ts_issued=7 seq_issued=2 not_leader=1 transitions=2 fence_retries=0',
    );
    expect(heartbeatLine(0, { isServing: false, currentEpoch: null }, counts, 10)).toMatch(/serving=false epoch=0 requests=0 /);
  });
});
