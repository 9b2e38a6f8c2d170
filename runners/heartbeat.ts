// The status heartbeat (the original's `--heartbeat-interval`, default 10 s, 0 off): every
// interval the server logs one line saying whether it serves, at which epoch, and what it did
// since the last line. It reads local counters only (no metrics endpoint needed), fed by a
// ServerMetrics wrapper that counts the events it needs and forwards every call unchanged.
//
// Invariants: the counters only grow; the line is written from a timer that never keeps the
// process alive (unref'd) and is cancelled by `stop()`; a line costs O(1).
import type { RequestOp, RequestOutcome, ServerMetrics } from '../drivers/server/metrics.js';

export const HEARTBEAT_INTERVAL_MS_DEFAULT = 10_000;

/** What the heartbeat line reports, since the server started. */
export interface HeartbeatCounts {
  requests: number;
  timestampsIssued: number;
  seqValuesIssued: number;
  notLeader: number;
  transitions: number;
  fenceRetries: number;
}

/** `inner` with every call forwarded, counting what the heartbeat reports into `counts`. */
export function countingMetrics(inner: ServerMetrics, counts: HeartbeatCounts): ServerMetrics {
  return {
    getTsRequest: () => inner.getTsRequest(),
    getTsSuccess: (timestamps) => {
      counts.timestampsIssued += timestamps;
      inner.getTsSuccess(timestamps);
    },
    notLeader: () => {
      counts.notLeader += 1;
      inner.notLeader();
    },
    windowExtension: (latencyMs) => inner.windowExtension(latencyMs),
    windowExtensionIgnored: (reason) => inner.windowExtensionIgnored(reason),
    leaderTransition: (kind) => {
      counts.transitions += 1;
      inner.leaderTransition(kind);
    },
    fenceRetry: () => {
      counts.fenceRetries += 1;
      inner.fenceRetry();
    },
    fenceLatency: (latencyMs) => inner.fenceLatency(latencyMs),
    seqRequest: () => inner.seqRequest(),
    seqSuccess: (values) => {
      counts.seqValuesIssued += values;
      inner.seqSuccess(values);
    },
    seqCardinalityRejected: () => inner.seqCardinalityRejected(),
    serving: (isServing) => inner.serving(isServing),
    connectionOpened: () => inner.connectionOpened(),
    connectionClosed: (reason) => inner.connectionClosed(reason),
    connectionRefused: (reason) => inner.connectionRefused(reason),
    badFrame: () => inner.badFrame(),
    requestDuration: (op: RequestOp, outcome: RequestOutcome, latencyMs: number) => {
      counts.requests += 1;
      inner.requestDuration(op, outcome, latencyMs);
    },
    resourceExhausted: (reason) => inner.resourceExhausted(reason),
  };
}

export interface HeartbeatSource {
  readonly isServing: boolean;
  readonly currentEpoch: bigint | null;
}

/** The line for one beat; `previousRequests` is the request total at the last line. */
export function heartbeatLine(uptimeMs: number, node: HeartbeatSource, counts: HeartbeatCounts, previousRequests: number): string {
  return [
    'heartbeat:',
    `uptime_secs=${Math.floor(uptimeMs / 1000)}`,
    `serving=${node.isServing}`,
    `epoch=${node.currentEpoch ?? 0n}`,
    `requests=${counts.requests - previousRequests}`,
    `requests_total=${counts.requests}`,
    `ts_issued=${counts.timestampsIssued}`,
    `seq_issued=${counts.seqValuesIssued}`,
    `not_leader=${counts.notLeader}`,
    `transitions=${counts.transitions}`,
    `fence_retries=${counts.fenceRetries}`,
  ].join(' ');
}

/** Logs a heartbeat line every `intervalMs` (0: never) until `stop()`. */
export function startHeartbeat(intervalMs: number, node: HeartbeatSource, counts: HeartbeatCounts, log: (line: string) => void): { stop(): void } {
  if (intervalMs <= 0) return { stop: () => {} };
  const startedMs = performance.now();
  let previousRequests = 0;
  const timer = setInterval(() => {
    log(heartbeatLine(performance.now() - startedMs, node, counts, previousRequests));
    previousRequests = counts.requests;
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
