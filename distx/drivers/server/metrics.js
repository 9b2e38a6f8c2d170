// What the serving node and the protocol server report. An interface, so the node runs the same
// in production (prom-client, runners/metrics.ts) and in the simulator (no-op or counting).
// Latencies are milliseconds here; the Prometheus binding converts to seconds.
export const noopMetrics = {
    getTsRequest() { },
    getTsSuccess() { },
    notLeader() { },
    windowExtension() { },
    windowExtensionIgnored() { },
    leaderTransition() { },
    fenceRetry() { },
    fenceLatency() { },
    seqRequest() { },
    seqSuccess() { },
    seqCardinalityRejected() { },
    serving() { },
    connectionOpened() { },
    connectionClosed() { },
    badFrame() { },
};
//# sourceMappingURL=metrics.js.map