// The consensus-driver interface: the single injection point for durability and high
// availability (the reference's section 2). The serving node never names peers or opens peer
// sockets; a driver owns election, storage and the mapping from node to advertised endpoint.
//
// Contracts every driver keeps:
//   - `subscribeLeadership` calls the listener with the current state synchronously, before it
//     returns (never withheld), then on every change. A follower's `leaderEpoch` never
//     decreases across emissions.
//   - `loadHighWater` is linearized: it reflects every write durably committed before the call,
//     by any prior leader.
//   - `persistHighWater(atLeast, epoch)` durably advances to at least `atLeast` and returns the
//     durable value `max(stored, atLeast)`; it never sets an absolute value, and it refuses
//     values above PHYSICAL_MS_MAX before writing anything (DRIVER_OUT_OF_RANGE).
//   - `advanceSeq` is a durable, exactly-once fetch-add per (clientId, requestId): it returns
//     the block start, and applying the same request again returns the same block.
//   - Expected failures are returned, never thrown. Callers treat DRIVER_NOT_LEADER and
//     DRIVER_FENCED the same way: step down and redirect.
//   - Every call finishes in bounded time: a driver that cannot reach a quorum returns
//     DRIVER_TRANSIENT after an internal deadline rather than hanging.
export function driverFailure(code, message, hint) {
    return hint === undefined ? { ok: false, code, message } : { ok: false, code, message, ...hint };
}
//# sourceMappingURL=driver.js.map