// The Prometheus binding of ServerMetrics (prom-client), with its own registry so several
// servers can live in one process. Names follow the original's metrics in Prometheus form
// (dots become underscores, counters end in _total, latencies are _seconds histograms with
// sub-millisecond buckets: 50 µs doubling to ~1.6 s).
import client from 'prom-client';
const LATENCY_BUCKETS_SECONDS = client.exponentialBuckets(0.00005, 2, 16);
export class PrometheusMetrics {
    registry = new client.Registry();
    getTsRequests;
    getTsSuccesses;
    timestampsIssued;
    notLeaders;
    extensions;
    extensionLatency;
    extensionsIgnored;
    transitions;
    fenceRetries;
    fenceLatencyHistogram;
    seqRequests;
    seqSuccesses;
    seqValuesIssued;
    seqCardinalityRejections;
    servingGauge;
    connections;
    badFrames;
    constructor(options = {}) {
        const registers = [this.registry];
        const counter = (name, help) => new client.Counter({ name, help, registers });
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
        if (options.collectDefaults === true)
            client.collectDefaultMetrics({ register: this.registry, prefix: 'tsoracle_process_' });
    }
    getTsRequest() {
        this.getTsRequests.inc();
    }
    getTsSuccess(timestamps) {
        this.getTsSuccesses.inc();
        this.timestampsIssued.inc(timestamps);
    }
    notLeader() {
        this.notLeaders.inc();
    }
    windowExtension(latencyMs) {
        this.extensions.inc();
        this.extensionLatency.observe(latencyMs / 1000);
    }
    windowExtensionIgnored(reason) {
        this.extensionsIgnored.inc({ reason });
    }
    leaderTransition(kind) {
        this.transitions.inc({ kind });
    }
    fenceRetry() {
        this.fenceRetries.inc();
    }
    fenceLatency(latencyMs) {
        this.fenceLatencyHistogram.observe(latencyMs / 1000);
    }
    seqRequest() {
        this.seqRequests.inc();
    }
    seqSuccess(values) {
        this.seqSuccesses.inc();
        this.seqValuesIssued.inc(values);
    }
    seqCardinalityRejected() {
        this.seqCardinalityRejections.inc();
    }
    serving(isServing) {
        this.servingGauge.set(isServing ? 1 : 0);
    }
    connectionOpened() {
        this.connections.inc();
    }
    connectionClosed() {
        this.connections.dec();
    }
    badFrame() {
        this.badFrames.inc();
    }
    text() {
        return this.registry.metrics();
    }
    get contentType() {
        return this.registry.contentType;
    }
}
//# sourceMappingURL=metrics.js.map