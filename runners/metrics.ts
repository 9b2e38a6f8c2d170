// The Prometheus binding of ServerMetrics (prom-client), with its own registry so several
// servers can live in one process. Names follow the original's metrics in Prometheus form
// (dots become underscores, counters end in _total, latencies are _seconds histograms with
// sub-millisecond buckets: 50 µs doubling to ~1.6 s for the durable steps, 50 µs to 5 s in
// 1-2.5-5 steps for requests). docs/metrics.md lists them all.
//
// Invariant: every metric in the registry passes `promtool check metrics` (runners/promtool.test.ts
// checks a real file server's and a real Raft node's /metrics). The process metrics are
// prom-client's defaults under their standard names (`process_*`, `nodejs_*`), so the usual
// dashboards work, minus the three gauges prom-client names like counters (below).

import client from 'prom-client';
import type { ConnectionClosedReason, ConnectionRefusedReason, ExtensionIgnoredReason, RequestOp, RequestOutcome, ResourceExhaustedReason, ServerMetrics } from '../drivers/server/metrics.js';

const LATENCY_BUCKETS_SECONDS = client.exponentialBuckets(0.00005, 2, 16);

/**
 * Request latency buckets, 50 µs to 5 s in 1-2.5-5 steps: a getTs served from the window takes
 * tens of µs, one that waits for a durable extension (an fsync, a Raft round) milliseconds, and
 * anything past the client's 2 s attempt timeout lands in the last buckets.
 */
const REQUEST_DURATION_BUCKETS_SECONDS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/**
 * prom-client's default gauges whose names end in `_total`, which promtool refuses on a
 * non-counter. Their per-type siblings (`nodejs_active_handles{type}`, ...) stay: sum them.
 */
const DEFAULT_GAUGES_NAMED_LIKE_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export class PrometheusMetrics implements ServerMetrics {
  readonly registry = new client.Registry();
  private readonly getTsRequests: client.Counter;
  private readonly getTsSuccesses: client.Counter;
  private readonly timestampsIssued: client.Counter;
  private readonly notLeaders: client.Counter;
  private readonly extensions: client.Counter;
  private readonly extensionLatency: client.Histogram;
  private readonly extensionsIgnored: client.Counter<'reason'>;
  private readonly transitions: client.Counter<'kind'>;
  private readonly fenceRetries: client.Counter;
  private readonly fenceLatencyHistogram: client.Histogram;
  private readonly seqRequests: client.Counter;
  private readonly seqSuccesses: client.Counter;
  private readonly seqValuesIssued: client.Counter;
  private readonly seqCardinalityRejections: client.Counter;
  private readonly servingGauge: client.Gauge;
  private readonly connections: client.Gauge;
  private readonly badFrames: client.Counter;
  private readonly requestDurations: client.Histogram<'op' | 'outcome'>;
  private readonly resourceExhaustions: client.Counter<'reason'>;
  private readonly connectionsRefused: client.Counter<'reason'>;
  private readonly connectionsClosed: client.Counter<'reason'>;

  constructor(options: { collectDefaults?: boolean } = {}) {
    const registers = [this.registry];
    const counter = (name: string, help: string) => new client.Counter({ name, help, registers });
    this.getTsRequests = counter('tsoracle_get_ts_requests_total', 'getTs requests received (offered load, before the leader check).');
    this.getTsSuccesses = counter('tsoracle_get_ts_success_total', 'getTs requests answered with timestamps.');
    this.timestampsIssued = counter('tsoracle_get_ts_timestamps_issued_total', 'Timestamps issued (sum of counts).');
    this.notLeaders = counter('tsoracle_not_leader_total', 'Requests answered NOT_LEADER.');
    this.extensions = counter('tsoracle_window_extensions_total', 'Durable window extensions (high-water persists).');
    this.extensionLatency = new client.Histogram({
      name: 'tsoracle_window_extension_latency_seconds',
      help: 'Time to make a window extension durable.',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.extensionsIgnored = new client.Counter({
      name: 'tsoracle_window_extensions_ignored_total',
      help: 'Extension commits ignored by the allocator, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.transitions = new client.Counter({
      name: 'tsoracle_leader_transition_total',
      help: 'Leadership events seen (leader, follower, unknown).',
      labelNames: ['kind'],
      registers,
    });
    this.fenceRetries = counter('tsoracle_leader_transition_fence_transient_retries_total', 'Fence steps retried after a transient driver error.');
    this.fenceLatencyHistogram = new client.Histogram({
      name: 'tsoracle_leader_transition_fence_latency_seconds',
      help: 'Time from a leadership gain to serving.',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.seqRequests = counter('tsoracle_get_seq_requests_total', 'getSeq requests received.');
    this.seqSuccesses = counter('tsoracle_get_seq_success_total', 'getSeq requests answered with a durable block.');
    this.seqValuesIssued = counter('tsoracle_get_seq_values_issued_total', 'Sequence values issued (sum of block sizes).');
    this.seqCardinalityRejections = counter('tsoracle_get_seq_cardinality_rejected_total', 'getSeq refused because the key cap was reached.');
    this.servingGauge = new client.Gauge({ name: 'tsoracle_serving', help: '1 while this node serves, else 0.', registers });
    this.connections = new client.Gauge({ name: 'tsoracle_connections', help: 'Open client connections.', registers });
    this.badFrames = counter('tsoracle_bad_frames_total', 'Connections closed for a garbage, truncated or oversized frame.');
    this.requestDurations = new client.Histogram({
      name: 'tsoracle_request_duration_seconds',
      help: 'Time the serving node took to answer a request, by op (getTs, getSeq) and outcome (OK or the error code).',
      labelNames: ['op', 'outcome'],
      buckets: REQUEST_DURATION_BUCKETS_SECONDS,
      registers,
    });
    this.resourceExhaustions = new client.Counter({
      name: 'tsoracle_resource_exhausted_total',
      help: 'RESOURCE_EXHAUSTED answers, by the limit reached (seq_key_cardinality, seq_counter_overflow, requests_in_flight, connections, shutting_down, lease_limit).',
      labelNames: ['reason'],
      registers,
    });
    if (options.collectDefaults === true) {
      client.collectDefaultMetrics({ register: this.registry });
      for (const name of DEFAULT_GAUGES_NAMED_LIKE_COUNTERS) this.registry.removeSingleMetric(name);
    }
    this.connectionsRefused = new client.Counter({
      name: 'tsoracle_connections_refused_total',
      help: 'New client connections refused, by reason (docs/protocol.md section 5).',
      labelNames: ['reason'],
      registers,
    });
    this.connectionsClosed = new client.Counter({
      name: 'tsoracle_connections_closed_total',
      help: 'Client connections closed, by reason (docs/protocol.md section 5).',
      labelNames: ['reason'],
      registers,
    });
  }

  getTsRequest(): void {
    this.getTsRequests.inc();
  }
  getTsSuccess(timestamps: number): void {
    this.getTsSuccesses.inc();
    this.timestampsIssued.inc(timestamps);
  }
  notLeader(): void {
    this.notLeaders.inc();
  }
  windowExtension(latencyMs: number): void {
    this.extensions.inc();
    this.extensionLatency.observe(latencyMs / 1000);
  }
  windowExtensionIgnored(reason: ExtensionIgnoredReason): void {
    this.extensionsIgnored.inc({ reason });
  }
  leaderTransition(kind: 'leader' | 'follower' | 'unknown'): void {
    this.transitions.inc({ kind });
  }
  fenceRetry(): void {
    this.fenceRetries.inc();
  }
  fenceLatency(latencyMs: number): void {
    this.fenceLatencyHistogram.observe(latencyMs / 1000);
  }
  seqRequest(): void {
    this.seqRequests.inc();
  }
  seqSuccess(values: number): void {
    this.seqSuccesses.inc();
    this.seqValuesIssued.inc(values);
  }
  seqCardinalityRejected(): void {
    this.seqCardinalityRejections.inc();
  }
  serving(isServing: boolean): void {
    this.servingGauge.set(isServing ? 1 : 0);
  }
  connectionOpened(): void {
    this.connections.inc();
  }
  connectionClosed(reason: ConnectionClosedReason): void {
    this.connections.dec();
    this.connectionsClosed.inc({ reason });
  }
  connectionRefused(reason: ConnectionRefusedReason): void {
    this.connectionsRefused.inc({ reason });
  }
  /** Exports `bytes()` as the gauge tsoracle_connection_buffered_bytes (read at each scrape). */
  observeBufferedBytes(bytes: () => number): void {
    new client.Gauge({
      name: 'tsoracle_connection_buffered_bytes',
      help: 'Bytes buffered by all client connections: unfinished frames, frames waiting their turn, unsent answers.',
      registers: [this.registry],
      collect() {
        this.set(bytes());
      },
    });
  }
  badFrame(): void {
    this.badFrames.inc();
  }
  requestDuration(op: RequestOp, outcome: RequestOutcome, latencyMs: number): void {
    this.requestDurations.observe({ op, outcome }, latencyMs / 1000);
  }
  resourceExhausted(reason: ResourceExhaustedReason): void {
    this.resourceExhaustions.inc({ reason });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
