// What the serving node and the protocol server report. An interface, so the node runs the same
// in production (prom-client, runners/metrics.ts) and in the simulator (no-op or counting).
// Latencies are milliseconds here; the Prometheus binding converts to seconds.

export type ExtensionIgnoredReason = 'not_leader' | 'epoch_mismatch' | 'not_advanced';

/** A client request kind, as the wire names it (docs/protocol.md). */
export type RequestOp = 'getTs' | 'getSeq' | 'getSeqBatch';

/** What a request was answered: `OK`, or the wire error code. */
export type RequestOutcome = 'OK' | 'INVALID_ARGUMENT' | 'NOT_LEADER' | 'UNAVAILABLE' | 'RESOURCE_EXHAUSTED' | 'INTERNAL' | 'SEQ_SESSION_EXPIRED';

/** Why a RESOURCE_EXHAUSTED answer was given: the limit that was reached. */
export type ResourceExhaustedReason = 'seq_key_cardinality' | 'seq_counter_overflow' | 'requests_in_flight' | 'connections' | 'shutting_down' | 'lease_limit';
/** Why a new connection was refused (docs/protocol.md §5 lists them with their limits). */
export type ConnectionRefusedReason =
  | 'connections_max' // the server's connection cap
  | 'connections_per_peer_max' // the cap per remote address
  | 'shutting_down'
  | 'listener_sockets_max'; // past even the refusals the listener holds: dropped without an answer

/** Why an accepted connection closed (docs/protocol.md §5). */
export type ConnectionClosedReason =
  | 'peer' // the client closed it
  | 'bad_frame' // an undecodable, empty or oversized frame
  | 'frame_timeout' // a frame left unfinished past the frame deadline
  | 'idle_timeout' // no request for the idle timeout
  | 'idle_evicted' // at the connection cap, the longest idle gave way to a new connection
  | 'buffer_budget' // it held the most when all buffers passed the budget
  | 'transport' // a socket error, or unsent answers past the per-connection cap
  | 'unauthenticated' // its first request carried no token, or a wrong one (the server has a token)
  | 'shutdown';

export interface ServerMetrics {
  getTsRequest(): void;
  getTsSuccess(timestamps: number): void;
  notLeader(): void;
  windowExtension(latencyMs: number): void;
  windowExtensionIgnored(reason: ExtensionIgnoredReason): void;
  leaderTransition(kind: 'leader' | 'follower' | 'unknown'): void;
  fenceRetry(): void;
  fenceLatency(latencyMs: number): void;
  seqRequest(): void;
  seqSuccess(values: number): void;
  seqCardinalityRejected(): void;
  serving(isServing: boolean): void;
  connectionOpened(): void;
  connectionClosed(reason: ConnectionClosedReason): void;
  connectionRefused(reason: ConnectionRefusedReason): void;
  badFrame(): void;
  /** A request the serving node answered, with how long it took (from call to answer). */
  requestDuration(op: RequestOp, outcome: RequestOutcome, latencyMs: number): void;
  /** A RESOURCE_EXHAUSTED answer (to a request, or to a connection before closing it). */
  resourceExhausted(reason: ResourceExhaustedReason): void;
}

export const noopMetrics: ServerMetrics = {
  getTsRequest() {},
  getTsSuccess() {},
  notLeader() {},
  windowExtension() {},
  windowExtensionIgnored() {},
  leaderTransition() {},
  fenceRetry() {},
  fenceLatency() {},
  seqRequest() {},
  seqSuccess() {},
  seqCardinalityRejected() {},
  serving() {},
  connectionOpened() {},
  connectionClosed() {},
  connectionRefused() {},
  badFrame() {},
  requestDuration() {},
  resourceExhausted() {},
};
